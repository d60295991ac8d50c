// Batches wait their turn (grading.max_running_batches, overall and per course), through the real
// API, CLI, workflow and database:
// - with one slot overall, a second batch is recorded and shown queued (API view with its place in
//   line, `zinc batch status` and `zinc batch list`), starts when the first ends, and both complete;
// - a queued batch can be cancelled, and ends cancelled without grading anything;
// - with one slot per course, another course's batch runs while the first course's next one waits.
// A paused batch keeps its slot, so the tests hold a slot by pausing a batch as soon as it starts.
// JSON answers are read as `any` and checked by value:
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-argument */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBatch } from '../src/core/batch-client.js';
import { progressLine } from '../src/cli/watch.js';
import {
  cancelSignal,
  pauseSignal,
  progressQuery,
} from '../src/workflows/grading/batch-grading.js';
import { startApiFixture, type ApiAnswer, type ApiFixture } from './helpers/api.js';
import { NAMESPACE, repoRoot, tempDir } from './helpers/temporal.js';
import { zincBin } from './helpers/zinc-bin.js';

let api: ApiFixture;
const execFileAsync = promisify(execFile);

async function until(
  probe: () => Promise<ApiAnswer>,
  ok: (a: ApiAnswer) => boolean,
  what: string,
): Promise<ApiAnswer> {
  let last: ApiAnswer | undefined;
  for (let i = 0; i < 1200; i++) {
    last = await probe();
    if (ok(last)) return last;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}; last answer: ${last?.text}`);
}

const read = (id: string, token = api.tokens.ta!) =>
  api.call('GET', `/api/batches/${id}`, { token });

/** Starts a batch over the API and pauses it at once, so it holds its slot once granted. */
async function startPaused(collectionId: string): Promise<string> {
  const started = await api.call('POST', '/api/batches', {
    token: api.tokens.ta,
    json: { collectionId },
  });
  expect(started.status).toBe(202);
  const id = started.body.batchId as string;
  expect(
    (await api.call('POST', `/api/batches/${id}/pause`, { token: api.tokens.ta })).status,
  ).toBe(202);
  return id;
}

/**
 * `zinc ...` against the test stack's Temporal server (no embedded stack of its own); run
 * asynchronously, since the workers that answer its queries run in this process.
 */
async function zinc(args: string[]) {
  try {
    const { stdout, stderr } = await execFileAsync(
      process.execPath,
      [zincBin(), '--data-dir', tempDir('zinc-queue-cli-'), ...args],
      {
        cwd: repoRoot,
        encoding: 'utf8',
        timeout: 120_000,
        env: {
          ...process.env,
          ZINC_TEMPORAL_HOST_PORT: api.stack.server.address,
          ZINC_TEMPORAL_NAMESPACE: NAMESPACE,
        },
      },
    );
    return { status: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code?: number; stdout?: string; stderr?: string };
    return { status: failed.code ?? 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

beforeAll(async () => {
  api = await startApiFixture({
    grading: [
      'max_running_batches: 1',
      'max_running_batches_per_course: 1',
      // Longer than any wait below: a queued batch starts because the finishing one wakes it.
      'queue_poll_max_secs: 120',
    ],
  });
}, 180_000);

afterAll(async () => {
  await api?.stop();
});

describe('batch queue', () => {
  it('queues a second batch while one runs, shows it queued, and runs it when the first ends', async () => {
    const first = await startPaused(api.ids.slow);
    await until(
      () => read(first),
      (a) => a.body.status === 'paused',
      'the first batch to hold its slot',
    );

    const started = await api.call('POST', '/api/batches', {
      token: api.tokens.ta,
      json: { collectionId: api.ids.quick },
    });
    expect(started.status).toBe(202);
    const second = started.body.batchId as string;
    const queued = await until(
      () => read(second),
      (a) => a.body.status === 'queued',
      'queued',
    );
    expect(queued.body).toMatchObject({ live: true, queuePosition: 1, done: 0, inFlight: 0 });

    const status = await zinc(['batch', 'status', second]);
    expect(status.status, status.stderr).toBe(0);
    expect(status.stdout).toContain(`Batch ${second}: queued (#1 in line for a running slot)`);
    // The progress bar of `zinc grade` and `zinc batch watch`.
    const progress = await api.stack.temporal.client.workflow
      .getHandle(second)
      .query(progressQuery);
    expect(progressLine(progress, 1, 0)).toContain('0/3 0%');
    expect(progressLine(progress, 1, 0)).toContain('[QUEUED #1 in line]');
    // The API's listing reads Temporal's visibility store, which follows the workflow a moment
    // later. (`zinc batch list` reads the batch records of its own database, which this CLI's
    // fresh data dir does not share with the test stack: test/quick-reads-cli.test.ts covers it.)
    let listed = '';
    for (let i = 0; i < 50 && !listed.includes('queued'); i++) {
      const list = await api.call('GET', `/api/batches?collectionId=${api.ids.quick}`, {
        token: api.tokens.ta,
      });
      expect(list.status).toBe(200);
      const rows = list.body.batches as Array<{ batchId: string; status: string }>;
      listed = rows.find((r) => r.batchId === second)?.status ?? '';
      if (listed !== 'queued') await sleep(200);
    }
    expect(listed).toBe('queued');
    expect((await api.stack.zinc.core.batches.get(second))?.status).toBe('queued');

    // A third batch (another course; the overall limit holds it) is cancelled while queued.
    const other = await api.call('POST', '/api/batches', {
      token: api.tokens.tb,
      json: { collectionId: api.ids.other },
    });
    const third = other.body.batchId as string;
    await until(
      () => read(third, api.tokens.tb),
      (a) => a.body.status === 'queued',
      'queued',
    );
    expect(
      (await api.call('POST', `/api/batches/${third}/cancel`, { token: api.tokens.tb })).status,
    ).toBe(202);
    const cancelled = await until(
      () => read(third, api.tokens.tb),
      (a) => a.body.live === false && a.body.status === 'cancelled',
      'the queued batch to be cancelled',
    );
    expect(cancelled.body).toMatchObject({ done: 0, reason: 'cancelled by tb' });
    expect((await read(second)).body.status).toBe('queued');

    expect(
      (await api.call('POST', `/api/batches/${first}/resume`, { token: api.tokens.ta })).status,
    ).toBe(202);
    const firstEnd = await until(
      () => read(first),
      (a) => a.body.live === false,
      'the first batch',
    );
    expect(firstEnd.body).toMatchObject({ status: 'completed', done: 3 });
    const secondEnd = await until(
      () => read(second),
      (a) => a.body.live === false,
      'the second batch',
    );
    expect(secondEnd.body).toMatchObject({ status: 'completed', done: 3, errored: 0 });
    // The second started only after the first had ended.
    expect(Date.parse(secondEnd.body.finishedAt)).toBeGreaterThan(
      Date.parse(firstEnd.body.finishedAt),
    );
    expect(await api.stack.zinc.core.slots.counts()).toEqual({ running: 0, queued: 0 });
  }, 300_000);

  it("lets another course's batch run while the per-course limit holds a course's next batch", async () => {
    // Limits come in each batch's input: two slots overall, one per course.
    const defaults = {
      ...api.stack.config.grading,
      max_running_batches: 2,
      max_running_batches_per_course: 1,
    };
    const begin = (collectionId: string, requestedBy: string) =>
      startBatch(api.stack.temporal, defaults, { collectionId, requestedBy });
    const held = await begin(api.ids.slow, 'ta');
    await held.handle.signal(pauseSignal, { by: 'ta' });
    await until(
      () => read(held.batchId),
      (a) => a.body.status === 'paused',
      'the slot to be held',
    );

    const sameCourse = await begin(api.ids.quick, 'ta');
    await until(
      () => read(sameCourse.batchId),
      (a) => a.body.status === 'queued',
      'queued',
    );
    const otherCourse = await begin(api.ids.other, 'tb');
    const otherEnd = await until(
      () => read(otherCourse.batchId, api.tokens.tb),
      (a) => a.body.live === false,
      "the other course's batch",
    );
    expect(otherEnd.body).toMatchObject({ status: 'completed' });
    expect((await read(sameCourse.batchId)).body.status).toBe('queued');

    await held.handle.signal(cancelSignal, { by: 'ta' });
    const end = await until(
      () => read(sameCourse.batchId),
      (a) => a.body.live === false,
      "the course's next batch",
    );
    expect(end.body).toMatchObject({ status: 'completed', done: 3 });
  }, 300_000);
});

// A storage outage far longer than ExecutePipeline's retry budget, waited out. A real S3 server
// (versitygw) is stopped while a batch grades on the real dev server, a real PostgreSQL and
// in-process workers, and started again later on the same folder. What a user notices:
// - while it is down the batch holds: it grades nothing and starts no delivery, and
//   `zinc batch status` says "waiting for object storage since HH:MM:SS UTC (N deliveries held)";
// - after it is back, every delivery is graded exactly once and none is ERRORED (the outage
//   counted against no delivery's attempts), wrong answers still WRONG_OUTPUT;
// - the batch's history, holding the 'wait-out-outages' patch marker, replays on this code;
// - a delivery whose files are gone (the config's side, not the infrastructure's) still ends
//   ERRORED at once, outage or not.
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zincWorkflowsPath } from '../src/temporal/workflows-path.js';
import { startBatch } from '../src/core/batch-client.js';
import { gradingConfigSchema, type GradingDefaults } from '../src/core/grading-config.js';
import { expandSummary } from '../src/core/brief-batches.js';
import { batchResult } from '../src/cli/watch.js';
import { progressQuery } from '../src/workflows/grading/batch-grading.js';
import type { BatchProgress } from '../src/workflows/grading/types.js';
import { deliverProgram, seedCourse, type SeededCourse } from './helpers/course.js';
import { startPostgres, type TestPostgres } from './helpers/postgres.js';
import { startS3Server, type S3Server } from './helpers/s3-server.js';
import { startTestStack, type TestStack } from './helpers/stack.js';
import { NAMESPACE, repoRoot, tempDir } from './helpers/temporal.js';
import { zincBin } from './helpers/zinc-bin.js';

// One test per delivery, a program that sleeps 1 s: the batch is still grading when S3 stops.
const CONFIG = `_settings:
  lang: python/python3:3
  lang_version_may_differ: true
  use_template: FILENAMES
  template: [main.py]
stdioTest:
  testCases:
    - { id: 1, file: main.py, stdin: "2 2", expected: "4", score: 1 }
score:
  normalizedTo: 100
`;
const RIGHT = 'import time\ntime.sleep(1)\na, b = map(int, input().split())\nprint(a + b)\n';
const WRONG = 'import time\ntime.sleep(1)\na, b = map(int, input().split())\nprint(a * b + 1)\n';
const STUDENTS = { s1: RIGHT, s2: RIGHT, s3: WRONG, s4: RIGHT, s5: RIGHT, s6: WRONG, s7: RIGHT };
const BUCKET = 'zinc-outage';

// A small retry budget: two attempts a second apart. The outage below lasts ten times longer.
const DEFAULTS: GradingDefaults = gradingConfigSchema.parse({
  concurrency: 2,
  max_attempts: 2,
  initial_interval_secs: 0.5,
  max_interval_secs: 1,
  heartbeat_timeout_secs: 5,
  slack_secs: 10,
});
const OUTAGE_MS = 15_000;

let postgres: TestPostgres;
let s3: S3Server;
let stack: TestStack;
let course: SeededCourse;
let stopWorkers: () => Promise<void>;
const cliDir = tempDir('zinc-outage-cli-');

function s3Env(): Record<string, string> {
  return {
    DATABASE_URL: postgres.url,
    ZINC_STORAGE_KIND: 's3',
    ZINC_S3_ENDPOINT: s3.endpoint,
    ZINC_S3_BUCKET: BUCKET,
    ZINC_S3_ACCESS_KEY_ID: s3.accessKeyId,
    ZINC_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
  };
}

/**
 * `zinc batch status` as an operator runs it against this stack (not spawnSync: the workers that
 * answer its query run in this process).
 */
function batchStatus(batchId: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [zincBin(), 'batch', 'status', batchId],
      {
        cwd: repoRoot,
        encoding: 'utf8',
        timeout: 120_000,
        env: {
          ...process.env,
          ...s3Env(),
          ZINC_DATA_DIR: cliDir,
          ZINC_TEMPORAL_HOST_PORT: stack.server.address,
          ZINC_TEMPORAL_NAMESPACE: NAMESPACE,
        },
      },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function waitFor<T>(probe: () => Promise<T>, ok: (v: T) => boolean, what: string) {
  for (let i = 0; i < 1200; i++) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined && ok(value)) return value;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  [postgres, s3] = await Promise.all([startPostgres(), startS3Server()]);
  stack = await startTestStack(s3Env());
  course = await seedCourse(stack, 'OUT1', CONFIG);
  for (const [student, program] of Object.entries(STUDENTS)) {
    await deliverProgram(course, student, program, 'main.py');
  }
  const workers = await stack.startWorkers();
  stopWorkers = () => workers.stop();
}, 180_000);

afterAll(async () => {
  await stopWorkers?.();
  await stack?.stop();
  await s3?.stop();
  await postgres?.stop();
  rmSync(cliDir, { recursive: true, force: true });
});

describe('an object storage outage longer than the retry budget', () => {
  it('holds the batch while S3 is down, says so in zinc batch status, then grades every delivery once', async () => {
    const { batchId, handle } = await startBatch(stack.temporal, DEFAULTS, {
      collectionId: course.collectionId,
      requestedBy: 'ta',
    });
    const total = Object.keys(STUDENTS).length;
    await waitFor(
      () => handle.query(progressQuery),
      (p) => p.done >= 1 && p.done < total - DEFAULTS.concurrency,
      'a batch partly graded',
    );
    await s3.halt();
    const stoppedAt = Date.now();

    // The attempts of the deliveries in flight run out: the batch holds instead of ERRORING them.
    const held = await waitFor(
      () => handle.query(progressQuery),
      (p) => p.waiting !== undefined,
      'the batch waiting for object storage',
    );
    expect(held.waiting).toMatchObject({ service: 'object storage' });
    expect(held.waiting!.held).toBeGreaterThanOrEqual(1);
    const shown = await batchStatus(batchId);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(
      /waiting for object storage since \d\d:\d\d:\d\d UTC \(\d (delivery|deliveries) held\)/,
    );

    // Far past the retry budget: nothing is graded, nothing ERRORED, nothing new started.
    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - stoppedAt)));
    const later: BatchProgress = await handle.query(progressQuery);
    expect(later).toMatchObject({ status: 'running', done: held.done, errored: 0 });
    expect(later.inFlight).toBe(later.waiting!.held);
    expect(later.waiting!.since).toBe(held.waiting!.since);

    await s3.start();
    const summary = await batchResult(handle);
    expect(summary).toMatchObject({ status: 'completed', total, done: total, errored: 0 });
    expect(summary.counts).toEqual({ PASSED: 5, WRONG_OUTPUT: 2 });
    expect((await handle.query(progressQuery).catch(() => null))?.waiting).toBeUndefined();
    const { rows } = await stack.platform.db.query<{ n: number; deliveries: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT delivery_id)::int AS deliveries
         FROM reports WHERE batch_id = $1`,
      [batchId],
    );
    expect(rows[0]).toEqual({ n: total, deliveries: total });
    const failures = await stack.platform.db.query(
      'SELECT 1 FROM batch_failures WHERE batch_id = $1',
      [batchId],
    );
    expect(failures.rows).toEqual([]);

    // The hold is deterministic: the batch's own history replays, patch marker and all.
    const history = await handle.fetchHistory();
    const patches = (history.events ?? []).flatMap((e) => {
      const data = e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data;
      return data ? [Buffer.from(data).toString('utf8')] : [];
    });
    expect(patches.join('\n')).toContain('wait-out-outages');
    await expect(
      Worker.runReplayHistory({ workflowsPath: zincWorkflowsPath() }, history, batchId),
    ).resolves.toBeUndefined();
  });

  it('still ends a delivery whose files are gone ERRORED, without waiting', async () => {
    await deliverProgram(course, 's8', RIGHT, 'main.py');
    const lost = (await course.store.listDeliveries(course.collectionId))!.find(
      (d) => d.userId === 's8',
    )!;
    await stack.platform.objects.deletePrefix(lost.objectKey);
    const { handle } = await startBatch(stack.temporal, DEFAULTS, {
      collectionId: course.collectionId,
      requestedBy: 'ta',
    });
    // The workflow answers a brief summary (v5); the whole one, with students and reasons, is stored.
    const summary = await batchResult(handle, undefined, undefined, (brief) =>
      expandSummary(stack.platform.objects, brief),
    );
    expect(summary).toMatchObject({ status: 'completed', errored: 1 });
    expect(summary.failures.map((f) => [f.userId, f.reason.split(':')[0]])).toEqual([
      ['s8', 'DeliveryFilesMissing'],
    ]);
  });
});

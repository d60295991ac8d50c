/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument */
// What a batch leaves in Temporal's history (issue 13, point 4), with no payload codec: a real
// batch over students with telling IDs, graded, failed to compile, wrong and ERRORED (its files
// deleted), paused and resumed with reasons, continued as new, then graded again (regrade-failed).
// - every run's raw history (`temporal workflow show --output json`) holds delivery IDs, but no
//   student ID, file name, content hash, data-dir path or steering reason;
// - the ERRORED delivery's failure is kept as a type and a short code;
// - the API (batch view, results, audit) and the CLI (`zinc batch status`, `zinc batch results`)
//   still show each student, the readable reason and the steering reasons, from the database.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer, listenApi } from '../src/api/server.js';
import type { ZodApp } from '../src/api/context.js';
import { startBatch } from '../src/core/batch-client.js';
import { findTemporalCli } from '../src/temporal/cli-binary.js';
import { deliverProgram, seedCourse, type SeededCourse } from './helpers/course.js';
import { startTestStack, type TestStack } from './helpers/stack.js';
import { ADD_CONFIG } from './helpers/sum-course.js';
import { repoRoot, tempDir } from './helpers/temporal.js';
import { zincBin } from './helpers/zinc-bin.js';

const FILE = 'orbit_kepler_solution.cpp';
const ADD = '#include <iostream>\nint main(){long a,b;std::cin>>a>>b;std::cout<<a+b<<"\\n";}\n';
// Slow enough that the batch is still grading when it is paused.
const SLOW_ADD =
  '#include <iostream>\n#include <thread>\nint main(){std::this_thread::sleep_for(std::chrono::milliseconds(700));long a,b;std::cin>>a>>b;std::cout<<a+b<<"\\n";}\n';
const PROGRAMS: Record<string, string> = {
  'stu-kepler-4711': SLOW_ADD,
  'stu-halley-0815': 'int main( { return 0; }\n',
  'stu-encke-2024': ADD, // its files are deleted: ERRORED
  'stu-biela-1826': SLOW_ADD.replace('a+b', 'a*b'),
  'stu-tuttle-3390': SLOW_ADD,
};
const LOST = 'stu-encke-2024';
const PAUSE_REASON = 'zebra crossing pause 9182';
const RESUME_REASON = 'okapi resume 7731';

let stack: TestStack;
let course: SeededCourse;
let app: ZodApp;
let url: string;
let token: string;
let dataDir: string;

async function api(method: string, path: string, json?: unknown) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(json === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    signal: AbortSignal.timeout(60_000),
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: response.status, body: (await response.json()) as any };
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string) {
  const deadline = Date.now() + 240_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`gave up waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Every run of a workflow, oldest first, as the raw JSON `temporal workflow show` prints. */
async function rawHistories(workflowId: string): Promise<string[]> {
  const runs: string[] = [];
  for await (const wf of stack.temporal.client.workflow.list({
    query: `WorkflowId="${workflowId}"`,
  })) {
    runs.push(wf.runId);
  }
  return runs.reverse().map((runId) => {
    const show = spawnSync(
      findTemporalCli(),
      [
        'workflow',
        'show',
        '--workflow-id',
        workflowId,
        '--run-id',
        runId,
        '--output',
        'json',
        '--address',
        stack.server.address,
        '--namespace',
        stack.config.temporal.namespace,
      ],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    if (show.status !== 0) throw new Error(`temporal workflow show failed: ${show.stderr}`);
    return show.stdout;
  });
}

/** Every string inside the history's payloads (base64 JSON), decoded, with the raw text. */
function readable(history: string): string {
  const decoded: string[] = [history];
  for (const [, data] of history.matchAll(/"data":\s*"([A-Za-z0-9+/=]+)"/g)) {
    decoded.push(Buffer.from(data!, 'base64').toString('utf8'));
  }
  return decoded.join('\n');
}

beforeAll(async () => {
  const configFile = join(tempDir('zinc-history-config-'), 'zinc.yaml');
  writeFileSync(
    configFile,
    [
      'grading:',
      '  concurrency: 1',
      '  page_size: 2',
      '  max_attempts: 2',
      '  initial_interval_secs: 0.2',
      '  max_interval_secs: 1',
      'api:',
      '  port: 0',
      '',
    ].join('\n'),
  );
  stack = await startTestStack({ ZINC_CONFIG: configFile });
  dataDir = stack.config.data_dir;
  course = await seedCourse(stack, 'HIST', ADD_CONFIG);
  for (const [student, program] of Object.entries(PROGRAMS)) {
    await deliverProgram(course, student, program, FILE);
  }
  const lost = (await course.store.listDeliveries(course.collectionId))!.find(
    (d) => d.userId === LOST,
  )!;
  await stack.platform.objects.deletePrefix(lost.objectKey);
  token = (await stack.zinc.core.tokens.create({ userId: 'ta' })).token;
  await stack.startWorkers();
  app = await createApiServer({ config: stack.config, temporal: stack.temporal, zinc: stack.zinc });
  url = await listenApi(app, stack.config.api);
}, 180_000);

afterAll(async () => {
  await app?.close();
  await stack?.stop();
});

describe('a batch history', () => {
  it('holds delivery IDs and codes, never students, files, hashes, paths or reasons', async () => {
    // Started as the API starts batches, with a history limit small enough to continue as new.
    const { batchId } = await startBatch(
      stack.temporal,
      { ...stack.config.grading, max_history_events: 40 },
      { collectionId: course.collectionId, requestedBy: 'ta' },
    );
    const read = () => api('GET', `/api/batches/${batchId}`);
    await until(read, (a) => a.body.live === true && a.body.done >= 1, 'progress');
    expect(
      (await api('POST', `/api/batches/${batchId}/pause`, { reason: PAUSE_REASON })).status,
    ).toBe(202);
    await until(read, (a) => a.body.status === 'paused', 'the pause');
    expect(
      (await api('POST', `/api/batches/${batchId}/resume`, { reason: RESUME_REASON })).status,
    ).toBe(202);
    const ended = await until(read, (a) => a.body.live === false, 'the end');

    // A regrade of the ERRORED delivery pages through the failures (its files are still gone),
    // and a batch of named students carries their deliveries, not their IDs.
    const retryId = (
      await startBatch(stack.temporal, stack.config.grading, {
        collectionId: course.collectionId,
        requestedBy: 'ta',
        source: { kind: 'errored', batchId },
      })
    ).batchId;
    const retried = await until(
      () => api('GET', `/api/batches/${retryId}`),
      (a) => a.body.live === false,
      'the regrade',
    );
    const named = await api('POST', '/api/batches', {
      collectionId: course.collectionId,
      studentIds: ['stu-halley-0815'],
    });
    expect(named.status, JSON.stringify(named.body)).toBe(202);
    const namedId = named.body.batchId as string;
    await until(
      () => api('GET', `/api/batches/${namedId}`),
      (a) => a.body.live === false,
      'the named batch',
    );

    // What staff see, from the database: students, verdicts, the reason in words.
    expect(ended.body).toMatchObject({ status: 'completed', total: 5, done: 5, errored: 1 });
    const lostFailure = {
      userId: LOST,
      reason: "DeliveryFilesMissing: the delivery's files are missing from object storage",
    };
    expect(ended.body.failures).toEqual([expect.objectContaining(lostFailure)]);
    expect(retried.body).toMatchObject({ status: 'completed', total: 1, errored: 1 });
    expect(retried.body.failures).toEqual([expect.objectContaining(lostFailure)]);
    const results = await api('GET', `/api/batches/${batchId}/results`);
    expect(
      Object.fromEntries(
        results.body.rows.map((r: { student: string; verdict: string }) => [r.student, r.verdict]),
      ),
    ).toEqual({
      'stu-biela-1826': 'WRONG_OUTPUT',
      'stu-encke-2024': 'ERRORED',
      'stu-halley-0815': 'COMPILE_ERROR',
      'stu-kepler-4711': 'PASSED',
      'stu-tuttle-3390': 'PASSED',
    });
    const audit = await api('GET', `/api/audit?collectionId=${course.collectionId}`);
    const steering = audit.body.rows
      .filter((r: { action: string }) => /^batch\.(pause|resume)$/.test(r.action))
      .map((r: { action: string; details: unknown }) => [r.action, r.details]);
    expect(steering).toEqual(
      expect.arrayContaining([
        ['batch.pause', { reason: PAUSE_REASON }],
        ['batch.resume', { reason: RESUME_REASON }],
      ]),
    );

    // What Temporal keeps: read every run of both batches, payloads decoded.
    const deliveries = (await course.store.listDeliveries(course.collectionId))!;
    const histories = [
      ...(await rawHistories(batchId)),
      ...(await rawHistories(retryId)),
      ...(await rawHistories(namedId)),
    ];
    expect(histories.length).toBeGreaterThanOrEqual(3); // continued as new at least once
    const text = histories.map(readable).join('\n');
    expect(text).toContain('EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW');
    expect(text).toContain('EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED');
    // The scan reads the payloads: the delivery IDs and the failure's code are there.
    for (const d of deliveries) expect(text).toContain(d.id);
    expect(text).toContain('"type":"DeliveryFilesMissing","code":"config"');
    const forbidden = [
      ...Object.keys(PROGRAMS),
      FILE,
      ...deliveries.map((d) => d.sha256),
      dataDir,
      PAUSE_REASON,
      RESUME_REASON,
      'files are missing', // the readable reason is the database's
    ];
    // Each word found, with what surrounds it (which payload let it in).
    const leaks = forbidden
      .filter((word) => text.includes(word))
      .map((word) => {
        const at = text.indexOf(word);
        return `${word} in …${text.slice(Math.max(0, at - 300), at + 100)}…`;
      });
    expect(leaks).toEqual([]);

    // The CLI reads the same database once the stack is gone.
    await app.close();
    await stack.stop();
    const zinc = (args: string[]) =>
      spawnSync(process.execPath, [zincBin(), '--data-dir', dataDir, ...args], {
        cwd: repoRoot,
        encoding: 'utf8',
        timeout: 120_000,
        env: { ...process.env, ZINC_USER: 'ta' },
      });
    const status = zinc(['batch', 'status', batchId]);
    expect(status.status, status.stderr).toBe(0);
    expect(status.stdout).toContain(`${LOST} `);
    expect(status.stdout).toContain(lostFailure.reason);
    const csv = zinc(['batch', 'results', batchId]);
    expect(csv.status, csv.stderr).toBe(0);
    for (const student of Object.keys(PROGRAMS)) expect(csv.stdout).toContain(student);
  });
});

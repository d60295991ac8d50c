// Stuck batches and termination, on the real dev server with PGlite, disk storage, the real
// pipeline (g++ in the sandbox) and the HTTP API:
// - with no pipeline worker, status and the API say in words that no worker polls
//   zinc-pipeline-default and what waits, and zinc_task_queue_pollers reads 0 for that queue;
//   terminated by staff then, the batch cannot record it and is terminated through Temporal;
// - the watcher prints a failed progress query instead of freezing;
// - a short schedule-to-start with a busy (one-slot) pipeline worker ends with ERRORED
//   deliveries whose reason names the wait;
// - POST /api/batches/:id/terminate by a student is refused (403, audited, the batch runs on);
//   by staff it ends the batch as terminated in the API, the listing, the database, the search
//   attribute and the audit log;
// - a batch terminated with the Temporal client (outside zinc) reads terminated after the
//   reconciler's round; one past grading.batch_timeout_secs reads timed_out on first read.
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { register } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer, listenApi } from '../src/api/server.js';
import type { ZodApp } from '../src/api/context.js';
import { startBatch } from '../src/core/batch-client.js';
import { endedOutsideSummary, startBatchReconciler } from '../src/core/batch-reconciler.js';
import { listBatches } from '../src/core/batch-status.js';
import { gradingConfigSchema, type GradingDefaults } from '../src/core/grading-config.js';
import { whyBatchWaits } from '../src/core/queue-health.js';
import { watchBatch } from '../src/cli/watch.js';
import { registrationsFor } from '../src/main/components.js';
import type { BatchSummary } from '../src/workflows/grading/types.js';
import { deliverProgram, seedCourse, type SeededCourse } from './helpers/course.js';
import { startTestStack, type TestStack } from './helpers/stack.js';
import { ADD_CONFIG, PROGRAMS } from './helpers/sum-course.js';

let stack: TestStack;
let course: SeededCourse;
let app: ZodApp;
let url: string;
const tokens: Record<string, string> = {};
let pipelineWorker: { stop(): Promise<void> } | undefined;

const defaults = (overrides: Partial<GradingDefaults> = {}): GradingDefaults =>
  gradingConfigSchema.parse({
    concurrency: 1,
    initial_interval_secs: 0.2,
    max_interval_secs: 1,
    ...overrides,
  });

async function api(method: string, path: string, user: string, json?: unknown) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${tokens[user]}`,
      ...(json === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(json === undefined ? {} : { body: JSON.stringify(json) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function waitFor<T>(probe: () => Promise<T>, ok: (v: T) => boolean, what: string) {
  for (let i = 0; i < 1200; i++) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined && ok(value)) return value;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function pollers(taskQueue: string): Promise<number | undefined> {
  const metric = await register.getSingleMetric('zinc_task_queue_pollers')!.get();
  return metric.values.find((v) => v.labels.task_queue === taskQueue)?.value;
}

/** A stream that keeps what the watcher writes (not a terminal: a line at a time). */
function capture() {
  let text = '';
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  }) as unknown as NodeJS.WriteStream;
  return { out, text: () => text };
}

async function auditOf(batchId: string) {
  return (await stack.zinc.core.batches.listAudit()).filter((r) => r.target === batchId);
}

/** The batch's status in `zinc batch list` (Temporal's visibility store catches up). */
async function listed(batchId: string, status: string) {
  return waitFor(
    async () => (await listBatches(stack.temporal)).find((b) => b.batchId === batchId),
    (row) => row?.status === status,
    `${batchId} listed ${status}`,
  );
}

beforeAll(async () => {
  stack = await startTestStack({ ZINC_API_PORT: '0' });
  course = await seedCourse(stack, 'STUCK', ADD_CONFIG);
  for (const student of ['p1', 'p2', 'p3']) await deliverProgram(course, student, PROGRAMS.slow);
  for (const user of ['ta', 'p1']) {
    tokens[user] = (await stack.zinc.core.tokens.create({ userId: user })).token;
  }
  // The core and submission workers only: the pipeline queue has no worker yet.
  await stack.startWorkers(registrationsFor(stack.zinc, ['core', 'submission']));
  app = await createApiServer({ config: stack.config, temporal: stack.temporal, zinc: stack.zinc });
  url = await listenApi(app, stack.config.api);
}, 180_000);

afterAll(async () => {
  await app?.close();
  await stack?.stop();
});

describe('a stuck batch', () => {
  it('says no worker polls the pipeline queue, in status, the API and the gauge; terminated outside zinc it reads terminated', async () => {
    const { batchId, handle } = await startBatch(stack.temporal, defaults(), {
      collectionId: course.collectionId,
      requestedBy: 'ta',
    });
    const words = await waitFor(
      () => whyBatchWaits(stack.temporal, handle, 900),
      (w) => w !== null,
      'the batch to wait',
    );
    expect(words).toBe(
      'no worker is polling zinc-pipeline-default; 1 task (DescribeConfig) waiting',
    );
    expect(await pollers('zinc-pipeline-default')).toBe(0);
    expect(await pollers('zinc-submission-default')).toBeGreaterThan(0);

    const view = await api('GET', `/api/batches/${batchId}`, 'ta');
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ status: 'running', live: true, stuck: words });

    // The progress line (zinc grade, zinc batch watch) says it too.
    const watcher = capture();
    const watching = watchBatch(handle, {
      out: watcher.out,
      intervalMs: 100,
      stuck: () => whyBatchWaits(stack.temporal, handle, 900),
      outside: () => endedOutsideSummary(stack.temporal, batchId),
    });
    await waitFor(
      () => Promise.resolve(watcher.text()),
      (t) => t.includes('WAITING'),
      'the progress line to say why',
    );
    expect(watcher.text()).toContain(`in flight 0  WAITING: ${words}`);

    // Outside zinc (as `temporal workflow terminate` does); it never got a record.
    await handle.terminate('stuck, operator stop');
    expect(await watching).toMatchObject({ batchId, status: 'terminated' });
    const ended = await api('GET', `/api/batches/${batchId}`, 'ta');
    expect(ended.body).toMatchObject({ status: 'terminated', live: false, stuck: null });
    expect(ended.body.reason).toMatch(/^terminated outside zinc by .+: stuck, operator stop/);
    await listed(batchId, 'terminated');
  });

  it('terminated by staff while stuck before grading: terminated through Temporal, it reads terminated', async () => {
    const { batchId, handle } = await startBatch(stack.temporal, defaults(), {
      collectionId: course.collectionId,
      requestedBy: 'ta',
    });
    await waitFor(
      () => whyBatchWaits(stack.temporal, handle, 900),
      (w) => w !== null,
      'the batch to wait',
    );
    // It waits for DescribeConfig (no pipeline worker), so it cannot write its own end.
    const done = await api('POST', `/api/batches/${batchId}/terminate`, 'ta', {
      reason: 'no pipeline workers today',
    });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body).toMatchObject({ status: 'terminated', recordedBy: 'temporal' });
    expect((await handle.describe()).status.name).toBe('TERMINATED');
    const view = await api('GET', `/api/batches/${batchId}`, 'ta');
    expect(view.body).toMatchObject({ status: 'terminated', live: false });
    expect(view.body.reason).toMatch(
      /^terminated by ta: no pipeline workers today \(the batch did not record it within 10 s\)/,
    );
    await listed(batchId, 'terminated');
    expect(await auditOf(batchId)).toContainEqual(
      expect.objectContaining({
        actor: 'ta',
        action: 'api.batch.terminate',
        outcome: 'terminated through Temporal',
      }),
    );
  });

  it('the watcher prints a failed progress query and goes on', async () => {
    // A batch workflow on a queue no worker polls: its progress query cannot be answered.
    const workflowId = 'batch-watch-nobody-1';
    const handle = await stack.temporal.client.workflow.start('batchGradingWorkflow', {
      workflowId,
      taskQueue: 'zinc-nobody-default',
      args: [{ batchId: workflowId }],
    });
    const watcher = capture();
    const watching = watchBatch(handle as never, {
      out: watcher.out,
      intervalMs: 100,
      outside: () => endedOutsideSummary(stack.temporal, workflowId),
    });
    await waitFor(
      () => Promise.resolve(watcher.text()),
      (p) => p.includes('progress query failed: '),
      'the failure to be printed',
    );
    await handle.terminate('test over');
    expect(await watching).toMatchObject({ batchId: workflowId, status: 'terminated' });
    expect(watcher.text()).toMatch(/^progress query failed: .+ \(trying again\)$/m);
  });
});

describe('schedule-to-start', () => {
  it('ends a wait for a busy pipeline worker with an ERRORED delivery that names the wait', async () => {
    // One slot: the first delivery holds it for seconds while the others wait 1 s, twice.
    const saved = stack.config.worker.max_concurrent_activities;
    stack.config.worker.max_concurrent_activities = 1;
    const oneSlot = await stack.startWorkers(registrationsFor(stack.zinc, ['pipeline']));
    stack.config.worker.max_concurrent_activities = saved;
    try {
      const { batchId, handle } = await startBatch(
        stack.temporal,
        defaults({ concurrency: 3, schedule_to_start_secs: 1, schedule_to_start_tries: 2 }),
        { collectionId: course.collectionId, requestedBy: 'ta' },
      );
      const summary = await handle.result();
      expect(summary).toMatchObject({ status: 'completed', total: 3, done: 3, errored: 2 });
      expect(summary.counts).toEqual({ PASSED: 1, ERRORED: 2 });
      const failures = await stack.zinc.core.batches.listFailures(batchId, null, 10);
      expect(failures.map((f) => f.reason)).toEqual([
        'no pipeline worker started it within 1 s, 2 tries',
        'no pipeline worker started it within 1 s, 2 tries',
      ]);
    } finally {
      await oneSlot.stop();
    }
    pipelineWorker = await stack.startWorkers(registrationsFor(stack.zinc, ['pipeline']));
  });
});

describe('terminating a batch', () => {
  it('is refused to a student (403, audited, the batch runs on) and done for staff: terminated everywhere', async () => {
    expect(pipelineWorker).toBeDefined();
    const { batchId, handle } = await startBatch(stack.temporal, defaults(), {
      collectionId: course.collectionId,
      requestedBy: 'ta',
    });
    await waitFor(
      () => stack.zinc.core.batches.get(batchId),
      (r) => r !== null,
      'the batch record',
    );

    const refused = await api('POST', `/api/batches/${batchId}/terminate`, 'p1', {
      reason: 'mine',
    });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toBe(
      'p1 is not staff of course STUCK, so may not pause, resume, cancel or terminate batches of its collections',
    );
    expect((await handle.describe()).status.name).toBe('RUNNING');
    const refusals = (await auditOf(batchId)).filter((r) => r.actor === 'p1');
    expect(refusals.map((r) => [r.action, r.outcome.split(':')[0]])).toEqual([
      ['batch.terminate', 'refused'],
      ['api.batch.terminate', expect.stringMatching(/^refused 403/)],
    ]);

    const done = await api('POST', `/api/batches/${batchId}/terminate`, 'ta', {
      reason: 'wrong config',
    });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body).toMatchObject({ status: 'terminated', recordedBy: 'workflow' });

    const view = await api('GET', `/api/batches/${batchId}`, 'ta');
    expect(view.body).toMatchObject({
      status: 'terminated',
      reason: 'terminated by ta: wrong config',
    });
    const record = await stack.zinc.core.batches.get(batchId);
    expect(record).toMatchObject({
      status: 'terminated',
      failureReason: 'terminated by ta: wrong config',
    });
    expect(record!.done).toBeLessThan(3);
    await listed(batchId, 'terminated');
    const info = await handle.describe();
    expect(info.status.name).toBe('COMPLETED'); // it ended itself, search attribute set
    expect(info.searchAttributes.ZincBatchStatus).toEqual(['terminated']);
    const rows = (await auditOf(batchId)).filter((r) => r.actor === 'ta');
    expect(rows).toContainEqual(
      expect.objectContaining({
        action: 'batch.terminate',
        outcome: 'accepted',
        details: { reason: 'wrong config' },
      }),
    );
    expect(rows).toContainEqual(
      expect.objectContaining({ action: 'api.batch.terminate', outcome: 'terminated' }),
    );
  });

  it('a batch terminated with the Temporal client reads terminated after the reconciler runs', async () => {
    const { batchId, handle } = await startBatch(stack.temporal, defaults(), {
      collectionId: course.collectionId,
      requestedBy: 'ta',
    });
    await waitFor(
      () => stack.zinc.core.batches.get(batchId),
      (r) => r !== null,
      'the batch record',
    );
    await handle.terminate('maintenance');
    expect((await stack.zinc.core.batches.get(batchId))!.status).toBe('running');
    const reconciler = startBatchReconciler(stack.zinc.core, stack.temporal, { intervalMs: 200 });
    try {
      // The end's last write is its audit row (record, summary document and event come first).
      await waitFor(
        () => auditOf(batchId),
        (rows) => rows.some((r) => r.action === 'batch.finish'),
        'the reconciled end',
      );
      const record = await stack.zinc.core.batches.get(batchId);
      expect(record!.status).toBe('terminated');
      expect(record!.failureReason).toMatch(/^terminated outside zinc by .+: maintenance$/);
      const summary = JSON.parse(
        (await stack.platform.objects.get(record!.summaryKey!)).toString('utf8'),
      ) as BatchSummary;
      expect(summary).toMatchObject({ batchId, status: 'terminated', total: 3 });
      expect(await auditOf(batchId)).toContainEqual(
        expect.objectContaining({ action: 'batch.finish', outcome: 'terminated' }),
      );
    } finally {
      await reconciler.stop();
    }
    await listed(batchId, 'terminated');
  });

  it('a batch past grading.batch_timeout_secs reads timed_out on first read', async () => {
    const { batchId, handle } = await startBatch(
      stack.temporal,
      defaults({ batch_timeout_secs: 6 }),
      { collectionId: course.collectionId, requestedBy: 'ta' },
    );
    await waitFor(
      async () => (await handle.describe()).status.name,
      (s) => s === 'TIMED_OUT',
      'the execution timeout',
    );
    const view = await api('GET', `/api/batches/${batchId}`, 'ta');
    expect(view.body).toMatchObject({ status: 'timed_out', live: false });
    expect(view.body.reason).toBe(
      'timed out: the batch ran past its execution timeout (6 s, grading.batch_timeout_secs)',
    );
    expect((await stack.zinc.core.batches.get(batchId))!.status).toBe('timed_out');
    await listed(batchId, 'timed_out');
  });
});

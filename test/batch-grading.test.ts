// The BatchGrading workflow on the real dev server with the real pipeline (g++ in the sandbox),
// PGlite and disk storage: results, identity and regrades, steering, validation (another
// collection's config included), ERRORED deliveries and regrade-failed, continue-as-new.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPONENTS, registrationsFor } from '../src/main/components.js';
import { createZinc } from '../src/main/zinc.js';
import { startBatch, type GradeRequest } from '../src/core/batch-client.js';
import { createBatchStore } from '../src/core/batch-store.js';
import type { GradingDefaults } from '../src/core/grading-config.js';
import { createConfigStore } from '../src/extensions/pipeline/config-store.js';
import { createReportStore } from '../src/extensions/pipeline/report-store.js';
import { createSubmissionService } from '../src/extensions/submission/service.js';
import { createSubmissionStore } from '../src/extensions/submission/store.js';
import type { ZincEvent } from '../src/platform/events.js';
import { batchResult } from '../src/cli/watch.js';
import { expandSummary } from '../src/core/brief-batches.js';
import type { BatchSummary } from '../src/workflows/grading/types.js';
import {
  progressQuery,
  pauseSignal,
  resumeSignal,
  cancelSignal,
} from '../src/workflows/grading/batch-grading.js';
import { startTestStack, type TestStack } from './helpers/stack.js';
import { ASSETS, CONFIG, PROGRAMS } from './helpers/sum-course.js';

let stack: TestStack;
let workers: { stop(): Promise<void> };
let quick: string; // s1 correct, s2 wrong, s3 broken, s4 correct
let slow: string; // three slow students
const events: ZincEvent[] = [];

function defaults(overrides: Partial<GradingDefaults> = {}): GradingDefaults {
  return {
    ...stack.config.grading,
    concurrency: 4,
    initial_interval_secs: 0.2,
    max_interval_secs: 1,
    ...overrides,
  };
}

async function grade(request: Partial<GradeRequest> & { collectionId: string }, d = defaults()) {
  return startBatch(stack.temporal, d, { requestedBy: 'ta', ...request });
}

async function waitFor<T>(
  probe: () => Promise<T>,
  ok: (v: T) => boolean,
  what: string,
): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined && ok(value)) return value;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  stack = await startTestStack();
  stack.platform.events.subscribe('batch.completed', (e) => {
    events.push(e);
  });
  const service = createSubmissionService({
    ...stack.platform,
    limits: { maxFiles: 10, maxTotalBytes: 1 << 20, maxFileBytes: 1 << 20, maxExpansionRatio: 100 },
  });
  const { store } = service;
  const course = await store.ensureCourse({ code: 'COMP2011' });
  const activity = await store.ensureActivity(course.id, 'Lab 1');
  const configs = createConfigStore(stack.platform);
  const { id: configId } = await configs.addVersion(CONFIG, ASSETS);
  const collections: string[] = [];
  for (const [name, students] of [
    ['quick', { s1: 'correct', s2: 'wrong', s3: 'broken', s4: 'correct' }],
    ['slow', { p1: 'slow', p2: 'slow', p3: 'slow' }],
  ] as const) {
    const c = await store.ensureCollection(
      activity.id,
      name,
      '2026-09-01T00:00:00Z',
      '2026-12-01T00:00:00Z',
    );
    collections.push(c.id);
    await configs.attachToCollection(c.id, configId);
    for (const [student, program] of Object.entries(students)) {
      await store.ensureUser({ id: student });
      await store.setMember(course.id, student, 'student');
      await service.deliver({
        collectionId: c.id,
        userId: student,
        submittedAt: new Date('2026-10-01T00:00:00Z'),
        files: [{ path: 'main.cpp', content: Buffer.from(PROGRAMS[program]) }],
      });
    }
  }
  [quick, slow] = collections as [string, string];
  await store.ensureUser({ id: 'ta' });
  await store.setMember(course.id, 'ta', 'staff');
  workers = await stack.startWorkers();
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

describe('BatchGrading', () => {
  it('grades every latest delivery and records reports, summary, search attributes, audit and event', async () => {
    const { batchId, handle, existing } = await grade({ collectionId: quick });
    expect(existing).toBe(false);
    expect(batchId).toBe(`batch-${quick}-default-1`);
    const again = await grade({ collectionId: quick }); // same request while it runs
    expect(again).toMatchObject({ batchId, existing: true });

    const summary = await batchResult(handle);
    expect(summary).toMatchObject({ status: 'completed', total: 4, done: 4, errored: 0 });
    expect(summary.counts).toEqual({ PASSED: 2, WRONG_OUTPUT: 1, COMPILE_ERROR: 1 });
    expect(summary.stats).toMatchObject({ reports: 4, meanPercent: 50, medianPercent: 50 });
    expect(summary.stats!.histogram[0]).toBe(2);
    expect(summary.stats!.histogram[9]).toBe(2);

    const reports = await createReportStore(stack.platform).listForBatch(batchId);
    expect(reports).toHaveLength(4);
    const byDelivery = await createSubmissionStore(stack.platform.db).getDeliveries(
      reports.map((r) => r.deliveryId),
    );
    const s1 = byDelivery.find((d) => d.userId === 's1')!;
    expect(reports.find((r) => r.deliveryId === s1.id)).toMatchObject({
      score: 100,
      maxScore: 100,
    });
    const stored = JSON.parse(
      (await stack.platform.objects.get(summary.summaryKey!)).toString('utf8'),
    ) as BatchSummary;
    // The workflow answers a brief summary (v5: no students in its history); the stored one is
    // whole: the same counts and stats, and the identical deliveries with their students.
    const { identical, ...rest } = stored;
    expect(summary).toEqual({ ...rest, failures: [], brief: true });
    expect(identical?.map((g) => g.students)).toEqual([['s1', 's4']]);

    const listed = await waitFor(
      async () => {
        const found = [];
        for await (const wf of stack.temporal.client.workflow.list({
          query: `ZincCollectionId="${quick}" AND ZincBatchStatus="completed"`,
        }))
          found.push(wf.workflowId);
        return found;
      },
      (found) => found.length > 0,
      'the batch in the visibility store',
    );
    expect(listed).toEqual([batchId]);

    const audit = await createBatchStore(stack.platform.db).listAudit();
    expect(
      audit.filter((a) => a.target === batchId).map((a) => [a.action, a.actor, a.outcome]),
    ).toEqual([
      ['batch.start', 'ta', 'started'],
      ['batch.finish', 'zinc', 'completed'],
    ]);
    await waitFor(
      () => Promise.resolve(events),
      (e) => e.some((x) => x.data.batchId === batchId),
      'batch.completed',
    );
    expect(events.find((x) => x.data.batchId === batchId)!.data).toMatchObject({
      status: 'completed',
      done: 4,
    });
  });

  it('grades the collection again as a new batch with new reports, keeping the old ones', async () => {
    const { batchId, handle } = await grade({ collectionId: quick });
    expect(batchId).toBe(`batch-${quick}-default-2`);
    expect((await batchResult(handle)).counts).toEqual({
      PASSED: 2,
      WRONG_OUTPUT: 1,
      COMPILE_ERROR: 1,
    });
    const reports = createReportStore(stack.platform);
    expect(await reports.listForBatch(batchId)).toHaveLength(4);
    expect(await reports.listForBatch(`batch-${quick}-default-1`)).toHaveLength(4);
  });

  it('pauses (nothing new starts), resumes, and audits both', async () => {
    const { batchId, handle } = await grade(
      { collectionId: slow, concurrency: 1 },
      defaults({ concurrency: 1 }),
    );
    await waitFor(
      () => handle.query(progressQuery),
      (p) => p.done >= 1,
      'the first delivery',
    );
    await handle.signal(pauseSignal, { by: 'ta', reason: 'checking the config' });
    const paused = await waitFor(
      () => handle.query(progressQuery),
      (p) => p.status === 'paused' && p.inFlight === 0,
      'the pause',
    );
    await sleep(3_000);
    const still = await handle.query(progressQuery);
    expect(still.done).toBe(paused.done);
    expect(still.done).toBeLessThan(3);
    expect(still.status).toBe('paused');
    await handle.signal(resumeSignal, { by: 'ta2' });
    const summary = await batchResult(handle);
    expect(summary).toMatchObject({ status: 'completed', done: 3, counts: { PASSED: 3 } });
    const audit = (await createBatchStore(stack.platform.db).listAudit()).filter(
      (a) => a.target === batchId,
    );
    expect(audit.map((a) => [a.action, a.actor])).toEqual([
      ['batch.start', 'ta'],
      ['batch.pause', 'ta'],
      ['batch.resume', 'ta2'],
      ['batch.finish', 'zinc'],
    ]);
  });

  it('cancels: in-flight grading stops and a partial summary is written', async () => {
    const { batchId, handle } = await grade(
      { collectionId: slow, concurrency: 1 },
      defaults({ concurrency: 1 }),
    );
    await waitFor(
      () => handle.query(progressQuery),
      (p) => p.done >= 1,
      'the first delivery',
    );
    await handle.signal(cancelSignal, { by: 'ta', reason: 'wrong config' });
    const summary = await batchResult(handle);
    expect(summary.status).toBe('cancelled');
    expect(summary.reason).toBe('cancelled by ta: wrong config');
    expect(summary.done).toBeGreaterThanOrEqual(1);
    expect(summary.done).toBeLessThan(3);
    const record = await createBatchStore(stack.platform.db).get(batchId);
    expect(record).toMatchObject({ status: 'cancelled', done: summary.done });
    expect(await stack.platform.objects.exists(summary.summaryKey!)).toBe(true);
  });

  it('checks the requester, collection and config before grading anything', async () => {
    const notStaff = await grade({ collectionId: quick, requestedBy: 's1' });
    const refused = await batchResult(notStaff.handle);
    expect(refused).toMatchObject({ status: 'failed', done: 0 });
    expect(refused.reason).toBe(
      's1 is not staff of course COMP2011, so may not grade its collections',
    );
    expect(await createReportStore(stack.platform).listForBatch(notStaff.batchId)).toEqual([]);

    const unknown = await batchResult((await grade({ collectionId: 'col_nowhere' })).handle);
    expect(unknown.reason).toBe('CollectionNotFound: collection col_nowhere does not exist');
    const badConfig = await batchResult(
      (await grade({ collectionId: quick, configVersion: 'cfg_0000000000000000' })).handle,
    );
    expect(badConfig.reason).toBe(
      'ConfigNotFound: grading config cfg_0000000000000000 does not exist',
    );

    // A start that skipped the core's check, with a config of another collection: the
    // workflow's own validation refuses it, and nothing is graded with it.
    const configs = createConfigStore(stack.platform);
    const { id: elsewhere } = await configs.addVersion(`${CONFIG}\n# another course's\n`, ASSETS);
    await configs.attachToCollection('col_elsewhere', elsewhere);
    const forged = await grade({ collectionId: quick, configVersion: elsewhere });
    const foreign = await batchResult(forged.handle);
    expect(foreign).toMatchObject({ status: 'failed', done: 0 });
    expect(foreign.reason).toBe(
      `ConfigNotAttached: grading config ${elsewhere} is not attached to collection ${quick}; a batch may use only its collection's configs (zinc config add <config.yaml> --collection ${quick} attaches one)`,
    );
    expect(await createReportStore(stack.platform).listForBatch(forged.batchId)).toEqual([]);
  });

  it('counts a delivery ERRORED once its retries are spent, and regrade-failed grades just those', async () => {
    await workers.stop();
    // A pipeline worker whose sandbox cannot start: an infrastructure failure, retried, then ERRORED.
    const config = stack.config;
    const noBwrap = createZinc(
      {
        ...config,
        pipeline: {
          ...config.pipeline,
          sandbox: { ...config.pipeline.sandbox, bwrap: '/nonexistent/bwrap' },
        },
      },
      stack.platform,
    );
    const broken = await stack.startWorkers(registrationsFor(noBwrap, COMPONENTS));
    const failed = await grade({ collectionId: quick }, defaults({ max_attempts: 2 }));
    // The workflow's answer is brief (v5): the whole summary, with students and reasons, is stored.
    const summary = await batchResult(failed.handle, undefined, undefined, (brief) =>
      expandSummary(stack.platform.objects, brief),
    );
    await broken.stop();
    expect(summary).toMatchObject({
      status: 'completed',
      total: 4,
      done: 4,
      errored: 4,
      counts: { ERRORED: 4 },
    });
    expect(summary.failures).toHaveLength(4);
    expect(summary.failures[0]!.reason).toMatch(/SandboxUnavailable/);

    workers = await stack.startWorkers();
    const retry = await startBatch(stack.temporal, defaults(), {
      collectionId: quick,
      requestedBy: 'ta',
      source: { kind: 'errored', batchId: failed.batchId },
    });
    expect(retry.batchId).toBe(`batch-${quick}-default-retry-${failed.batchId}-1`);
    const regraded = await batchResult(retry.handle);
    expect(regraded).toMatchObject({ status: 'completed', total: 4, done: 4, errored: 0 });
    expect(regraded.counts).toEqual({ PASSED: 2, WRONG_OUTPUT: 1, COMPILE_ERROR: 1 });
  });

  it('continues as new before its history grows large, grading each delivery exactly once', async () => {
    const { batchId, handle } = await grade(
      { collectionId: quick },
      defaults({ page_size: 1, max_history_events: 30, concurrency: 2 }),
    );
    const summary = await batchResult(handle);
    expect(summary).toMatchObject({ status: 'completed', total: 4, done: 4 });
    expect(await createReportStore(stack.platform).listForBatch(batchId)).toHaveLength(4);
    const statuses = await waitFor(
      async () => {
        const found: string[] = [];
        for await (const wf of stack.temporal.client.workflow.list({
          query: `WorkflowId="${batchId}"`,
        })) {
          found.push(wf.status.name);
        }
        return found;
      },
      (found) => found.length >= 2 && found.includes('COMPLETED'),
      'several runs',
    );
    expect(statuses.filter((s) => s === 'CONTINUED_AS_NEW').length).toBe(statuses.length - 1);
    expect(summary.counts).toEqual({ PASSED: 2, WRONG_OUTPUT: 1, COMPILE_ERROR: 1 });
  });
});

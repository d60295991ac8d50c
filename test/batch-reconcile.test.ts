// The summary and the results always agree, on the real dev server with PGlite and disk storage:
// - a delivery whose report was stored counts as graded even when the activity's completion was
//   lost and its attempts ran out (max_attempts 1): the workflow finds the report before it
//   counts the delivery ERRORED, and records no failure for it;
// - a delivery that really failed is ERRORED in both;
// - FinishBatch makes the summary from the result rows, so a report stored after the workflow
//   counted its delivery ERRORED (a batch of an earlier version) is graded in the summary too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registrationsFor } from '../src/main/components.js';
import { pipelineExtension } from '../src/extensions/pipeline/index.js';
import { startBatch } from '../src/core/batch-client.js';
import { createBookkeepingActivities } from '../src/core/activities/bookkeeping.js';
import { createBatchStore } from '../src/core/batch-store.js';
import type { ExecutePipelineInput } from '../src/extensions/pipeline/constants.js';
import { createReportStore } from '../src/extensions/pipeline/report-store.js';
import { asActivities } from '../src/temporal/registration.js';
import { batchResult } from '../src/cli/watch.js';
import { expandSummary } from '../src/core/brief-batches.js';
import type { BatchSummary } from '../src/workflows/grading/types.js';
import {
  SCORE_ONLY_CONFIG,
  deliverProgram,
  seedCourse,
  type SeededCourse,
} from './helpers/course.js';
import { startTestStack, type TestStack } from './helpers/stack.js';

let stack: TestStack;
let course: SeededCourse;
const ids: Record<string, string> = {};

/** Counts of result rows by verdict, as a TA would tally the CSV. */
function tally(rows: Array<{ verdict: string }>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of rows) counts[r.verdict] = (counts[r.verdict] ?? 0) + 1;
  return counts;
}

beforeAll(async () => {
  stack = await startTestStack();
  course = await seedCourse(stack, 'RECON', SCORE_ONLY_CONFIG);
  for (const student of ['s1', 's2', 's3', 's4']) {
    await deliverProgram(course, student, `// ${student}\nint main() {}\n`);
  }
  for (const d of (await course.store.listDeliveries(course.collectionId))!) ids[d.userId] = d.id;
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('the summary and the results', () => {
  it('count a delivery graded when its report was stored but its completion was lost, with max_attempts 1', async () => {
    const { zinc } = stack;
    const real = asActivities(pipelineExtension, zinc.pipeline);
    const realExecute = real.activities.ExecutePipeline!;
    // s2 and s3: the report is stored, then the completion never reaches the workflow (as when
    // the Temporal server dies while the report is saved). s4: the attempt fails before grading.
    const lostAfterSave = new Set([ids.s2, ids.s3]);
    const pipeline = {
      ...real,
      activities: {
        ...real.activities,
        async ExecutePipeline(input: ExecutePipelineInput) {
          if (input.deliveryId === ids.s4) throw new Error('the sandbox could not start');
          const outcome = await realExecute(input);
          if (lostAfterSave.has(input.deliveryId)) {
            throw new Error(
              `lost the completion of ${input.deliveryId} after its report was saved`,
            );
          }
          return outcome;
        },
      },
    };
    const workers = await stack.startWorkers([
      ...registrationsFor(zinc, ['core', 'submission']),
      pipeline,
    ]);
    let summary: BatchSummary;
    let batchId: string;
    try {
      const started = await startBatch(
        stack.temporal,
        // One ExecutePipeline per delivery: the path whose completion is lost here.
        {
          ...stack.config.grading,
          deliveries_per_activity: 1,
          max_attempts: 1,
          initial_interval_secs: 0.2,
        },
        { collectionId: course.collectionId, requestedBy: 'ta' },
      );
      batchId = started.batchId;
      summary = await batchResult(started.handle, undefined, undefined, (brief) =>
        expandSummary(stack.platform.objects, brief),
      );
    } finally {
      await workers.stop();
    }

    expect(summary).toMatchObject({
      status: 'completed',
      total: 4,
      done: 4,
      errored: 1,
      counts: { NO_TESTS: 3, ERRORED: 1 },
    });
    expect(summary.failures.map((f) => f.userId)).toEqual(['s4']);
    // Not a zinc failure type: its text stays out of the history and the reason says where to look.
    expect(summary.failures[0]!.reason).toBe(
      'failed with an unexpected error (see the pipeline worker log)',
    );

    const { rows } = await stack.zinc.core.results(batchId);
    expect(rows.map((r) => [r.student, r.verdict])).toEqual([
      ['s1', 'NO_TESTS'],
      ['s2', 'NO_TESTS'],
      ['s3', 'NO_TESTS'],
      ['s4', 'ERRORED'],
    ]);
    expect(tally(rows)).toEqual(summary.counts);
    // Only the delivery that really failed is left for regrade-failed.
    const failures = await stack.zinc.core.batches.listFailures(batchId, null, 100);
    expect(failures.map((f) => f.userId)).toEqual(['s4']);
    const record = await stack.zinc.core.batches.get(batchId);
    expect(record).toMatchObject({ done: 4, errored: 1, counts: summary.counts });
  });

  it('FinishBatch counts from the result rows even when the workflow counted a graded delivery ERRORED', async () => {
    const { db, objects } = stack.platform;
    const batches = createBatchStore(db);
    const reports = createReportStore({ db, objects });
    const batchId = 'batch-reconcile-finish-1';
    await batches.recordStart({
      id: batchId,
      collectionId: course.collectionId,
      configVersion: course.configVersion,
      requestedBy: 'ta',
      sourceBatchId: null,
      concurrency: 2,
      includeTest: false,
      total: 3,
      startedAt: new Date().toISOString(),
    });
    // What an earlier workflow version left: s1 graded; s2 and s3 counted ERRORED, but s2's
    // report was stored all the same (its completion was lost).
    const summaryOf = (verdicts: Record<string, number>) => ({
      score: 1,
      maxScore: 2,
      verdicts,
      pipelineError: null,
    });
    await reports.save(batchId, ids.s1!, course.configVersion, summaryOf({ PASSED: 2 }));
    await reports.save(batchId, ids.s2!, course.configVersion, summaryOf({ WRONG_OUTPUT: 1 }));
    const failed = (userId: string) => ({
      deliveryId: ids[userId]!,
      userId,
      reason: 'timed out (START_TO_CLOSE)',
    });
    for (const user of ['s2', 's3']) {
      await batches.recordFailure(batchId, { ...failed(user), deliveryKey: 'unused/' });
    }

    const bookkeeping = createBookkeepingActivities({
      db,
      batches,
      reports: stack.zinc.pipeline.service.reports,
      submissions: stack.zinc.submission.store,
      objects,
    });
    const summary = await bookkeeping.FinishBatch({
      batchId,
      collectionId: course.collectionId,
      configVersion: course.configVersion,
      requestedBy: 'ta',
      status: 'completed',
      reason: null,
      total: 3,
      done: 3,
      errored: 2,
      counts: { PASSED: 1, ERRORED: 2 },
      failures: [failed('s2'), failed('s3')],
      stats: null,
    });
    expect(summary).toMatchObject({
      done: 3,
      errored: 1,
      counts: { PASSED: 1, WRONG_OUTPUT: 1, ERRORED: 1 },
      failures: [failed('s3')],
    });
    const { rows } = await stack.zinc.core.results(batchId);
    expect(tally(rows)).toEqual(summary.counts);
    const stored = JSON.parse(
      (await objects.get(summary.summaryKey!)).toString('utf8'),
    ) as BatchSummary;
    expect(stored.counts).toEqual(summary.counts);
    expect(await batches.get(batchId)).toMatchObject({ errored: 1, counts: summary.counts });
  });
});

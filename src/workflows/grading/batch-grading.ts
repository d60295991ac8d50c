// BatchGrading: RFD 0010's batch processing pattern. Pages through a collection's latest
// deliveries on the submission queue, runs ExecutePipeline for each on the pipeline queue with
// a bounded window in flight, keeps counters and a capped list of failures, continues as new
// before its history grows large, and ends with a summary written by the core.
//
// Versioning: batches run for hours, so any change to what this code does for a history that
// already exists goes behind `patched('<change-name>')` (old branch kept until no batch of the
// old version runs). test/workflow-replay.test.ts replays the recorded histories of every
// released version (test/fixtures/histories/, recorded with `npm run record:histories`).
// v2: 'steering-audit-survives-cancel'. v3: 'execute-pipeline-by-id' (ExecutePipeline gets the
// batch's collection and no object key) and 'reconcile-stored-reports' (a delivery whose report
// was stored is graded, even when its attempts ran out after the report was saved).
// v4 (two independent patches, each asked for only by inputs that carry its settings, so older
// inputs keep the old commands): 'batch-slots' (batch-queue.ts; only for inputs with `slots`):
// after validating and recording, the batch waits queued for a running slot from the core, and
// gives it back at its end; 'pipeline-schedule-to-start' (ExecutePipeline gets a
// schedule-to-start timeout from the input's `scheduleToStart`, is scheduled again after each
// such timeout, and the delivery is ERRORED with the wait in words when the tries are spent).
// Fairness (issue 12): ExecutePipeline carries `priority.fairnessKey` = the course ID. No patch:
// priority is not part of what replay compares (an activity's type and ID), which
// test/workflow-replay.test.ts shows on the recorded histories.
// v7: 'wait-out-outages' (outage-hold.ts): a delivery whose attempts ran out because object
// storage or the database is down is held, not ERRORED, until a probe finds the service back.
// 'steering-flushed-last' (no new fixtures: a patch marker before the last steering flush of a
// run that continues as new; recorded histories replay without it).
// The `terminate` signal needs no patch: it adds commands only to histories that received it,
// which older code never did.
// v5: 'history-ids-only' (failure-codes.ts; only for inputs with `idsOnly`): pages and
// regrade-failed pages carry delivery IDs alone (cursors name a delivery, not a student), a
// failure is kept and recorded as a FailureCode (type and short code; the core writes the student
// and the readable reason to the database), steering reasons travel as IDs of rows the core
// stored, and FinishBatch returns a brief summary (the whole one is the stored document).
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setHandler,
  TimeoutFailure,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { BookkeepingActivities } from '../../core/activities/bookkeeping.js';
import type { DeliveryActivities } from '../../extensions/submission/index.js';
import type { PipelineActivities } from '../../extensions/pipeline/index.js';
import type { BatchSupportActivities } from '../../extensions/pipeline/index.js';
import { NON_RETRYABLE_FAILURES, failureSpec } from '../../failures.js';
import type { PipelineOutcome } from '../../extensions/pipeline/constants.js';
import type { SlotActivities } from '../../core/activities/slots.js';
import { BATCH_SLOTS_PATCH, waitForSlot, wakeGranted } from './batch-queue.js';
import { failureCodeOf, IDS_ONLY_PATCH, noWorkerError } from './failure-codes.js';
import { createOutageHold } from './outage-hold.js';
import { headlineVerdict } from './verdicts.js';
import {
  adaptiveSize,
  adaptiveSizingOf,
  groupActivityOptions,
  groupingOf,
  groupLength,
  nextPace,
} from './grouped-grading.js';
import type {
  BatchFailure,
  BatchGradingInput,
  KeptFailure,
  BatchProgress,
  BatchSlotLimits,
  BatchStatus,
  BatchSummary,
  ScheduleToStartPolicy,
  SteeringRequest,
} from './types.js';

export const progressQuery = defineQuery<BatchProgress>('progress');
export const pauseSignal = defineSignal<[SteeringRequest]>('pause');
export const resumeSignal = defineSignal<[SteeringRequest]>('resume');
export const cancelSignal = defineSignal<[SteeringRequest]>('cancel');
/** Ends the batch at once (in-flight grading cancelled), recorded as `terminated` by the workflow. */
export const terminateSignal = defineSignal<[SteeringRequest]>('terminate');

/** Failures kept in the workflow (all are in the database). */
const MAX_FAILURES_KEPT = 50;
/** History events one delivery may cost, to decide when to continue as new. */
const EVENTS_PER_DELIVERY = 8;

/** A delivery to grade: its ID (from v5 alone; earlier pages also held student and key). */
interface Pending {
  id: string;
  userId?: string;
  objectKey?: string;
}

/** A short, stable reason for a delivery that stayed ERRORED. */
function describeFailure(err: unknown): string {
  const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
  if (cause instanceof ApplicationFailure) return `${cause.type ?? 'Error'}: ${cause.message}`;
  if (cause instanceof TimeoutFailure) return `timed out (${cause.timeoutType})`;
  return cause instanceof Error ? cause.message : String(cause);
}

/** A failure the validation activities end with for good: the batch cannot start. */
function isNonRetryable(type: string | undefined): boolean {
  return type !== undefined && (NON_RETRYABLE_FAILURES as readonly string[]).includes(type);
}

/** Whether ExecutePipeline failed because no worker started it in time. */
function isScheduleToStartTimeout(err: unknown): boolean {
  return (
    err instanceof ActivityFailure &&
    err.cause instanceof TimeoutFailure &&
    err.cause.timeoutType === 'SCHEDULE_TO_START'
  );
}

/**
 * Runs `schedule` again after each schedule-to-start timeout (Temporal retries every other
 * failure itself, but never this one); when `policy.tries` are spent, fails with the wait in words.
 */
async function withScheduleToStart<T>(
  policy: ScheduleToStartPolicy | undefined,
  schedule: () => Promise<T>,
): Promise<T> {
  for (let tried = 1; ; tried++) {
    try {
      return await schedule();
    } catch (err) {
      if (!policy || !isScheduleToStartTimeout(err)) throw err;
      if (tried >= policy.tries) throw noWorkerError(policy);
    }
  }
}

/** The batch's schedule-to-start policy, when its input has one (v4). */
function scheduleToStartOf(input: BatchGradingInput): ScheduleToStartPolicy | undefined {
  const policy = input.scheduleToStart;
  return policy && policy.secs > 0 && patched('pipeline-schedule-to-start') ? policy : undefined;
}

function failureType(err: unknown): string | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}

/** Grades every latest delivery of a collection (or another batch's ERRORED deliveries). */
export async function batchGradingWorkflow(input: BatchGradingInput): Promise<BatchSummary> {
  const q = input.taskQueues;
  const infraRetry = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' };
  const core = proxyActivities<BookkeepingActivities & SlotActivities>({
    taskQueue: q.core,
    startToCloseTimeout: '60s',
    retry: infraRetry,
  });
  const submission = proxyActivities<DeliveryActivities>({
    taskQueue: q.submission,
    startToCloseTimeout: '60s',
    retry: {
      ...infraRetry,
      nonRetryableErrorTypes: [...NON_RETRYABLE_FAILURES],
    },
  });
  const support = proxyActivities<BatchSupportActivities>({
    taskQueue: q.pipeline,
    startToCloseTimeout: '60s',
    retry: { ...infraRetry, nonRetryableErrorTypes: [...NON_RETRYABLE_FAILURES] },
  });

  // v5: IDs and codes only in this history (inputs from zinc versions that send `idsOnly`).
  const idsOnly = input.idsOnly === true && patched(IDS_ONLY_PATCH);
  const carried = input.carried;
  const counters = {
    total: carried?.total ?? 0,
    done: carried?.done ?? 0,
    errored: carried?.errored ?? 0,
    counts: { ...(carried?.counts ?? {}) },
  };
  const failures: KeptFailure[] = [...(carried?.failures ?? [])];
  let configVersion: string | null = carried?.configVersion ?? null;
  let worstCaseSecs = carried?.worstCaseSecs ?? 0;
  // '' = the first page is still to fetch; null = every page was fetched.
  let cursor: string | null = carried ? carried.cursor : '';
  let paused = carried?.paused ?? false;
  let cancel: SteeringRequest | undefined;
  let terminate: SteeringRequest | undefined;
  let fatal: string | undefined;
  let inFlight = 0;
  let courseId: string | undefined = carried?.courseId;
  // v8: the milliseconds a delivery took in the groups so far (sizes the next groups).
  let msPerDelivery: number | undefined = carried?.msPerDelivery;
  // Deliveries a group handed back, waiting for their turn to be graded alone (the progress
  // query counts them held while the batch waits out an outage).
  let queuedAlone = 0;
  // Non-null while the batch waits for a running slot (v4).
  let queuePosition: number | null = null;
  const steering: Array<{ action: string; request: SteeringRequest }> = [];
  const gradingScope = new CancellationScope();
  // v7: outages of object storage or the database are waited out (the probe retries for ever).
  const probe = proxyActivities<BatchSupportActivities>({
    taskQueue: q.pipeline,
    startToCloseTimeout: '60s',
    retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '15s' },
  });
  const outage = createOutageHold(failureType, (service) => probe.AwaitService({ service }));

  const status = (): BatchStatus =>
    terminate
      ? 'terminated'
      : cancel
        ? 'cancelled'
        : fatal
          ? 'failed'
          : queuePosition !== null
            ? 'queued'
            : paused
              ? 'paused'
              : 'running';

  setHandler(progressQuery, () => ({
    batchId: input.batchId,
    collectionId: input.collectionId,
    configVersion,
    status: status(),
    ...counters,
    counts: { ...counters.counts },
    inFlight,
    paused,
    ...(queuePosition !== null ? { queuePosition } : {}),
    // Held: the deliveries waiting for the service, and those of their groups queued behind them
    // to be graded alone (they wait for it too).
    ...(outage.waiting
      ? { waiting: { ...outage.waiting, held: outage.waiting.held + queuedAlone } }
      : {}),
    failures: failures.slice(-10),
    runs: (carried?.runs ?? 0) + 1,
  }));
  setHandler(pauseSignal, (request) => {
    if (paused || cancel) return;
    paused = true;
    steering.push({ action: 'batch.pause', request });
  });
  setHandler(resumeSignal, (request) => {
    if (!paused || cancel) return;
    paused = false;
    steering.push({ action: 'batch.resume', request });
  });
  setHandler(cancelSignal, (request) => {
    if (cancel || terminate) return;
    cancel = request;
    steering.push({ action: 'batch.cancel', request });
    gradingScope.cancel();
  });
  // The core audits a termination and terminates through Temporal if this does not end soon.
  setHandler(terminateSignal, (request) => {
    if (terminate) return;
    terminate = request;
    gradingScope.cancel();
  });

  /** Audits pause/resume/cancel requests and records the status they lead to. */
  async function flushSteering(): Promise<void> {
    // v2: a request leaves the queue only once audited, so a cancel that races the loop (whose
    // scope it cancels) is audited by the final, non-cancellable flush instead of being lost.
    const keepUntilAudited = patched('steering-audit-survives-cancel');
    while (steering.length > 0) {
      const { action, request } = keepUntilAudited ? steering[0]! : steering.shift()!;
      await core.RecordAudit({
        actor: request.by,
        action,
        target: input.batchId,
        outcome: 'accepted',
        details: request.reasonId
          ? { reasonId: request.reasonId }
          : request.reason
            ? { reason: request.reason }
            : {},
      });
      if (keepUntilAudited) steering.shift();
      upsertSearchAttributes({ ZincBatchStatus: [status()] });
      await core.RecordBatchProgress({ batchId: input.batchId, status: status(), counters });
    }
  }

  async function fetchPage(): Promise<Pending[]> {
    if (input.source.kind === 'deliveries') {
      // Named in the input (a handful, `zinc grade --student`): one page, no activity.
      cursor = null;
      return input.source.deliveries.map((d) => ({ ...d }));
    }
    if (input.source.kind === 'errored') {
      const page = await core.ListErroredDeliveries({
        batchId: input.source.batchId,
        after: cursor === '' ? null : cursor,
        limit: input.pageSize,
        ...(idsOnly ? { idsOnly } : {}),
      });
      cursor = page.next;
      return page.deliveries;
    }
    const page = await submission.GetCollectionLatestDeliveries({
      collectionId: input.collectionId,
      ...(cursor ? { cursor } : {}),
      pageSize: input.pageSize,
      includeTest: input.includeTest,
      ...(idsOnly ? { idsOnly } : {}),
    });
    cursor = page.nextCursor;
    return 'deliveryIds' in page ? page.deliveryIds.map((id) => ({ id })) : page.deliveries;
  }

  async function gradeAll(): Promise<void> {
    const pipelineOptions = {
      taskQueue: q.pipeline,
      startToCloseTimeout: `${worstCaseSecs + input.retry.slackSecs}s`,
      heartbeatTimeout: `${input.retry.heartbeatTimeoutSecs}s`,
      retry: {
        initialInterval: `${input.retry.initialIntervalSecs}s`,
        backoffCoefficient: 2,
        maximumInterval: `${input.retry.maxIntervalSecs}s`,
        maximumAttempts: input.retry.maxAttempts,
        nonRetryableErrorTypes: [...NON_RETRYABLE_FAILURES],
      },
      // Batches of different courses share the pipeline queue fairly (server fairness); live
      // gradings (LiveGrading, priority key 1) go ahead of them all (batches keep the default 3).
      ...(courseId !== undefined ? { priority: { fairnessKey: courseId } } : {}),
    };
    const pipeline = proxyActivities<PipelineActivities>(pipelineOptions);
    const waitLimit = scheduleToStartOf(input);
    const pipelineOnTime = waitLimit
      ? proxyActivities<PipelineActivities>({
          ...pipelineOptions,
          scheduleToStartTimeout: `${waitLimit.secs}s`,
        })
      : pipeline;

    const countGraded = (outcome: PipelineOutcome): void => {
      const verdict = headlineVerdict(outcome.verdicts);
      counters.done += 1;
      counters.counts[verdict] = (counters.counts[verdict] ?? 0) + 1;
    };

    const grade = async (d: Pending): Promise<void> => {
      inFlight += 1;
      try {
        // v3: only IDs; the activity finds the delivery's files itself and checks that it
        // belongs to the batch's collection.
        const args = patched('execute-pipeline-by-id')
          ? {
              batchId: input.batchId,
              collectionId: input.collectionId,
              deliveryId: d.id,
              configVersion: configVersion!,
              ...(idsOnly ? { brief: true } : {}),
            }
          : {
              batchId: input.batchId,
              deliveryId: d.id,
              deliveryKey: d.objectKey!,
              configVersion: configVersion!,
            };
        const outcome = await outage.waitOut(() =>
          withScheduleToStart(waitLimit, () => pipelineOnTime.ExecutePipeline(args)),
        );
        countGraded(outcome);
      } catch (err) {
        if (isCancellation(err)) return; // cancelled in flight: not graded, not counted
        if (failureSpec(failureType(err))?.stopsBatch === true) {
          fatal ??= describeFailure(err);
          gradingScope.cancel();
          return;
        }
        // v3: the report may have been stored by an attempt whose completion was lost; then
        // the delivery is graded, as the batch's results show it.
        if (patched('reconcile-stored-reports')) {
          let stored: PipelineOutcome | null;
          try {
            stored = await support.FindReport({
              batchId: input.batchId,
              deliveryId: d.id,
              ...(idsOnly ? { brief: true } : {}),
            });
          } catch (findErr) {
            if (isCancellation(findErr)) return;
            throw findErr;
          }
          if (stored) {
            countGraded(stored);
            return;
          }
        }
        counters.done += 1;
        counters.errored += 1;
        counters.counts.ERRORED = (counters.counts.ERRORED ?? 0) + 1;
        if (idsOnly) {
          // v5: the type and a short code; the core records the student and the words.
          const code = failureCodeOf(err, d.id);
          failures.push(code);
          if (failures.length > MAX_FAILURES_KEPT) failures.shift();
          log.warn('delivery errored', { deliveryId: d.id, type: code.type, code: code.code });
          await core.RecordDeliveryErrored({ batchId: input.batchId, failure: code });
          return;
        }
        const failure: BatchFailure = {
          deliveryId: d.id,
          userId: d.userId!,
          reason: describeFailure(err),
        };
        failures.push(failure);
        if (failures.length > MAX_FAILURES_KEPT) failures.shift();
        log.warn('delivery errored', { deliveryId: d.id, reason: failure.reason });
        await core.RecordDeliveryErrored({
          batchId: input.batchId,
          failure: { ...failure, deliveryKey: d.objectKey! },
        });
      } finally {
        inFlight -= 1;
      }
    };

    // v6 ('execute-pipelines-grouped', only for inputs with `groupSize`): several deliveries per
    // ExecutePipelines activity; see grouped-grading.ts.
    const grouping = groupingOf(input);
    // v8 ('group-size-adaptive', inputs with `groupSecs`): groups of about that much grading.
    const sizing = grouping ? adaptiveSizingOf(input) : undefined;
    let groupsInFlight = 0;
    const groupPipeline = grouping
      ? proxyActivities<PipelineActivities>({
          ...groupActivityOptions(pipelineOptions, grouping, worstCaseSecs, input.retry),
          ...(waitLimit ? { scheduleToStartTimeout: `${waitLimit.secs}s` } : {}),
        })
      : pipeline;
    const gradeGroup = async (ds: Pending[]): Promise<void> => {
      groupsInFlight += 1;
      inFlight += ds.length;
      let alone: Pending[] = [];
      try {
        const result = await groupPipeline.ExecutePipelines({
          batchId: input.batchId,
          collectionId: input.collectionId,
          deliveryIds: ds.map((d) => d.id),
          configVersion: configVersion!,
          ...(idsOnly ? { brief: true } : {}),
        });
        for (const graded of result.outcomes) countGraded(graded);
        if (sizing && result.pace) {
          msPerDelivery = nextPace(msPerDelivery, result.pace.graded, result.pace.ms);
        }
        const left = new Set(result.notGraded);
        alone = ds.filter((d) => left.has(d.id));
      } catch (err) {
        if (isCancellation(err) || failureSpec(failureType(err))?.stopsBatch === true) {
          if (!isCancellation(err)) {
            fatal ??= describeFailure(err);
            gradingScope.cancel();
          }
          inFlight -= ds.length;
          groupsInFlight -= 1;
          return;
        }
        alone = ds; // the attempt was lost: each delivery alone, its stored report found
      }
      inFlight -= ds.length - alone.length;
      queuedAlone += alone.length;
      try {
        for (const d of alone) {
          inFlight -= 1; // grade counts it again
          queuedAlone -= 1;
          await grade(d);
        }
      } finally {
        groupsInFlight -= 1;
      }
    };
    const slotsBusy = (): boolean => (grouping ? groupsInFlight : inFlight) >= input.concurrency;

    const buffer: Pending[] = [];
    let pagesThisRun = 0;
    for (;;) {
      await flushSteering();
      await condition(() => !paused || steering.length > 0);
      if (paused) continue;
      if (buffer.length === 0) {
        if (cursor === null) break;
        const info = workflowInfo();
        // Only after this run graded a page, so a small limit can never loop without progress.
        if (
          pagesThisRun > 0 &&
          (info.continueAsNewSuggested ||
            info.historyLength + input.pageSize * EVENTS_PER_DELIVERY > input.maxHistoryEvents)
        ) {
          await condition(() => inFlight === 0);
          // 'steering-flushed-last': steering is audited after the progress record, with no
          // wait between it and continuing as new; a pause or resume that arrived during the
          // record used to take effect in the next run without its audit row.
          const flushLast = patched('steering-flushed-last');
          if (!flushLast) await flushSteering();
          await core.RecordBatchProgress({ batchId: input.batchId, status: status(), counters });
          if (flushLast) await flushSteering();
          log.info('batch continues as new', { done: counters.done, total: counters.total });
          await continueAsNew<typeof batchGradingWorkflow>({
            ...input,
            carried: {
              ...counters,
              configVersion: configVersion!,
              worstCaseSecs,
              cursor,
              failures,
              paused,
              runs: (carried?.runs ?? 0) + 1,
              ...(courseId !== undefined ? { courseId } : {}),
              ...(msPerDelivery !== undefined ? { msPerDelivery } : {}),
            },
          });
        }
        buffer.push(...(await fetchPage()));
        pagesThisRun += 1;
        continue;
      }
      const room = () => !slotsBusy() && !outage.waiting;
      if (room()) {
        if (grouping) {
          const most = sizing ? adaptiveSize(grouping, sizing.budgetMs, msPerDelivery) : grouping;
          const size = groupLength(most, buffer.length, cursor === null, input.concurrency);
          void gradeGroup(buffer.splice(0, size));
        } else void grade(buffer.shift()!);
        continue;
      }
      await condition(() => room() || paused || steering.length > 0);
    }
    await condition(() => inFlight === 0);
  }

  try {
    if (!carried) {
      await validateAndRecord();
      if (input.slots && courseId !== undefined && patched(BATCH_SLOTS_PATCH)) {
        await gradingScope.run(() => waitQueued(input.slots!, courseId!));
      }
    }
    await gradingScope.run(gradeAll);
  } catch (err) {
    if (isCancellation(err)) {
      cancel ??= { by: 'temporal' };
    } else if (isNonRetryable(failureType(err))) {
      fatal ??= describeFailure(err);
    } else if (err instanceof ApplicationFailure && err.type === 'NotAllowed') {
      fatal ??= err.message;
    } else {
      throw err;
    }
  }

  const summary = await CancellationScope.nonCancellable(async () => {
    await condition(() => inFlight === 0);
    await flushSteering();
    const finalStatus: BatchStatus = terminate
      ? 'terminated'
      : cancel
        ? 'cancelled'
        : fatal
          ? 'failed'
          : 'completed';
    const stats = await support.SummarizeBatchScores({ batchId: input.batchId });
    upsertSearchAttributes({ ZincBatchStatus: [finalStatus] });
    // v5: a steering reason is the ID of the core's row; FinishBatch adds its words.
    const ending = terminate ?? (fatal === undefined ? cancel : undefined);
    const ended = await core.FinishBatch({
      batchId: input.batchId,
      collectionId: input.collectionId,
      configVersion,
      requestedBy: input.requestedBy,
      status: finalStatus,
      reason: terminate
        ? `terminated by ${terminate.by}${terminate.reason ? `: ${terminate.reason}` : ''}`
        : (fatal ??
          (cancel
            ? `cancelled by ${cancel.by}${cancel.reason ? `: ${cancel.reason}` : ''}`
            : null)),
      ...counters,
      failures,
      stats,
      ...(idsOnly ? { brief: true } : {}),
      ...(ending?.reasonId ? { reasonId: ending.reasonId } : {}),
    });
    if (input.slots && patched(BATCH_SLOTS_PATCH)) await releaseSlot(input.slots);
    return ended;
  });
  log.info('batch finished', {
    status: summary.status,
    total: counters.total,
    done: counters.done,
    errored: counters.errored,
  });
  if (summary.status === 'failed') {
    throw ApplicationFailure.create({
      message: `batch ${input.batchId} failed: ${summary.reason}`,
      type: 'BatchFailed',
      nonRetryable: true,
      details: [summary],
    });
  }
  return summary;

  /** Checks collection, requester and config before anything is graded, then records the batch. */
  async function validateAndRecord(): Promise<void> {
    const collection = await submission.DescribeCollection({
      collectionId: input.collectionId,
      userId: input.requestedBy,
      includeTest: input.includeTest,
    });
    const description = await support.DescribeConfig({
      collectionId: input.collectionId,
      ...(input.configVersion ? { configVersion: input.configVersion } : {}),
    });
    configVersion = description.configVersion;
    courseId = collection.courseId;
    worstCaseSecs = description.worstCaseSecs;
    counters.total =
      input.source.kind === 'deliveries'
        ? input.source.deliveries.length
        : input.source.kind === 'errored'
          ? (
              await core.ListErroredDeliveries({
                batchId: input.source.batchId,
                after: null,
                limit: 1,
                ...(idsOnly ? { idsOnly } : {}),
              })
            ).total
          : collection.latestCount;
    await core.RecordBatchStart({
      batchId: input.batchId,
      collectionId: input.collectionId,
      configVersion,
      requestedBy: input.requestedBy,
      sourceBatchId: input.source.kind === 'errored' ? input.source.batchId : null,
      concurrency: input.concurrency,
      includeTest: input.includeTest,
      total: counters.total,
      startedAt: input.requestedAt,
    });
    upsertSearchAttributes({ ZincConfigId: [configVersion], ZincBatchStatus: ['running'] });
    log.info('batch started', {
      collectionId: input.collectionId,
      configVersion,
      total: counters.total,
      concurrency: input.concurrency,
    });
    if (collection.userRole !== 'staff') {
      throw ApplicationFailure.nonRetryable(
        `${input.requestedBy} is not staff of course ${collection.courseCode}, so may not grade its collections`,
        'NotAllowed',
      );
    }
  }

  /** v4: waits, queued, until the core grants a running slot (status, search attribute, record). */
  async function waitQueued(limits: BatchSlotLimits, course: string): Promise<void> {
    await waitForSlot({
      batchId: input.batchId,
      courseId: course,
      requestedAt: input.requestedAt,
      limits,
      core,
      async onPosition(position) {
        const changed = (position === null) !== (queuePosition === null);
        queuePosition = position;
        if (!changed) return;
        upsertSearchAttributes({ ZincBatchStatus: [status()] });
        await core.RecordBatchProgress({ batchId: input.batchId, status: status(), counters });
      },
      hasSteering: () => steering.length > 0,
      flushSteering,
    });
  }

  /** v4: gives the slot back and wakes the batches it lets run. */
  async function releaseSlot(limits: BatchSlotLimits): Promise<void> {
    queuePosition = null;
    const granted = await core.ReleaseBatchSlot({ batchId: input.batchId, limits });
    await wakeGranted(granted, input.batchId);
  }
}

// Live feedback (issue 12, point 3): staff turn it on for a collection (`zinc collections
// set-live`, PATCH /api/collections/:id/live-feedback; audited); then each delivery uploaded
// through the API is graded at once by the LiveGrading workflow on the pipeline workers' live
// queue (slots of their own, which batch work cannot take), and its student reads the student
// view of the report (GET /api/deliveries/:id/feedback, polled or with `?wait=`). The workflow ID
// is fixed by the delivery (and never reused), so one delivery is graded live at most once.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
} from '@temporalio/client';
import type { SubmissionStore } from '../extensions/submission/index.js';
import type { PipelineService, ReportView } from '../extensions/pipeline/index.js';
import { PIPELINE_LIVE_TASK_QUEUE } from '../extensions/pipeline/constants.js';
import type { ZincTemporalClient } from '../temporal/client.js';
import { CORE_TASK_QUEUE } from '../temporal/constants.js';
import type { liveGradingWorkflow } from '../workflows/grading/live-grading.js';
import {
  LIVE_BATCH_ID,
  LIVE_PRIORITY_KEY,
  liveGradingId,
  type LiveGradingInput,
} from '../workflows/grading/live-types.js';
import { changeCollection, type CollectionChangeDeps } from './collection-change.js';
import type { GradingDefaults } from './grading-config.js';

/** The longest `?wait=` a feedback read may ask for, in seconds. */
export const MAX_FEEDBACK_WAIT_SECS = 60;

export interface LiveSettingRequest {
  collectionId: string;
  on: boolean;
  requestedBy: string;
}

export interface LiveSettingDeps extends CollectionChangeDeps {
  submissions: Pick<SubmissionStore, 'setLiveFeedback'>;
}

export interface LiveSettingChange {
  collectionId: string;
  before: boolean;
  after: boolean;
}

/** Turns live feedback on or off (staff of the course only); a refusal changes nothing. */
export async function setLiveFeedback(
  deps: LiveSettingDeps,
  request: LiveSettingRequest,
): Promise<LiveSettingChange> {
  const { change, collection } = await changeCollection(deps, request, 'collection.live', {
    apply: () => deps.submissions.setLiveFeedback(request.collectionId, request.on),
  });
  await deps.audit?.({
    actor: request.requestedBy,
    action: 'collection.live',
    target: request.collectionId,
    outcome: request.on ? 'on' : 'off',
    details: { before: change.before, after: change.after },
    courseId: collection.course.id,
    collectionId: request.collectionId,
  });
  return { collectionId: request.collectionId, ...change };
}

/** Where a live grading's activities go (the defaults; a benchmark compares others). */
export interface LiveLane {
  /** Pipeline task-queue suffix (default PIPELINE_LIVE_TASK_QUEUE). */
  taskQueue?: string;
  /** Task-queue priority key (default LIVE_PRIORITY_KEY). */
  priorityKey?: number;
}

/**
 * Starts the LiveGrading workflow of a delivery (`live-<deliveryId>`), or finds the one a
 * previous upload of the same delivery started: `started` is false then. Its activities run on
 * the pipeline workers' live queue, whose slots batch work cannot hold.
 */
export async function startLiveGrading(
  temporal: Pick<ZincTemporalClient, 'client' | 'formatTaskQueue'>,
  defaults: GradingDefaults,
  delivery: { id: string; collectionId: string },
  lane: LiveLane = {},
): Promise<{ workflowId: string; started: boolean }> {
  const workflowId = liveGradingId(delivery.id);
  const priorityKey = lane.priorityKey ?? LIVE_PRIORITY_KEY;
  const input: LiveGradingInput = {
    deliveryId: delivery.id,
    collectionId: delivery.collectionId,
    pipelineTaskQueue: temporal.formatTaskQueue(lane.taskQueue ?? PIPELINE_LIVE_TASK_QUEUE),
    retry: {
      maxAttempts: defaults.max_attempts,
      initialIntervalSecs: defaults.initial_interval_secs,
      maxIntervalSecs: defaults.max_interval_secs,
      heartbeatTimeoutSecs: defaults.heartbeat_timeout_secs,
      slackSecs: defaults.slack_secs,
    },
    priorityKey,
  };
  try {
    await temporal.client.workflow.start<typeof liveGradingWorkflow>('liveGradingWorkflow', {
      workflowId,
      taskQueue: temporal.formatTaskQueue(CORE_TASK_QUEUE),
      args: [input],
      // One live grading per delivery, ever: a running or finished one is not started again.
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      priority: { priorityKey },
      searchAttributes: { ZincCollectionId: [delivery.collectionId] },
    });
    return { workflowId, started: true };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { workflowId, started: false };
    throw err;
  }
}

/** What a delivery's live feedback is: still grading, graded (the view), failed, or none. */
export type LiveFeedback =
  | { status: 'pending' }
  | { status: 'graded'; shown: ReportView }
  | { status: 'failed'; reason: string }
  | { status: 'none' };

export interface FeedbackDeps {
  temporal: Pick<ZincTemporalClient, 'client'>;
  pipeline: Pick<PipelineService, 'reportView'>;
}

/** The innermost message of a failed workflow (the activity's failure, not its wrappers). */
function failureReason(err: unknown): string {
  let cause: unknown = err;
  while (cause instanceof Error && cause.cause instanceof Error) cause = cause.cause;
  return cause instanceof Error ? cause.message : String(cause);
}

/**
 * The live feedback of a delivery as `view` may see it. With `waitSecs` > 0, waits up to that
 * long (at most MAX_FEEDBACK_WAIT_SECS) for a grading still running to end.
 */
export async function readLiveFeedback(
  deps: FeedbackDeps,
  deliveryId: string,
  view: 'staff' | 'student',
  waitSecs = 0,
): Promise<LiveFeedback> {
  const stored = await deps.pipeline.reportView(LIVE_BATCH_ID, deliveryId, view);
  if (stored) return { status: 'graded', shown: stored };
  const handle = deps.temporal.client.workflow.getHandle<typeof liveGradingWorkflow>(
    liveGradingId(deliveryId),
  );
  let running: boolean;
  try {
    running = (await handle.describe()).status.name === 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { status: 'none' };
    throw err;
  }
  if (running && waitSecs > 0) {
    const stop = new AbortController();
    await Promise.race([
      handle.result().then(
        () => undefined,
        () => undefined,
      ),
      sleep(Math.min(waitSecs, MAX_FEEDBACK_WAIT_SECS) * 1000, undefined, {
        signal: stop.signal,
      }).catch(() => undefined),
    ]);
    stop.abort();
  }
  const graded = await deps.pipeline.reportView(LIVE_BATCH_ID, deliveryId, view);
  if (graded) return { status: 'graded', shown: graded };
  const status = (await handle.describe()).status.name;
  if (status === 'RUNNING') return { status: 'pending' };
  try {
    await handle.result();
  } catch (err) {
    if (err instanceof WorkflowFailedError) return { status: 'failed', reason: failureReason(err) };
    return { status: 'failed', reason: `live grading ended ${status.toLowerCase()}` };
  }
  return { status: 'failed', reason: 'live grading ended without a report' };
}

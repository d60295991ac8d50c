// Starting and steering batches from a Temporal client: the batch ID is fixed by the request,
// so asking again while a batch runs returns that batch instead of starting a second one.
import { createHash, randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import type { WorkflowHandle } from '@temporalio/client';
import type { ZincTemporalClient } from '../temporal/client.js';
import { CORE_TASK_QUEUE } from '../temporal/constants.js';
import { objectKey } from '../platform/object-keys.js';
import { SUBMISSION_TASK_QUEUE } from '../extensions/submission/constants.js';
import { PIPELINE_TASK_QUEUE } from '../extensions/pipeline/constants.js';
import type { batchAdmissionWorkflow } from '../workflows/grading/batch-admission.js';
import type { batchGradingWorkflow } from '../workflows/grading/batch-grading.js';
import type { terminationCheckWorkflow } from '../workflows/grading/termination-check.js';
import type { TerminationRequest } from './batch-termination.js';
import type { BatchGradingInput, BatchSource } from '../workflows/grading/types.js';
import type { BatchRequest } from './batch-admission.js';
import type { GradingDefaults } from './grading-config.js';

export type BatchHandle = WorkflowHandle<typeof batchGradingWorkflow>;

export interface GradeRequest {
  collectionId: string;
  configVersion?: string | undefined;
  concurrency?: number | undefined;
  includeTest?: boolean | undefined;
  requestedBy: string;
  source?: BatchSource;
}

/** The batch-ID stem of a request; the n-th batch of the same request is `<stem>-<n>`. */
export function batchIdStem(request: GradeRequest): string {
  const parts = ['batch', request.collectionId, request.configVersion ?? 'default'];
  if (request.source?.kind === 'errored') parts.push('retry', request.source.batchId);
  if (request.source?.kind === 'deliveries') {
    // The same students asked again while their batch runs give that batch.
    const ids = request.source.deliveries.map((d) => d.id).sort();
    parts.push('only', createHash('sha256').update(ids.join(',')).digest('hex').slice(0, 12));
  }
  // objectKey checks each part, so the ID is safe in object keys and URLs.
  return objectKey(parts.join('-'));
}

/** What the batch grades, as its input (its history) carries it: named deliveries by ID alone. */
function sourceOf(request: GradeRequest): BatchSource {
  const source = request.source ?? { kind: 'collection' };
  return source.kind === 'deliveries'
    ? { kind: 'deliveries', deliveries: source.deliveries.map((d) => ({ id: d.id })) }
    : source;
}

async function isRunning(handle: BatchHandle): Promise<boolean | undefined> {
  try {
    return (await handle.describe()).status.name === 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/**
 * Starts the batch a request names, or returns the one already running for it: batch n+1 of a
 * request starts only when batch n has ended (a regrade: new reports, old ones kept).
 */
export async function startBatch(
  temporal: Pick<ZincTemporalClient, 'client' | 'formatTaskQueue'>,
  defaults: GradingDefaults,
  request: GradeRequest,
  now: Date = new Date(),
): Promise<{ batchId: string; handle: BatchHandle; existing: boolean }> {
  const stem = batchIdStem(request);
  for (let n = 1; ; n++) {
    const batchId = `${stem}-${n}`;
    const handle = temporal.client.workflow.getHandle<typeof batchGradingWorkflow>(batchId);
    const running = await isRunning(handle);
    if (running === true) return { batchId, handle, existing: true };
    if (running === false) continue; // ended: the next number is the regrade
    const input: BatchGradingInput = {
      batchId,
      collectionId: request.collectionId,
      ...(request.configVersion ? { configVersion: request.configVersion } : {}),
      requestedBy: request.requestedBy,
      requestedAt: now.toISOString(),
      concurrency: request.concurrency ?? defaults.concurrency,
      includeTest: request.includeTest ?? false,
      pageSize: defaults.page_size,
      taskQueues: {
        core: temporal.formatTaskQueue(CORE_TASK_QUEUE),
        submission: temporal.formatTaskQueue(SUBMISSION_TASK_QUEUE),
        pipeline: temporal.formatTaskQueue(PIPELINE_TASK_QUEUE),
      },
      retry: {
        maxAttempts: defaults.max_attempts,
        initialIntervalSecs: defaults.initial_interval_secs,
        maxIntervalSecs: defaults.max_interval_secs,
        heartbeatTimeoutSecs: defaults.heartbeat_timeout_secs,
        slackSecs: defaults.slack_secs,
      },
      ...(defaults.schedule_to_start_secs > 0
        ? {
            scheduleToStart: {
              secs: defaults.schedule_to_start_secs,
              tries: defaults.schedule_to_start_tries,
            },
          }
        : {}),
      maxHistoryEvents: defaults.max_history_events,
      ...(defaults.deliveries_per_activity > 1
        ? {
            groupSize: defaults.deliveries_per_activity,
            ...(defaults.group_secs > 0 ? { groupSecs: defaults.group_secs } : {}),
          }
        : {}),
      slots: {
        maxRunning: defaults.max_running_batches,
        maxRunningPerCourse: defaults.max_running_batches_per_course,
        maxPollSecs: defaults.queue_poll_max_secs,
      },
      source: sourceOf(request),
      // v5: the history keeps delivery IDs and failure codes only (no students, no reasons).
      idsOnly: true,
    };
    try {
      const started = await temporal.client.workflow.start<typeof batchGradingWorkflow>(
        'batchGradingWorkflow',
        {
          workflowId: batchId,
          taskQueue: temporal.formatTaskQueue(CORE_TASK_QUEUE),
          args: [input],
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          workflowIdConflictPolicy: 'USE_EXISTING',
          // Ended by Temporal when it runs too long; the core reconciles it as timed_out.
          ...(defaults.batch_timeout_secs > 0
            ? { workflowExecutionTimeout: `${defaults.batch_timeout_secs}s` }
            : {}),
          searchAttributes: {
            ZincCollectionId: [request.collectionId],
            ZincConfigId: [request.configVersion ?? 'default'],
            ZincBatchStatus: ['running'],
            ZincRequestedBy: [request.requestedBy],
          },
        },
      );
      return { batchId, handle: started, existing: false };
    } catch (err) {
      // Another client started (and finished) this number between our look and our start.
      if (err instanceof WorkflowExecutionAlreadyStartedError) continue;
      throw err;
    }
  }
}

/**
 * Asks the core's workers whether `request` may start a batch, through the short BatchAdmission
 * workflow (`batch-admission-<uuid>`): for a client that cannot read the database itself. The
 * core audits a refusal; the caller starts the batch only when admitted.
 */
export async function admitThroughCore(temporal: ZincTemporalClient, request: BatchRequest) {
  const coreTaskQueue = temporal.formatTaskQueue(CORE_TASK_QUEUE);
  const handle = await temporal.client.workflow.start<typeof batchAdmissionWorkflow>(
    'batchAdmissionWorkflow',
    {
      workflowId: `batch-admission-${randomUUID()}`,
      taskQueue: coreTaskQueue,
      args: [{ request, coreTaskQueue }],
    },
  );
  return handle.result();
}

/** `admitThroughCore` for a termination: the core checks and audits it (TerminationCheck). */
export async function checkTerminationThroughCore(
  temporal: ZincTemporalClient,
  request: TerminationRequest,
) {
  const coreTaskQueue = temporal.formatTaskQueue(CORE_TASK_QUEUE);
  const handle = await temporal.client.workflow.start<typeof terminationCheckWorkflow>(
    'terminationCheckWorkflow',
    {
      workflowId: `termination-check-${randomUUID()}`,
      taskQueue: coreTaskQueue,
      args: [{ request, coreTaskQueue }],
    },
  );
  return handle.result();
}

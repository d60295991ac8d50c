// StartScheduledBatch on zinc-core-default: what a grading schedule does when it fires. The core
// admits or refuses the batch as for `zinc grade` (a refusal gets its `batch.start` audit row,
// naming the schedule) and starts it with the same startBatch, through the worker's own client.
import { Context } from '@temporalio/activity';
import type { ConfigStore } from '../../extensions/pipeline/index.js';
import { formatTaskQueue } from '../../temporal/task-queue.js';
import type { AccessControl } from '../auth.js';
import { admitOrRecordRefusal, type BatchRefusal, type BatchRequest } from '../batch-admission.js';
import { startBatch } from '../batch-client.js';
import type { BatchStore } from '../batch-store.js';
import type { GradingDefaults } from '../grading-config.js';

export interface ScheduleActivityDeps {
  access: AccessControl;
  configs: ConfigStore;
  batches: BatchStore;
  grading: GradingDefaults;
  /** The workers' task-queue prefix (temporal.task_queue_prefix). */
  taskQueuePrefix: string;
}

/** What a fired schedule did: the batch it started, or why it was refused. */
export type ScheduledStart =
  { started: true; batchId: string; existing: boolean } | { started: false; refusal: BatchRefusal };

/** The activities grading schedules run, closed over the core's stores. */
export function createScheduleActivities(deps: ScheduleActivityDeps) {
  return {
    /** Admits and starts the batch a schedule asks for; audited either way. */
    async StartScheduledBatch(input: {
      scheduleId: string;
      request: Omit<BatchRequest, 'scheduleId' | 'sourceBatchId'>;
    }): Promise<ScheduledStart> {
      const request = { ...input.request, scheduleId: input.scheduleId };
      const decision = await admitOrRecordRefusal(deps, request);
      if (!decision.admitted) return { started: false, refusal: decision.refusal };
      const temporal = {
        client: Context.current().client,
        formatTaskQueue: (suffix: string) => formatTaskQueue(deps.taskQueuePrefix, suffix),
      };
      const { batchId, existing } = await startBatch(temporal, deps.grading, {
        collectionId: request.collectionId,
        configVersion: request.configVersion,
        requestedBy: request.requestedBy,
      });
      await deps.batches.audit({
        actor: request.requestedBy,
        action: 'schedule.fire',
        target: input.scheduleId,
        outcome: existing ? `batch ${batchId} was already running` : `started batch ${batchId}`,
        details: { batchId, existing, configVersion: request.configVersion ?? null },
        courseId: decision.admission.courseId,
        collectionId: decision.admission.collectionId,
      });
      return { started: true, batchId, existing };
    },
  };
}

export type ScheduleActivities = ReturnType<typeof createScheduleActivities>;

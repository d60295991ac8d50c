// ScheduledGrading: the action of a grading schedule (`zinc schedule grade`). A Temporal Schedule
// starts it on the core's task queue when the schedule fires; its one activity asks the core
// whether the batch may still start (a refusal, such as the requester no longer being staff, is
// audited and returned) and starts the BatchGrading workflow exactly as `zinc grade` does, so the
// batch is recorded, numbered and listed like any other.
import { proxyActivities } from '@temporalio/workflow';
import type { ScheduleActivities } from '../../core/activities/schedules.js';
import { coreCheckOptions } from './batch-admission.js';

/** When a grading schedule fires: at a time, or at the collection's stop time plus a grace. */
export type GradingTiming =
  { kind: 'at'; fireAt: string } | { kind: 'at-close'; graceSecs: number; fireAt: string };

export interface ScheduledGradingInput {
  scheduleId: string;
  /** The batch asked for: collection, config version (absent: the newest at fire time), by whom. */
  request: { collectionId: string; configVersion?: string; requestedBy: string };
  /** When it fires (kept here so that listing and moving the schedule can read it). */
  timing: GradingTiming;
  /** The core's task queue (the workflow reads no configuration). */
  coreTaskQueue: string;
}

/** Starts the scheduled batch through the core; returns the batch started or the refusal. */
export async function scheduledGradingWorkflow(input: ScheduledGradingInput) {
  const { StartScheduledBatch } = proxyActivities<ScheduleActivities>(
    coreCheckOptions(input.coreTaskQueue),
  );
  return StartScheduledBatch({ scheduleId: input.scheduleId, request: input.request });
}

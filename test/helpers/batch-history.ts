// Test helper: what Temporal says about a batch's ExecutePipeline calls (its pending activities
// and its history), to see from the outside where a fault hit and how it was retried.
import { defaultPayloadConverter } from '@temporalio/common';
import proto from '@temporalio/proto';
import type { BatchHandle } from '../../src/core/batch-client.js';
import type {
  ExecutePipelineInput,
  PipelineOutcome,
} from '../../src/extensions/pipeline/constants.js';

const STARTED = proto.temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED;

type Timestamp = { seconds?: { toString(): string } | null; nanos?: number | null } | null;
const millis = (t: Timestamp | undefined): number =>
  t ? Number(String(t.seconds ?? 0)) * 1000 + (t.nanos ?? 0) / 1e6 : 0;

/**
 * The stage of an ExecutePipeline attempt that the worker with process `pid` runs and has
 * heartbeated from since it started (it has its files and is in the pipeline), if any.
 */
export async function pipelineStageOn(
  handle: BatchHandle,
  pid: number,
  activity: 'ExecutePipeline' | 'ExecutePipelines' = 'ExecutePipeline',
): Promise<string | undefined> {
  const pending = (await handle.describe()).raw.pendingActivities ?? [];
  const running = pending.find(
    (a) =>
      a.activityType?.name === activity &&
      a.state === STARTED &&
      // The SDK's default worker identity is `<pid>@<host>`.
      (a.lastWorkerIdentity ?? '').startsWith(`${pid}@`) &&
      millis(a.lastHeartbeatTime) >= millis(a.lastStartedTime),
  );
  const details = running?.heartbeatDetails?.payloads?.[0];
  return details
    ? defaultPayloadConverter.fromPayload<{ stage: string }>(details).stage
    : undefined;
}

/** How many ExecutePipeline calls of the batch are being retried after a failure like `reason`. */
export async function retriesAfter(handle: BatchHandle, reason: RegExp): Promise<number> {
  const pending = (await handle.describe()).raw.pendingActivities ?? [];
  return pending.filter(
    (a) => a.activityType?.name === 'ExecutePipeline' && reason.test(a.lastFailure?.message ?? ''),
  ).length;
}

/** Every ExecutePipelines (a group of deliveries) of the batch's current run, as it ended. */
export async function pipelineGroups(
  handle: BatchHandle,
): Promise<Array<{ deliveryIds: string[]; completed: boolean; failure: string | undefined }>> {
  const events = (await handle.fetchHistory()).events ?? [];
  const groups = new Map<
    string,
    { deliveryIds: string[]; completed: boolean; failure: string | undefined }
  >();
  for (const event of events) {
    const scheduling = event.activityTaskScheduledEventAttributes;
    if (scheduling?.activityType?.name === 'ExecutePipelines') {
      const input = defaultPayloadConverter.fromPayload<{ deliveryIds: string[] }>(
        scheduling.input!.payloads![0]!,
      );
      groups.set(String(event.eventId), {
        deliveryIds: input.deliveryIds,
        completed: false,
        failure: undefined,
      });
    }
    const done = event.activityTaskCompletedEventAttributes;
    const group = done && groups.get(String(done.scheduledEventId));
    if (group) group.completed = true;
    const failed = event.activityTaskFailedEventAttributes;
    const lostGroup = failed && groups.get(String(failed.scheduledEventId));
    if (lostGroup) lostGroup.failure = failed.failure?.message ?? undefined;
    const timedOut = event.activityTaskTimedOutEventAttributes;
    const lateGroup = timedOut && groups.get(String(timedOut.scheduledEventId));
    if (lateGroup) lateGroup.failure = timedOut.failure?.message ?? 'timed out';
  }
  return [...groups.values()];
}

/** One delivery's ExecutePipeline as it completed. */
export interface GradedAttempt {
  deliveryId: string;
  /** The attempt that completed (1: no retry was needed). */
  attempt: number;
  /** Why the attempt before it failed (a heartbeat timeout, a storage error...). */
  lastFailure: string | undefined;
  /** The attempt found the report an earlier attempt had stored, and did not grade again. */
  reused: boolean;
}

/** Every ExecutePipeline that completed in the batch's current run, in the order they did. */
export async function completedPipelines(handle: BatchHandle): Promise<GradedAttempt[]> {
  const events = (await handle.fetchHistory()).events ?? [];
  const scheduled = new Map<string, string>();
  const started = new Map<string, { attempt: number; lastFailure: string | undefined }>();
  const graded: GradedAttempt[] = [];
  for (const event of events) {
    const scheduling = event.activityTaskScheduledEventAttributes;
    if (scheduling?.activityType?.name === 'ExecutePipeline') {
      const input = defaultPayloadConverter.fromPayload<ExecutePipelineInput>(
        scheduling.input!.payloads![0]!,
      );
      scheduled.set(String(event.eventId), input.deliveryId);
    }
    const start = event.activityTaskStartedEventAttributes;
    if (start && scheduled.has(String(start.scheduledEventId))) {
      started.set(String(start.scheduledEventId), {
        attempt: start.attempt ?? 1,
        lastFailure: start.lastFailure?.message ?? undefined,
      });
    }
    const done = event.activityTaskCompletedEventAttributes;
    if (done && scheduled.has(String(done.scheduledEventId))) {
      const key = String(done.scheduledEventId);
      const outcome = defaultPayloadConverter.fromPayload<PipelineOutcome>(
        done.result!.payloads![0]!,
      );
      graded.push({
        deliveryId: scheduled.get(key)!,
        ...(started.get(key) ?? { attempt: 1, lastFailure: undefined }),
        reused: outcome.reused,
      });
    }
  }
  return graded;
}

/** The attempts that needed a retry, one line each, for a test's log. */
export function describeRetries(attempts: readonly GradedAttempt[]): string[] {
  return attempts
    .filter((a) => a.attempt > 1)
    .map(
      (a) =>
        `  ${a.deliveryId}: graded on attempt ${a.attempt}${a.reused ? ' (found the report an earlier attempt stored)' : ''}; before it: ${a.lastFailure ?? '?'}`,
    );
}

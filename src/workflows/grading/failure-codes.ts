// What the batch workflow keeps of a delivery it could not grade, from v5 ('history-ids-only'):
// the failure's type and a short code, never the exception's text (which may hold host paths)
// nor the student. The core records the readable reason (failure-text.ts) in the database.
import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/workflow';
import { failureSpec } from '../../failures.js';
import type { FailureCode, ScheduleToStartPolicy } from './types.js';

/** The patch (and input flag `idsOnly`) of v5: IDs and codes only in the batch's history. */
export const IDS_ONLY_PATCH = 'history-ids-only';

/** The error a batch ends a delivery with once no pipeline worker started it in time. */
export function noWorkerError(policy: ScheduleToStartPolicy): Error {
  const tries = `${policy.tries} ${policy.tries === 1 ? 'try' : 'tries'}`;
  return Object.assign(
    new Error(`no pipeline worker started it within ${policy.secs} s, ${tries}`),
    { scheduleToStart: policy },
  );
}

/** The FailureCode of the error ExecutePipeline (or the wait for it) ended with. */
export function failureCodeOf(err: unknown, deliveryId: string): FailureCode {
  if (err instanceof Error && 'scheduleToStart' in err) {
    const wait = err.scheduleToStart as ScheduleToStartPolicy;
    return { deliveryId, type: 'Timeout', code: 'SCHEDULE_TO_START', wait };
  }
  const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
  if (cause instanceof TimeoutFailure) {
    return { deliveryId, type: 'Timeout', code: String(cause.timeoutType) };
  }
  const type = cause instanceof ApplicationFailure ? cause.type : undefined;
  const spec = failureSpec(type);
  // Only zinc's own type names travel; anything else is an `Error` (its text stays out).
  return spec
    ? { deliveryId, type: type!, code: spec.kind }
    : { deliveryId, type: 'Error', code: 'error' };
}

// zinc's failure types as Temporal activity failures: the type name travels, and whether
// Temporal may retry follows the type's kind in src/failures.ts (infrastructure is retried).
import { ApplicationFailure } from '@temporalio/common';
import { FAILURES, failureSpec, type FailureType } from '../failures.js';

/** An activity failure of `type`: retryable only for infrastructure failures. */
export function activityFailure(type: FailureType, message: string): ApplicationFailure {
  return ApplicationFailure.create({
    message,
    type,
    nonRetryable: FAILURES[type].kind !== 'infrastructure',
  });
}

/** Whether an error thrown by zinc's own code is the config's fault (so retrying cannot help). */
export function isConfigFailure(err: Error): boolean {
  return failureSpec(err.name)?.kind === 'config';
}

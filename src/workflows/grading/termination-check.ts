// TerminationCheck: runs the core's CheckTermination activity once, for a client that cannot
// read the database itself (a `zinc batch terminate` beside a `zinc up` that holds the embedded
// database): staff only, audited either way. The client terminates the batch only when allowed.
import { coreCheckOptions } from './batch-admission.js';
import { proxyActivities } from '@temporalio/workflow';
import type { AdmissionActivities } from '../../core/activities/admission.js';
import type { TerminationRequest } from '../../core/batch-termination.js';

export interface TerminationCheckInput {
  request: TerminationRequest;
  /** The core's task queue (the workflow reads no configuration). */
  coreTaskQueue: string;
}

/** Asks the core whether `request` may terminate the batch. */
export async function terminationCheckWorkflow(input: TerminationCheckInput) {
  const { CheckTermination } = proxyActivities<AdmissionActivities>(
    coreCheckOptions(input.coreTaskQueue),
  );
  return CheckTermination(input.request);
}

// BatchAdmission: runs the core's AdmitBatch activity once, for a client that cannot read the
// database itself; the client starts the BatchGrading workflow only when it is admitted. It
// grades nothing and records no batch.
import { proxyActivities } from '@temporalio/workflow';
import type { AdmissionActivities } from '../../core/activities/admission.js';
import type { BatchRequest } from '../../core/batch-admission.js';

export interface BatchAdmissionInput {
  request: BatchRequest;
  /** The core's task queue (the workflow reads no configuration). */
  coreTaskQueue: string;
}

/** How the core's admission checks are called: a minute each, retried briefly. */
export function coreCheckOptions(coreTaskQueue: string) {
  return {
    taskQueue: coreTaskQueue,
    startToCloseTimeout: '60s',
    retry: {
      initialInterval: '1s',
      backoffCoefficient: 2,
      maximumInterval: '10s',
      maximumAttempts: 10,
    },
  };
}

/** Asks the core whether `request` may start a batch. */
export async function batchAdmissionWorkflow(input: BatchAdmissionInput) {
  const { AdmitBatch } = proxyActivities<AdmissionActivities>(
    coreCheckOptions(input.coreTaskQueue),
  );
  return AdmitBatch(input.request);
}

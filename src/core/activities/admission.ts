// AdmitBatch: the core's admission check as an activity on zinc-core-default, for a client that
// cannot read the database itself (a `zinc grade` beside a `zinc up` that holds the embedded
// database); it writes the refusal's audit row like the direct check does. CheckTermination does
// the same for `zinc batch terminate`.
import type { ConfigStore } from '../../extensions/pipeline/index.js';
import type { SubmissionStore } from '../../extensions/submission/index.js';
import type { AccessControl } from '../auth.js';
import { admitOrRecordRefusal, type BatchRequest } from '../batch-admission.js';
import type { BatchStore } from '../batch-store.js';
import { checkTerminationOrRefusal, type TerminationRequest } from '../batch-termination.js';

/** The core's admission activity, closed over the access rules and stores. */
export function createAdmissionActivities(deps: {
  access: AccessControl;
  configs: ConfigStore;
  batches: BatchStore;
  students: Pick<SubmissionStore, 'getMemberRole' | 'latestDeliveryOf'>;
}) {
  return {
    /** Admits or refuses a batch request (a refusal is audited and returned, not thrown). */
    async AdmitBatch(request: BatchRequest) {
      return admitOrRecordRefusal(deps, request);
    },

    /** Allows or refuses a batch termination (audited either way; a refusal is returned). */
    async CheckTermination(request: TerminationRequest) {
      return checkTerminationOrRefusal(deps, request);
    },
  };
}

export type AdmissionActivities = ReturnType<typeof createAdmissionActivities>;

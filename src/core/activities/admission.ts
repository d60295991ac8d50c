// AdmitBatch: the core's admission check as an activity on zinc-core-default, for a client that
// cannot read the database itself (a `zinc grade` beside a `zinc up` that holds the embedded
// database); it writes the refusal's audit row like the direct check does.
import { createConfigStore } from '../../extensions/pipeline/config-store.js';
import { createSubmissionStore } from '../../extensions/submission/store.js';
import type { Queryable } from '../../platform/database.js';
import type { ObjectStore } from '../../platform/object-store.js';
import { createAccessControl } from '../auth.js';
import { admitOrRecordRefusal, type BatchRequest } from '../batch-admission.js';
import type { BatchStore } from '../batch-store.js';

/** The core's admission activity, closed over the database. */
export function createAdmissionActivities(deps: {
  db: Queryable;
  objects: ObjectStore;
  batches: BatchStore;
}) {
  const access = createAccessControl(createSubmissionStore(deps.db));
  const configs = createConfigStore({ db: deps.db, objects: deps.objects });
  return {
    /** Admits or refuses a batch request (a refusal is audited and returned, not thrown). */
    async AdmitBatch(request: BatchRequest) {
      return admitOrRecordRefusal({ access, configs, batches: deps.batches }, request);
    },
  };
}

export type AdmissionActivities = ReturnType<typeof createAdmissionActivities>;

// The core's activity descriptor: batch bookkeeping and admission, served on zinc-core-default
// beside the workflows.
import { CORE_TASK_QUEUE } from '../temporal/constants.js';
import { defineExtension } from '../temporal/registration.js';
import { createAdmissionActivities } from './activities/admission.js';
import { createBookkeepingActivities, type BookkeepingDeps } from './activities/bookkeeping.js';

export const coreExtension = defineExtension({
  name: 'core',
  taskQueue: CORE_TASK_QUEUE,
  createActivities: (deps: BookkeepingDeps) => ({
    ...createBookkeepingActivities(deps),
    ...createAdmissionActivities(deps),
  }),
});

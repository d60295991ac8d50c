// The submission extension's descriptor: its task queue and the activities its worker serves.
import { defineExtension } from '../../temporal/registration.js';
import { createDeliveryActivities, type DeliveryActivityDeps } from './activities/deliveries.js';
import { SUBMISSION_TASK_QUEUE } from './constants.js';

export const submissionExtension = defineExtension({
  name: 'submission',
  taskQueue: SUBMISSION_TASK_QUEUE,
  createActivities: (deps: DeliveryActivityDeps) => createDeliveryActivities(deps),
});

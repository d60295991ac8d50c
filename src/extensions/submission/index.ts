// The submission extension's front door: its descriptor (task queue, configuration section,
// migrations, `create`) and its public types. Nothing outside the extension imports anything
// else of it but constants.ts, section.ts and the read-only records.ts (lint keeps it so).
import { defineExtension, type PlatformServices } from '../../temporal/registration.js';
import { createDeliveryActivities } from './activities/deliveries.js';
import { SUBMISSION_TASK_QUEUE } from './constants.js';
import { createDeliveryLocator } from './delivery-locator.js';
import { SUBMISSION_COMPONENT, SUBMISSION_MIGRATIONS_DIR } from './schema.js';
import { deliveryLimitsFrom, submissionSection, type SubmissionConfig } from './section.js';
import { createSubmissionService } from './service.js';

/** What the composition root may pass in beside the platform and the section. */
export interface SubmissionLinks {
  /** The clock for deliveries made now and collection windows (tests may fix it). */
  now?: () => Date;
}

export const submissionExtension = defineExtension({
  name: 'submission',
  taskQueue: SUBMISSION_TASK_QUEUE,
  section: submissionSection,
  migrations: { component: SUBMISSION_COMPONENT, dir: SUBMISSION_MIGRATIONS_DIR },
  create(platform: PlatformServices, section: SubmissionConfig, links: SubmissionLinks = {}) {
    const limits = deliveryLimitsFrom(section);
    const service = createSubmissionService({
      db: platform.db,
      objects: platform.objects,
      limits,
      ...(links.now ? { now: links.now } : {}),
    });
    return {
      service,
      store: service.store,
      limits,
      /** Where a delivery is: what the pipeline extension reads (linked by the composition root). */
      deliveries: createDeliveryLocator(service.store),
      activities: () => createDeliveryActivities({ store: service.store }),
    };
  },
});

export type SubmissionExtension = ReturnType<typeof submissionExtension.create>;
export type { SubmissionService } from './service.js';
export type { DeliverInput, DeliverResult } from './service.js';
export type { SubmissionStore } from './store.js';
export type * from './store-types.js';
export type { DeliveryFile, DeliveryLimits } from './delivery-files.js';
export type { DeliveryActivities } from './activities/deliveries.js';
export type { SubmissionConfig } from './section.js';
export { importDeliveries } from './import.js';
/** Unpacks a zip, tar or tar.gz as an upload is unpacked (same checks and limits). */
export { readArchive } from './delivery-files.js';
export { OPEN_STOP, isOpenStop } from './constants.js';
export type { ImportSummary } from './import.js';

// Opens the platform and the submission service for one CLI command, and closes them after.
import type { ZincConfig } from '../platform/config.js';
import { openPlatform, type Platform } from '../platform/platform.js';
import { deliveryLimitsFrom } from '../extensions/submission/config.js';
import { migrateSubmissionSchema } from '../extensions/submission/schema.js';
import {
  createSubmissionService,
  type SubmissionService,
} from '../extensions/submission/service.js';

/** Runs `fn` with the submission service over the configured database and storage. */
export async function withSubmission<T>(
  config: ZincConfig,
  fn: (service: SubmissionService, platform: Platform) => Promise<T>,
): Promise<T> {
  const platform = await openPlatform(config);
  try {
    await migrateSubmissionSchema(platform.db);
    const service = createSubmissionService({
      db: platform.db,
      objects: platform.objects,
      events: platform.events,
      limits: deliveryLimitsFrom(config.submission),
    });
    return await fn(service, platform);
  } finally {
    await platform.close();
  }
}

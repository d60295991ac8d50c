// What each zinc process serves: the registrations its workers are built from, with the
// dependencies (database, object storage, events) opened for them.
import type { ZincConfig } from '../platform/config.js';
import { openPlatform, type Platform } from '../platform/platform.js';
import { CORE_TASK_QUEUE } from '../temporal/constants.js';
import { asActivities, asWorkflows, type Registration } from '../temporal/registration.js';
import { zincWorkflowsPath } from '../temporal/workflows-path.js';
import { createBatchStore } from '../core/batch-store.js';
import { coreExtension } from '../core/extension.js';
import { migrateCoreSchema } from '../core/schema.js';
import { submissionExtension } from '../extensions/submission/extension.js';
import { migrateSubmissionSchema } from '../extensions/submission/schema.js';
import { createSubmissionStore } from '../extensions/submission/store.js';
import { createDeliveryLocator } from '../extensions/submission/delivery-locator.js';
import { createConfigStore } from '../extensions/pipeline/config-store.js';
import { pipelineExtension } from '../extensions/pipeline/extension.js';
import { createReportStore } from '../extensions/pipeline/report-store.js';
import { migratePipelineSchema } from '../extensions/pipeline/schema.js';
import { sandboxOptionsFromEnv } from './commands/try.js';

export const COMPONENTS = ['core', 'submission', 'pipeline'] as const;
export type Component = (typeof COMPONENTS)[number];

export interface ComponentSet {
  registrations: Registration[];
  platform: Platform;
  close(): Promise<void>;
}

/** Brings every component's schema up to date (each applies only its own migrations). */
export async function migrateAll(platform: Platform): Promise<void> {
  await migrateCoreSchema(platform.db);
  await migrateSubmissionSchema(platform.db);
  await migratePipelineSchema(platform.db);
}

/** Opens what the components need and returns their registrations (the core serves workflows). */
export async function openComponents(
  config: ZincConfig,
  components: readonly Component[],
  options: { platform?: Platform } = {},
): Promise<ComponentSet> {
  // Components serve until the process stops, so it shares the embedded database meanwhile.
  const platform = options.platform ?? (await openPlatform(config, { serveDatabase: true }));
  const owned = options.platform === undefined;
  try {
    const { db, objects, events } = platform;
    const registrations: Registration[] = [];
    for (const component of components) {
      switch (component) {
        case 'core':
          await migrateCoreSchema(db);
          registrations.push(asWorkflows(CORE_TASK_QUEUE, zincWorkflowsPath()));
          registrations.push(
            asActivities(coreExtension, { db, batches: createBatchStore(db), objects, events }),
          );
          break;
        case 'submission':
          await migrateSubmissionSchema(db);
          registrations.push(
            asActivities(submissionExtension, { store: createSubmissionStore(db) }),
          );
          break;
        case 'pipeline':
          await migratePipelineSchema(db);
          registrations.push(
            asActivities(pipelineExtension, {
              db,
              objects,
              events,
              configs: createConfigStore({ db, objects }),
              reports: createReportStore({ db, objects }),
              // The submission extension's read of where a delivery is (same database).
              deliveries: createDeliveryLocator(createSubmissionStore(db)),
              sandboxOptions: sandboxOptionsFromEnv(),
            }),
          );
          break;
      }
    }
    return { registrations, platform, close: async () => (owned ? platform.close() : undefined) };
  } catch (err) {
    if (owned) await platform.close();
    throw err;
  }
}

// What each zinc process serves: the registrations its workers are built from, with the
// dependencies (database, object storage, events) opened for them.
import type { ZincConfig } from '../platform/config.js';
import { openPlatform, type Platform } from '../platform/platform.js';
import { CORE_TASK_QUEUE } from '../temporal/constants.js';
import { asActivities, asWorkflows, type Registration } from '../temporal/registration.js';
import { zincWorkflowsPath } from '../temporal/workflows-path.js';
import { submissionExtension } from '../extensions/submission/extension.js';
import { migrateSubmissionSchema } from '../extensions/submission/schema.js';
import { createSubmissionStore } from '../extensions/submission/store.js';

export const COMPONENTS = ['core', 'submission', 'pipeline'] as const;
export type Component = (typeof COMPONENTS)[number];

export interface ComponentSet {
  registrations: Registration[];
  /** The platform services, when a component needed them. */
  platform: Platform | undefined;
  close(): Promise<void>;
}

/** Opens what the components need and returns their registrations (the core serves workflows). */
export async function openComponents(
  config: ZincConfig,
  components: readonly Component[],
): Promise<ComponentSet> {
  const needsPlatform = components.some((c) => c === 'submission');
  const platform = needsPlatform ? await openPlatform(config) : undefined;
  try {
    const registrations: Registration[] = [];
    for (const component of components) {
      switch (component) {
        case 'core':
          registrations.push(asWorkflows(CORE_TASK_QUEUE, zincWorkflowsPath()));
          break;
        case 'submission':
          await migrateSubmissionSchema(platform!.db);
          registrations.push(
            asActivities(submissionExtension, { store: createSubmissionStore(platform!.db) }),
          );
          break;
        case 'pipeline':
          // The pipeline extension's activities join here with issue 4.
          break;
      }
    }
    return { registrations, platform, close: async () => platform?.close() };
  } catch (err) {
    await platform?.close();
    throw err;
  }
}

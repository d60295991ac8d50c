// What each zinc process serves: the registrations its workers are built from, over zinc's
// components built by the composition root (src/main/zinc.ts).
import type { ZincConfig } from '../config/index.js';
import { openPlatform, type Platform } from '../platform/platform.js';
import { CORE_TASK_QUEUE } from '../temporal/constants.js';
import {
  asActivities,
  asWorkflows,
  onOwnSlots,
  type Registration,
} from '../temporal/registration.js';
import { zincWorkflowsPath } from '../temporal/workflows-path.js';
import {
  DESCRIPTORS,
  createZinc,
  migrateComponents,
  type Component,
  type CreateZincOptions,
  type Zinc,
} from './zinc.js';

export { COMPONENTS, type Component } from './zinc.js';

export interface ComponentSet {
  registrations: Registration[];
  platform: Platform;
  zinc: Zinc;
  close(): Promise<void>;
}

/**
 * The registrations of `components` over built zinc: the core also serves the workflows, and a
 * component with a live queue serves its activities there too, on `worker.live_slots` slots.
 */
export function registrationsFor(zinc: Zinc, components: readonly Component[]): Registration[] {
  const registrations: Registration[] = [];
  for (const component of components) {
    if (component === 'core') {
      registrations.push(asWorkflows(CORE_TASK_QUEUE, zincWorkflowsPath()));
    }
    const descriptor = DESCRIPTORS[component];
    const served = asActivities(descriptor, zinc[component]);
    registrations.push(served);
    if (descriptor.liveTaskQueue !== undefined) {
      registrations.push(
        onOwnSlots(served, descriptor.liveTaskQueue, zinc.config.worker.live_slots),
      );
    }
  }
  return registrations;
}

/** Opens what the components need, migrates their schemas and returns their registrations. */
export async function openComponents(
  config: ZincConfig,
  components: readonly Component[],
  options: { platform?: Platform } & CreateZincOptions = {},
): Promise<ComponentSet> {
  // Components serve until the process stops, so it shares the embedded database meanwhile.
  const platform = options.platform ?? (await openPlatform(config, { serveDatabase: true }));
  const owned = options.platform === undefined;
  try {
    await migrateComponents(platform, components);
    const zinc = createZinc(config, platform, options);
    return {
      registrations: registrationsFor(zinc, components),
      platform,
      zinc,
      close: async () => (owned ? platform.close() : undefined),
    };
  } catch (err) {
    if (owned) await platform.close();
    throw err;
  }
}

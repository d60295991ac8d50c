// What each zinc process serves: the registrations its workers are built from.
import { CORE_TASK_QUEUE } from '../temporal/constants.js';
import { asWorkflows, type Registration } from '../temporal/registration.js';
import { zincWorkflowsPath } from '../temporal/workflows-path.js';

export const COMPONENTS = ['core', 'submission', 'pipeline'] as const;
export type Component = (typeof COMPONENTS)[number];

/** The registrations of one component's worker process (the core serves the workflows). */
export function registrationsFor(component: Component): Registration[] {
  switch (component) {
    case 'core':
      return [asWorkflows(CORE_TASK_QUEUE, zincWorkflowsPath())];
    case 'submission':
    case 'pipeline':
      // The extensions' activities join here as they are built (issues 3 and 4).
      return [];
  }
}

/** Everything `zinc up` serves in one process. */
export function allRegistrations(): Registration[] {
  return COMPONENTS.flatMap(registrationsFor);
}

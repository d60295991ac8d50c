// Which sections each component's worker may read: what it needs to run and nothing else. No
// component is handed the HTTP API's section, and no extension another extension's.
import { SectionForbiddenError, SectionNotFoundError } from '../../failures.js';
import { isServedSection, WITHHELD_SECTIONS, type SectionName } from './sections.js';

/** The components a worker token can be made for (the same as `zinc worker <component>`). */
export const WORKER_COMPONENTS = ['core', 'submission', 'pipeline'] as const;
export type WorkerComponent = (typeof WORKER_COMPONENTS)[number];

/** What every worker needs: its Temporal connection, worker limits, database and objects. */
const COMMON: readonly SectionName[] = ['temporal', 'worker', 'database', 'storage'];

/**
 * The sections each component fetches at start-up, in order; `data_dir` is fetched (and so
 * allowed) besides only when the served storage is on disk.
 */
export const COMPONENT_SECTIONS: Record<WorkerComponent, readonly SectionName[]> = {
  // Batch defaults are the core's (src/core/grading-config.ts); it relays the event outbox.
  core: [...COMMON, 'grading', 'events'],
  submission: [...COMMON, 'submission'],
  // Its own: the sandbox settings.
  pipeline: [...COMMON, 'pipeline'],
};

/** Every section a component may read: its own list and the data dir. */
export function readableSections(component: WorkerComponent): readonly SectionName[] {
  return [...COMPONENT_SECTIONS[component], 'data_dir'];
}

/** Whether `value` names a component a worker token can be made for. */
export function isWorkerComponent(value: string): value is WorkerComponent {
  return (WORKER_COMPONENTS as readonly string[]).includes(value);
}

/** The section `name` if `component` may read it; SectionNotFoundError or SectionForbiddenError. */
export function authorizeSection(component: WorkerComponent, name: string): SectionName {
  if (!isServedSection(name)) {
    if (WITHHELD_SECTIONS.includes(name)) {
      throw new SectionForbiddenError(
        `section "${name}" is not served to workers; component ${component} may read ${readableSections(component).join(', ')}`,
      );
    }
    // The name is the caller's text: quoted with JSON so control characters cannot forge lines.
    throw new SectionNotFoundError(
      `there is no configuration section ${JSON.stringify(name.slice(0, 100))}`,
    );
  }
  if (!readableSections(component).includes(name)) {
    throw new SectionForbiddenError(
      `component ${component} may not read section "${name}"; it may read ${readableSections(component).join(', ')}`,
    );
  }
  return name;
}

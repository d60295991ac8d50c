// The RFD's AsActivity/AsWorkflow: how extensions and workflow bundles declare what a worker serves.
import type { Database } from '../platform/database.js';
import type { ObjectStore } from '../platform/object-store.js';

// Activities take and return serialisable values; `any` keeps each activity's own signature.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ActivityFunction = (...args: any[]) => Promise<unknown>;
export type ActivityFunctions = Record<string, ActivityFunction>;

/** The platform services an extension is built over (opened by the composition root). */
export interface PlatformServices {
  db: Database;
  objects: ObjectStore;
}

/** What a created extension gives its process: its services, and its activities on demand. */
export interface CreatedExtension<Activities extends ActivityFunctions> {
  /** Builds the activities its worker serves (only worker processes call it). */
  activities(): Activities;
}

/**
 * An extension's front door (its index.ts exports one): its name, the task-queue suffix its
 * worker serves, its configuration section, its migrations, and `create`, which builds its
 * service and activities over the platform, its section and what the composition root links
 * in from others (extensions never import each other).
 */
export interface ExtensionDescriptor<
  Section,
  Links,
  Created extends CreatedExtension<ActivityFunctions>,
> {
  readonly name: string;
  readonly taskQueue: string;
  /**
   * A second queue its workers serve with the same activities on slots of their own
   * (`worker.live_slots`): work that must never wait behind batch work (live gradings).
   */
  readonly liveTaskQueue?: string;
  /** Its section of zinc's configuration (key, schema, environment variables). */
  readonly section: { readonly key: string };
  /** Its schema: the component name recorded in schema_migrations, and the folder of its files. */
  readonly migrations: { readonly component: string; readonly dir: string };
  readonly create: (platform: PlatformServices, section: Section, links: Links) => Created;
}

/** Declares an extension; an identity function that keeps the factory's types. */
export function defineExtension<
  Section,
  Links,
  Created extends CreatedExtension<ActivityFunctions>,
>(
  descriptor: ExtensionDescriptor<Section, Links, Created>,
): ExtensionDescriptor<Section, Links, Created> {
  return descriptor;
}

/** Activities bound to their dependencies, ready for the worker of their task queue. */
export interface ActivityRegistration {
  readonly kind: 'activities';
  readonly extension: string;
  /** Task-queue suffix, formatted with the configured prefix by the worker module. */
  readonly taskQueue: string;
  readonly activities: ActivityFunctions;
  /** Activity slots of its queue's worker; unset: `worker.max_concurrent_activities`. */
  readonly maxConcurrentActivities?: number;
}

/** Workflow code (one bundle entry file) served on a task queue. */
export interface WorkflowRegistration {
  readonly kind: 'workflows';
  readonly taskQueue: string;
  /** Path of the module that exports the workflow functions. */
  readonly workflowsPath: string;
}

export type Registration = ActivityRegistration | WorkflowRegistration;

/** RFD 0010's AsActivity: a created extension's activities, for the worker of its queue. */
export function asActivities(
  descriptor: { readonly name: string; readonly taskQueue: string },
  created: CreatedExtension<ActivityFunctions>,
): ActivityRegistration {
  return {
    kind: 'activities',
    extension: descriptor.name,
    taskQueue: descriptor.taskQueue,
    activities: created.activities(),
  };
}

/**
 * The activities of `registration` (the same functions, not built again) served on `taskQueue`
 * too, by a worker of `slots` activity slots that other work on the first queue cannot take.
 */
export function onOwnSlots(
  registration: ActivityRegistration,
  taskQueue: string,
  slots: number,
): ActivityRegistration {
  return { ...registration, taskQueue, maxConcurrentActivities: slots };
}

/** RFD 0010's AsWorkflow: serves the workflows exported by `workflowsPath` on `taskQueue`. */
export function asWorkflows(taskQueue: string, workflowsPath: string): WorkflowRegistration {
  return { kind: 'workflows', taskQueue, workflowsPath };
}

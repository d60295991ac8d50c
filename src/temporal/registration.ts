// The RFD's AsActivity/AsWorkflow: how extensions and workflow bundles declare what a worker serves.

// Activities take and return serialisable values; `any` keeps each activity's own signature.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ActivityFunction = (...args: any[]) => Promise<unknown>;
export type ActivityFunctions = Record<string, ActivityFunction>;

/**
 * What an extension exports: its name, the task-queue suffix its worker serves, and a factory
 * that closes its activities over the dependencies the process builds for it.
 */
export interface ExtensionDescriptor<Deps, Activities extends ActivityFunctions> {
  readonly name: string;
  readonly taskQueue: string;
  readonly createActivities: (deps: Deps) => Activities;
}

/** Declares an extension; an identity function that keeps the factory's types. */
export function defineExtension<Deps, Activities extends ActivityFunctions>(
  descriptor: ExtensionDescriptor<Deps, Activities>,
): ExtensionDescriptor<Deps, Activities> {
  return descriptor;
}

/** Activities bound to their dependencies, ready for the worker of their task queue. */
export interface ActivityRegistration {
  readonly kind: 'activities';
  readonly extension: string;
  /** Task-queue suffix, formatted with the configured prefix by the worker module. */
  readonly taskQueue: string;
  readonly activities: ActivityFunctions;
}

/** Workflow code (one bundle entry file) served on a task queue. */
export interface WorkflowRegistration {
  readonly kind: 'workflows';
  readonly taskQueue: string;
  /** Path of the module that exports the workflow functions. */
  readonly workflowsPath: string;
}

export type Registration = ActivityRegistration | WorkflowRegistration;

/** RFD 0010's AsActivity: binds an extension's activities to the dependencies built for them. */
export function asActivities<Deps, Activities extends ActivityFunctions>(
  descriptor: ExtensionDescriptor<Deps, Activities>,
  deps: Deps,
): ActivityRegistration {
  return {
    kind: 'activities',
    extension: descriptor.name,
    taskQueue: descriptor.taskQueue,
    activities: descriptor.createActivities(deps),
  };
}

/** RFD 0010's AsWorkflow: serves the workflows exported by `workflowsPath` on `taskQueue`. */
export function asWorkflows(taskQueue: string, workflowsPath: string): WorkflowRegistration {
  return { kind: 'workflows', taskQueue, workflowsPath };
}

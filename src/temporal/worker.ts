// Worker lifecycle: one worker per task queue from registrations, graceful shutdown on signals.
import { TemporalConnectionError, WorkerSetupError } from '../failures.js';
import { hostname } from 'node:os';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { NativeConnection, Worker, type BundleOptions } from '@temporalio/worker';
import type { TemporalConfig, WorkerConfig } from './config.js';
import { connectionTarget, withConnectRetry } from './client.js';
import type { ActivityFunctions, Registration } from './registration.js';
import { formatTaskQueue } from './task-queue.js';
import { WORKER_INFO_ACTIVITY, type WorkerInfo } from './constants.js';
import { activeTracing } from '../platform/tracing.js';
import { workerTracingOptions, workflowTracingModule } from './tracing.js';
import { workerDataConverter } from './codec.js';

/** What one task queue's worker serves, after validation. */
export interface QueuePlan {
  /** The fully qualified task queue. */
  taskQueue: string;
  activities: ActivityFunctions;
  workflowsPath: string | undefined;
  /** Activity slots its registrations ask for; undefined: `worker.max_concurrent_activities`. */
  maxConcurrentActivities: number | undefined;
}

/**
 * Groups registrations by task queue; fails fast on a missing queue, a duplicate name, or a slot
 * count that is not a whole number of at least 1 or that another registration of the queue
 * contradicts. Every queue also serves the worker-info activity, so a health check can reach
 * each queue.
 */
export function planWorkers(registrations: readonly Registration[], prefix: string): QueuePlan[] {
  const plans = new Map<string, QueuePlan>();
  const owners = new Map<string, string>();
  const slotOwners = new Map<string, string>();
  for (const registration of registrations) {
    const who =
      registration.kind === 'activities'
        ? `extension '${registration.extension}'`
        : `workflows ${registration.workflowsPath}`;
    if (typeof registration.taskQueue !== 'string' || registration.taskQueue.trim() === '') {
      throw new WorkerSetupError(`${who} has no task queue`);
    }
    const taskQueue = formatTaskQueue(prefix, registration.taskQueue);
    let plan = plans.get(taskQueue);
    if (!plan) {
      plan = {
        taskQueue,
        activities: {},
        workflowsPath: undefined,
        maxConcurrentActivities: undefined,
      };
      plans.set(taskQueue, plan);
    }
    if (registration.kind === 'workflows') {
      if (plan.workflowsPath !== undefined) {
        throw new WorkerSetupError(
          `task queue ${taskQueue} has two workflow bundles: ${plan.workflowsPath} and ${registration.workflowsPath}`,
        );
      }
      plan.workflowsPath = registration.workflowsPath;
      continue;
    }
    const slots = registration.maxConcurrentActivities;
    if (slots !== undefined) {
      if (!Number.isInteger(slots) || slots < 1) {
        throw new WorkerSetupError(
          `${who} asks for ${slots} activity slots on task queue ${taskQueue}: expected a whole number of at least 1`,
        );
      }
      if (plan.maxConcurrentActivities !== undefined && plan.maxConcurrentActivities !== slots) {
        throw new WorkerSetupError(
          `task queue ${taskQueue} is given ${plan.maxConcurrentActivities} activity slots by ${slotOwners.get(taskQueue)} and ${slots} by ${who}`,
        );
      }
      plan.maxConcurrentActivities = slots;
      slotOwners.set(taskQueue, who);
    }
    for (const [name, fn] of Object.entries(registration.activities)) {
      const key = `${taskQueue}\u0000${name}`;
      const earlier = owners.get(key);
      if (earlier !== undefined) {
        throw new WorkerSetupError(
          `activity '${name}' is registered twice on task queue ${taskQueue} (by ${earlier} and ${who})`,
        );
      }
      owners.set(key, who);
      plan.activities[name] = fn;
    }
  }
  for (const plan of plans.values()) {
    if (plan.activities[WORKER_INFO_ACTIVITY]) {
      throw new WorkerSetupError(`activity name '${WORKER_INFO_ACTIVITY}' is reserved by zinc`);
    }
    const names = Object.keys(plan.activities).sort();
    const info: WorkerInfo = {
      taskQueue: plan.taskQueue,
      pid: process.pid,
      hostname: hostname(),
      activities: names,
    };
    plan.activities[WORKER_INFO_ACTIVITY] = () => Promise.resolve(info);
  }
  return [...plans.values()];
}

export interface WorkerSetOptions {
  temporal: TemporalConfig;
  /** host:port of the server (the configured one or the embedded dev server's). */
  address: string;
  worker: WorkerConfig;
  registrations: readonly Registration[];
  /** Override for tests: how often to retry the first connection. */
  connectAttempts?: number;
}

/** The workers of one process, one per task queue, sharing one connection. */
export interface WorkerSet {
  readonly taskQueues: readonly string[];
  /** Runs every worker until all have stopped; rejects if one fails. */
  run(): Promise<void>;
  /** Starts graceful shutdown: polling stops, in-flight activities get the grace time. */
  shutdown(): void;
  /** Closes the connection; call after run() settles. */
  close(): Promise<void>;
}

/** Creates (but does not start) one worker per task queue named by the registrations. */
export async function createWorkerSet(options: WorkerSetOptions): Promise<WorkerSet> {
  const plans = planWorkers(options.registrations, options.temporal.task_queue_prefix);
  if (plans.length === 0) throw new WorkerSetupError('nothing to serve: no registrations');
  const target = connectionTarget(options.temporal, options.address);
  const connection = await withConnectRetry(
    () => NativeConnection.connect(target),
    { attempts: options.connectAttempts ?? options.temporal.connect_attempts },
    (cause, attempts) =>
      new TemporalConnectionError(
        `worker cannot reach Temporal at ${options.address} after ${attempts} attempt(s): ${cause.message}`,
        { cause },
      ),
  );
  // Traces, when this process exports them (installTracing): interceptors, sinks, and the
  // workflow-side interceptors bundled into the workflow code.
  const tracing = activeTracing();
  // Payload encryption, when configured: the codec, and failure messages encrypted too (the
  // workflow code encodes its failures with the same converter, so it is bundled in).
  const dataConverter = workerDataConverter(options.temporal.encryption);
  const bundles = new Map<string, { code: string }>();
  const workers: Worker[] = [];
  try {
    for (const plan of plans) {
      let workflowBundle;
      if (plan.workflowsPath !== undefined) {
        workflowBundle = bundles.get(plan.workflowsPath);
        if (!workflowBundle) {
          workflowBundle = await bundleInChild({
            workflowsPath: plan.workflowsPath,
            ...(tracing ? { workflowInterceptorModules: [workflowTracingModule()] } : {}),
            ...(dataConverter?.failureConverterPath
              ? { failureConverterPath: dataConverter.failureConverterPath }
              : {}),
          });
          bundles.set(plan.workflowsPath, workflowBundle);
        }
      }
      const cfg = options.worker;
      workers.push(
        await Worker.create({
          connection,
          namespace: options.temporal.namespace,
          taskQueue: plan.taskQueue,
          activities: plan.activities,
          ...(workflowBundle ? { workflowBundle } : {}),
          maxConcurrentActivityTaskExecutions:
            plan.maxConcurrentActivities ?? cfg.max_concurrent_activities,
          maxConcurrentWorkflowTaskExecutions: cfg.max_concurrent_workflow_tasks,
          ...(cfg.max_activities_per_second !== undefined
            ? { maxActivitiesPerSecond: cfg.max_activities_per_second }
            : {}),
          ...(cfg.max_task_queue_activities_per_second !== undefined
            ? { maxTaskQueueActivitiesPerSecond: cfg.max_task_queue_activities_per_second }
            : {}),
          shutdownGraceTime: cfg.shutdown_grace_secs * 1000,
          ...(dataConverter ? { dataConverter } : {}),
          ...workerTracingOptions(tracing),
        }),
      );
    }
  } catch (err) {
    await connection.close();
    throw err;
  }
  let shuttingDown = false;
  return {
    taskQueues: plans.map((p) => p.taskQueue),
    async run() {
      if (shuttingDown) return;
      const results = await Promise.allSettled(workers.map((w) => w.run()));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) {
        for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
        throw failed.reason;
      }
    },
    shutdown() {
      if (shuttingDown) return;
      shuttingDown = true;
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    },
    close: () => connection.close(),
  };
}

/**
 * Bundles the workflow code (webpack) in a short-lived child process and returns the code. Done
 * in this process, bundling leaves about 120 MB resident for the worker's life. The child prints
 * the bundler's warnings and errors on its stderr, passed on here.
 */
async function bundleInChild(
  options: Pick<
    BundleOptions,
    'workflowsPath' | 'workflowInterceptorModules' | 'failureConverterPath'
  >,
): Promise<{ code: string }> {
  const entry = createRequire(import.meta.url).resolve('@temporalio/worker');
  const script = `
    const say = (m, meta) => process.stderr.write(m + (meta ? ' ' + JSON.stringify(meta) : '') + '\\n');
    const logger = { log() {}, trace() {}, debug() {}, info() {}, warn: say, error: say };
    require(process.argv[1])
      .bundleWorkflowCode({ ...JSON.parse(process.argv[2]), logger })
      .then((b) => process.stdout.write(b.code))
      .catch((err) => { say(String(err && err.stack ? err.stack : err)); process.exit(1); });`;
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['-e', script, entry, JSON.stringify(options)],
      { maxBuffer: 256 << 20 },
    );
    if (stderr.trim() !== '') console.warn(stderr.trim());
    return { code: stdout };
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw new WorkerSetupError(
      `cannot bundle the workflow code of ${options.workflowsPath}: ${stderr || (err as Error).message}`,
    );
  }
}

/** Runs the workers until `signal` aborts, then shuts them down gracefully and closes them. */
export async function runUntilAborted(set: WorkerSet, signal: AbortSignal): Promise<void> {
  const stop = (): void => set.shutdown();
  if (signal.aborted) stop();
  else signal.addEventListener('abort', stop, { once: true });
  try {
    await set.run();
  } finally {
    signal.removeEventListener('abort', stop);
    await set.close();
  }
}

/**
 * Runs the workers until SIGINT or SIGTERM, then shuts them down gracefully: in-flight
 * activities finish within the grace time. A second signal exits at once.
 */
export async function runUntilSignal(
  set: WorkerSet,
  onSignal?: (signal: NodeJS.Signals) => void,
): Promise<void> {
  const stopping = new AbortController();
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping.signal.aborted) process.exit(130);
    onSignal?.(signal);
    stopping.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  try {
    await runUntilAborted(set, stopping.signal);
  } finally {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  }
}

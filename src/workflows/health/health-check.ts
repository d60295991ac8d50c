// A workflow that proves each task queue is served: it asks every queue's worker who it is.
import { proxyActivities } from '@temporalio/workflow';
import { WORKER_INFO_ACTIVITY, type WorkerInfo } from '../../temporal/constants.js';

export interface HealthCheckInput {
  /** Fully qualified task queues to ask. */
  taskQueues: string[];
  /** Seconds each queue has to answer before it counts as unserved. */
  timeoutSecs: number;
}

export type QueueHealth =
  { taskQueue: string; worker: WorkerInfo } | { taskQueue: string; error: string };

/** Calls the worker-info activity on each task queue; a queue that does not answer is reported. */
export async function healthCheckWorkflow(input: HealthCheckInput): Promise<QueueHealth[]> {
  return Promise.all(
    input.taskQueues.map(async (taskQueue): Promise<QueueHealth> => {
      const acts = proxyActivities<Record<typeof WORKER_INFO_ACTIVITY, () => Promise<WorkerInfo>>>({
        taskQueue,
        scheduleToCloseTimeout: `${input.timeoutSecs}s`,
        retry: { maximumAttempts: 1 },
      });
      try {
        return { taskQueue, worker: await acts[WORKER_INFO_ACTIVITY]() };
      } catch {
        return { taskQueue, error: `no worker answered within ${input.timeoutSecs}s` };
      }
    }),
  );
}

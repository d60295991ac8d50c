// A workflow that proves each task queue is served: it asks every queue's worker who it is.
import { proxyActivities } from '@temporalio/workflow';
import { WORKER_INFO_ACTIVITY, type WorkerInfo } from '../../temporal/constants.js';

export interface HealthCheckInput {
  /** Fully qualified task queues to ask. */
  taskQueues: string[];
  /** Seconds each queue has to answer before the check fails. */
  timeoutSecs: number;
}

/** Calls the worker-info activity on each task queue and returns the answers in order. */
export async function healthCheckWorkflow(input: HealthCheckInput): Promise<WorkerInfo[]> {
  return Promise.all(
    input.taskQueues.map((taskQueue) => {
      const acts = proxyActivities<Record<typeof WORKER_INFO_ACTIVITY, () => Promise<WorkerInfo>>>({
        taskQueue,
        scheduleToCloseTimeout: `${input.timeoutSecs}s`,
        retry: { maximumAttempts: 1 },
      });
      return acts[WORKER_INFO_ACTIVITY]();
    }),
  );
}

// v6 ('execute-pipelines-grouped'): BatchGrading grades several deliveries per pipeline activity.
// An activity's trip through Temporal (scheduling, matching, its three history events and a
// workflow task) costs the dev server and the worker more than a short pipeline does; a group of
// deliveries in one ExecutePipelines shares that trip, and the pipeline worker reads and saves
// their reports with one statement each. `concurrency` then bounds the groups in flight (each
// runs its deliveries one after another, so as many pipelines run at once as before).
// Each delivery keeps its own report and its own retry: the workflow grades alone, with
// ExecutePipeline and the batch's retry policy, every delivery the group did not grade, and every
// delivery of a group whose attempt was lost (ExecutePipelines is not retried: a killed worker's
// group is handed to ExecutePipeline, which finds the reports it saved).
import { patched } from '@temporalio/workflow';
import type { BatchGradingInput, PipelineRetryPolicy } from './types.js';

/** The group size of this batch, when its input asks for groups (a marker in the history). */
export function groupingOf(input: BatchGradingInput): number | undefined {
  const size = input.groupSize;
  return size !== undefined && size > 1 && patched('execute-pipelines-grouped') ? size : undefined;
}

/**
 * How many of the `buffered` deliveries the next group takes: `size`, except on the last page,
 * where groups shrink so that the last deliveries spread over every slot instead of one.
 */
export function groupLength(
  size: number,
  buffered: number,
  lastPage: boolean,
  concurrency: number,
): number {
  if (!lastPage) return Math.min(size, buffered);
  return Math.max(1, Math.min(size, Math.ceil(buffered / concurrency)));
}

/** ExecutePipelines' options: those of ExecutePipeline, a timeout for the group, no retry. */
export function groupActivityOptions<T extends { startToCloseTimeout: string }>(
  single: T,
  size: number,
  worstCaseSecs: number,
  retry: PipelineRetryPolicy,
): T & { retry: { maximumAttempts: number } } {
  return {
    ...single,
    startToCloseTimeout: `${size * worstCaseSecs + retry.slackSecs}s`,
    retry: { maximumAttempts: 1 },
  };
}

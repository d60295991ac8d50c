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
//
// v8 ('group-size-adaptive', only for inputs with `groupSecs`): a group is sized to about
// `groupSecs` of grading, from the pace the batch's groups reported so far (each group's result
// says how many deliveries it graded and how long they took): a batch of 0.3 s pipelines grades
// them 16 at a time, one of 30 s pipelines one at a time, and a group holds its slot (from
// another course's batch, a pause) for about `groupSecs`, not `groupSize` pipelines. Until a pace
// is known, groups are of one delivery. The pace is carried through continue-as-new.
import { patched } from '@temporalio/workflow';
import type { BatchGradingInput, PipelineRetryPolicy } from './types.js';

/** The group size of this batch, when its input asks for groups (a marker in the history). */
export function groupingOf(input: BatchGradingInput): number | undefined {
  const size = input.groupSize;
  return size !== undefined && size > 1 && patched('execute-pipelines-grouped') ? size : undefined;
}

/** The adaptive sizing of this batch's groups (v8), when its input asks for it. */
export function adaptiveSizingOf(input: BatchGradingInput): { budgetMs: number } | undefined {
  const secs = input.groupSecs;
  return secs !== undefined && secs > 0 && patched('group-size-adaptive')
    ? { budgetMs: secs * 1000 }
    : undefined;
}

/** How many deliveries fill `budgetMs` at `msPerDelivery` (1 until a pace is known), at most `max`. */
export function adaptiveSize(
  max: number,
  budgetMs: number,
  msPerDelivery: number | undefined,
): number {
  if (msPerDelivery === undefined) return 1;
  return Math.max(1, Math.min(max, Math.floor(budgetMs / Math.max(msPerDelivery, 1))));
}

/**
 * The batch's pace after a group graded `graded` deliveries in `ms`: a moving average that
 * follows a change of pace within a few groups (deterministic: it reads only activity results).
 */
export function nextPace(pace: number | undefined, graded: number, ms: number): number | undefined {
  if (graded <= 0) return pace;
  const sample = ms / graded;
  return pace === undefined ? sample : 0.6 * pace + 0.4 * sample;
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

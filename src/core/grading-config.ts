// The `grading` section of zinc's configuration: how batches run by default.
import { z } from 'zod';

const int = (min: number) => z.coerce.number().int('expected a whole number').min(min);

export const gradingConfigSchema = z.strictObject({
  /** Deliveries graded at once in one batch (the window in flight). */
  concurrency: int(1).max(1000).default(8),
  /** Deliveries per page fetched from the submission extension (at most 1,000). */
  page_size: int(1).max(1000).default(500),
  /**
   * At most this many deliveries are graded one after another in one pipeline activity, each
   * with its own report (one the group could not grade is graded alone, with its own retries).
   * Groups spare a short pipeline most of its orchestration (an activity's trip through Temporal
   * and its database round trips); `group_secs` keeps a group to a few seconds of grading.
   * 1: an activity per delivery (docs/batches.md).
   */
  deliveries_per_activity: int(1).max(100).default(20),
  /**
   * Groups are sized to about this many seconds of grading, from the pace of the batch's groups
   * so far (the first is of one delivery): a group holds its pipeline slot, delays a pause and
   * moves progress for about this long. 0: every group is `deliveries_per_activity`.
   */
  group_secs: z.coerce.number().min(0, 'expected 0 (fixed groups) or more').max(600).default(5),
  /** ExecutePipeline attempts before a delivery counts as ERRORED. */
  max_attempts: int(1).default(5),
  initial_interval_secs: z.coerce.number().positive().default(2),
  max_interval_secs: z.coerce.number().positive().default(60),
  /** A pipeline worker silent this long is taken as lost, and the delivery retried. */
  heartbeat_timeout_secs: int(5).default(30),
  /** Added to a config's worst-case run time to make ExecutePipeline's start-to-close timeout. */
  slack_secs: int(10).default(120),
  /**
   * How long a delivery may wait in the pipeline queue before a worker starts it; then it is
   * scheduled again, `schedule_to_start_tries` times in all, and ERRORED when they are spent.
   * 0: wait for a worker for ever.
   */
  schedule_to_start_secs: z.coerce.number().min(0, 'expected 0 (no limit) or more').default(900),
  schedule_to_start_tries: int(1).max(100).default(3),
  /** A batch still running after this long is ended by Temporal (timed_out); 0: no limit. */
  batch_timeout_secs: z.coerce.number().min(0, 'expected 0 (no limit) or more').default(0),
  /** A run continues as new before its history would pass this many events. */
  max_history_events: int(1000).max(50_000).default(20_000),
  /** Batches running at once over every course; later ones wait, queued, in request order. */
  max_running_batches: int(1).max(1000).default(4),
  /** Batches running at once in one course (another course's batch may still run). */
  max_running_batches_per_course: int(1).max(1000).default(2),
  /** The longest a queued batch waits before it asks for a slot again (a finishing batch also
   * wakes the next at once). */
  queue_poll_max_secs: int(1).max(600).default(30),
});

export type GradingDefaults = z.infer<typeof gradingConfigSchema>;

/** The `grading` section: the core's batch defaults. */
export const gradingSection = {
  key: 'grading',
  schema: gradingConfigSchema,
  env: {
    ZINC_GRADING_CONCURRENCY: ['concurrency'],
    ZINC_GRADING_MAX_RUNNING_BATCHES: ['max_running_batches'],
    ZINC_GRADING_SCHEDULE_TO_START_SECS: ['schedule_to_start_secs'],
    ZINC_GRADING_BATCH_TIMEOUT_SECS: ['batch_timeout_secs'],
    ZINC_GRADING_DELIVERIES_PER_ACTIVITY: ['deliveries_per_activity'],
    ZINC_GRADING_GROUP_SECS: ['group_secs'],
  },
} as const;

// The batch-grading workflow's input, state and answers; plain data, shared with the core.

export const BATCH_STATUSES = [
  // Recorded and waiting for a running slot (grading.max_running_batches).
  'queued',
  'running',
  'paused',
  'completed',
  'cancelled',
  'failed',
  // Ended by `zinc batch terminate`, or from outside zinc (Temporal CLI, Web UI): reconciled.
  'terminated',
  // Ended by the batch execution timeout (grading.batch_timeout_secs): reconciled.
  'timed_out',
] as const;

export type BatchStatus = (typeof BATCH_STATUSES)[number];

/** How many batches may run at once (the rest wait in request order), from the configuration. */
export interface BatchSlotLimits {
  /** Batches running at once, over every course. */
  maxRunning: number;
  /** Batches running at once in one course. */
  maxRunningPerCourse: number;
  /** The longest wait between two asks for a slot (a finishing batch also wakes the next). */
  maxPollSecs: number;
}

/** The fully qualified task queues the workflow routes activities to. */
export interface BatchTaskQueues {
  core: string;
  submission: string;
  pipeline: string;
}

/** Retry and timeout policy of ExecutePipeline, from the configuration. */
export interface PipelineRetryPolicy {
  maxAttempts: number;
  initialIntervalSecs: number;
  maxIntervalSecs: number;
  heartbeatTimeoutSecs: number;
  /** Added to the config's worst-case run time for the start-to-close timeout. */
  slackSecs: number;
}

/**
 * How long ExecutePipeline may wait in the pipeline queue for a worker to start it, and how many
 * times it is scheduled again after such a wait (Temporal never retries schedule-to-start).
 */
export interface ScheduleToStartPolicy {
  secs: number;
  tries: number;
}

/** A delivery the batch could not grade, after every retry. */
export interface BatchFailure {
  deliveryId: string;
  userId: string;
  reason: string;
}

/** What a batch grades: a collection's latest deliveries, or another batch's ERRORED ones. */
/** A delivery a batch grades, as the workflow pages them: IDs only. */
export interface BatchDelivery {
  id: string;
  userId: string;
  objectKey: string;
}

/**
 * What a batch grades: the collection's latest deliveries, the ERRORED deliveries of an earlier
 * batch (regrade-failed), or the few deliveries named in its input (`zinc grade --student`).
 */
export type BatchSource =
  | { kind: 'collection' }
  | { kind: 'errored'; batchId: string }
  | { kind: 'deliveries'; deliveries: BatchDelivery[] };

export interface BatchGradingInput {
  batchId: string;
  collectionId: string;
  /** Absent: the collection's newest config version. */
  configVersion?: string;
  requestedBy: string;
  /** When the request was made (ISO); the workflow reads no clock. */
  requestedAt: string;
  concurrency: number;
  includeTest: boolean;
  pageSize: number;
  taskQueues: BatchTaskQueues;
  retry: PipelineRetryPolicy;
  /** Absent (batches started before it existed, or 0 in the config): no schedule-to-start limit. */
  scheduleToStart?: ScheduleToStartPolicy;
  /** Continue as new before the history would pass this many events. */
  maxHistoryEvents: number;
  /**
   * Deliveries graded in one ExecutePipelines activity (v6, 'execute-pipelines-grouped'); absent
   * or 1: one ExecutePipeline per delivery, as before.
   */
  groupSize?: number;
  source: BatchSource;
  /** Absent (batches started before slots existed): the batch runs at once. */
  slots?: BatchSlotLimits;
  /** Set by continue-as-new: where the previous run stopped. */
  carried?: CarriedState;
}

export interface BatchCounters {
  total: number;
  done: number;
  errored: number;
  /** Deliveries by headline verdict (ERRORED included). */
  counts: Record<string, number>;
}

/** What one run hands the next through continue-as-new. */
export interface CarriedState extends BatchCounters {
  configVersion: string;
  worstCaseSecs: number;
  /** The cursor of the next page to fetch; null when every page was fetched. */
  cursor: string | null;
  failures: BatchFailure[];
  paused: boolean;
  runs: number;
  /** The batch's course: the fairness key of its pipeline work (absent from older runs). */
  courseId?: string;
}

/** The progress query's answer. */
export interface BatchProgress extends BatchCounters {
  batchId: string;
  collectionId: string;
  configVersion: string | null;
  status: BatchStatus;
  inFlight: number;
  paused: boolean;
  /** While queued: 1 for the next batch to run in its course's and the overall queue. */
  queuePosition?: number | null;
  /** The most recent failures (capped); every failure is also in the database. */
  failures: BatchFailure[];
  runs: number;
}

/** How staff steer a running batch (signals; `zinc batch <action>`, the API). */
export const STEERING_ACTIONS = ['pause', 'resume', 'cancel'] as const;
export type SteeringAction = (typeof STEERING_ACTIONS)[number];

/** Who asked for a pause, resume or cancel (for the audit log). */
export interface SteeringRequest {
  by: string;
  reason?: string;
}

/** The batch's end: what the workflow returns and the summary document holds. */
/** Byte-identical deliveries (same sha256) of different students: a hint for staff. */
export interface IdenticalGroup {
  /** Numbered from 1, in the order of the groups' first students. */
  group: number;
  students: string[];
  deliveries: string[];
}

export interface BatchSummary extends BatchCounters {
  batchId: string;
  collectionId: string;
  configVersion: string | null;
  requestedBy: string;
  status: BatchStatus;
  reason: string | null;
  failures: BatchFailure[];
  stats: {
    reports: number;
    meanPercent: number | null;
    medianPercent: number | null;
    histogram: number[];
  } | null;
  summaryKey: string | null;
  startedAt: string;
  finishedAt: string;
  /** Groups of byte-identical deliveries of different students (absent in older summaries). */
  identical?: IdenticalGroup[];
}

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

/** A delivery the batch could not grade, after every retry, as staff see it (the database's). */
export interface BatchFailure {
  deliveryId: string;
  userId: string;
  reason: string;
}

/**
 * A delivery the batch could not grade, as the workflow keeps it (v5, 'history-ids-only'): the
 * delivery's ID, the failure's type and a short code, never a student ID or an exception's text.
 * The core turns it into a BatchFailure (student and readable reason) in the database.
 */
export interface FailureCode {
  deliveryId: string;
  /** A failure type of src/failures.ts, `Timeout`, or `Error` for anything else. */
  type: string;
  /** Short and fixed: the failure's kind (`infrastructure`, `config`...) or the timeout's type. */
  code: string;
  /** For `Timeout`/`SCHEDULE_TO_START`: the batch's wait for a pipeline worker, spent. */
  wait?: ScheduleToStartPolicy;
}

/** A failure as the workflow keeps it: BatchFailure in histories before v5, FailureCode from v5. */
export type KeptFailure = BatchFailure | FailureCode;

/** Whether a kept failure is a v5 FailureCode (no student, no free text). */
export function isFailureCode(failure: KeptFailure): failure is FailureCode {
  return 'code' in failure;
}

/**
 * A delivery a batch grades, as the workflow pages them: its ID (from v5 nothing else; earlier
 * inputs and pages also carried the student and the object key).
 */
export interface BatchDelivery {
  id: string;
  userId?: string;
  objectKey?: string;
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
  /**
   * v8 ('group-size-adaptive'): groups are sized to about this many seconds of grading, from the
   * pace of the batch's earlier groups, at most `groupSize`; absent: every group is `groupSize`.
   */
  groupSecs?: number;
  source: BatchSource;
  /** Absent (batches started before slots existed): the batch runs at once. */
  slots?: BatchSlotLimits;
  /**
   * v5 ('history-ids-only'): pages carry delivery IDs only, failures are FailureCodes, steering
   * reasons stay in the database and the result is brief. Absent in older inputs.
   */
  idsOnly?: boolean;
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
  failures: KeptFailure[];
  paused: boolean;
  runs: number;
  /** The batch's course: the fairness key of its pipeline work (absent from older runs). */
  courseId?: string;
  /** v8: milliseconds per delivery the groups reported so far (absent: not known yet). */
  msPerDelivery?: number;
}

/** Infrastructure a batch waits for while it is down (v7: an outage of any length is waited out). */
export type WaitedService = 'object storage' | 'database';

/** A batch holding for an outage: what it waits for, since when (ISO), deliveries held. */
export interface BatchOutageWait {
  service: WaitedService;
  since: string;
  held: number;
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
  /** While object storage or the database is down: the batch starts nothing and waits. */
  waiting?: BatchOutageWait;
  /** The most recent failures (capped); every failure is also in the database. */
  failures: KeptFailure[];
  runs: number;
}

/** How staff steer a running batch (signals; `zinc batch <action>`, the API). */
export const STEERING_ACTIONS = ['pause', 'resume', 'cancel'] as const;
export type SteeringAction = (typeof STEERING_ACTIONS)[number];

/** Who asked for a pause, resume or cancel (for the audit log). */
export interface SteeringRequest {
  by: string;
  /** The reason in words: only in requests to batches before v5 (or when no database is near). */
  reason?: string;
  /** v5: the ID of the reason the core stored (steering_reasons); the words stay in the database. */
  reasonId?: string;
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
  /**
   * True in what a v5 workflow returns (its history): no failures, identical groups or reason
   * words; the whole summary is the document at `summaryKey` (see expandSummary).
   */
  brief?: boolean;
}

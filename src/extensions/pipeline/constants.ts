// The pipeline extension's public constants and I/O types; no imports, so workflows may use it.

/** Task-queue suffix served by the pipeline extension's worker. */
export const PIPELINE_TASK_QUEUE = 'pipeline-default';

/**
 * Task-queue suffix of live gradings: the same activities, served by every pipeline worker with
 * its own slots (`worker.live_slots`), so batch work holding every batch slot never delays one.
 */
export const PIPELINE_LIVE_TASK_QUEUE = 'pipeline-live';

/**
 * Input of the `ExecutePipeline` activity: grade one delivery for one batch. Only IDs: the
 * activity reads where the delivery's files are from the database.
 */
export interface ExecutePipelineInput {
  batchId: string;
  /**
   * The batch's collection: the delivery must belong to it and the config be attached to it.
   * Absent in inputs recorded by batches before v3 (then the delivery's own collection).
   */
  collectionId?: string;
  deliveryId: string;
  /** Sent by batches before v3 and never read: the files' key is derived from the delivery. */
  deliveryKey?: string;
  /** The grading-config version (`cfg_...`). */
  configVersion: string;
  /**
   * Batches from v5: the outcome's pipelineError is a fixed word, not the report's text (which
   * may name a student's file); the report holds the text.
   */
  brief?: boolean;
}

/** What `ExecutePipeline` returns: small, the report itself stays in object storage. */
export interface PipelineOutcome {
  batchId: string;
  deliveryId: string;
  reportKey: string;
  score: number;
  maxScore: number;
  /** Counts by verdict, e.g. { PASSED: 3, WRONG_OUTPUT: 1 }. */
  verdicts: Record<string, number>;
  pipelineError: string | null;
  /** True when the report already existed and nothing was graded again. */
  reused: boolean;
}

/** Input of `ExecutePipelines`: several deliveries of one batch, graded in one activity attempt. */
export interface ExecutePipelinesInput {
  batchId: string;
  collectionId: string;
  deliveryIds: string[];
  configVersion: string;
  /** From v5 batches: outcomes as briefOutcome keeps them (no pipeline error's text). */
  brief?: boolean;
}

/**
 * What `ExecutePipelines` returns: an outcome for each delivery it graded (or found graded), and
 * the IDs of those it did not grade; the workflow grades each of those alone with ExecutePipeline,
 * which names its failure and has its own retries.
 */
export interface ExecutePipelinesResult {
  outcomes: PipelineOutcome[];
  notGraded: string[];
  /**
   * How many deliveries this attempt graded itself (not found already graded) and how long
   * that took (reading their files and running their pipelines): the batch sizes its next groups
   * by it (v8). Absent from workers older than it.
   */
  pace?: { graded: number; ms: number };
}

/** Input of `FindReport`: the report a batch may already have for a delivery. */
/** Input of `AwaitService`: the service a batch waits for while it is down. */
export interface AwaitServiceInput {
  service: 'object storage' | 'database';
}

export interface FindReportInput {
  batchId: string;
  deliveryId: string;
  /** Batches from v5: a pipeline error's text stays in the report (see ExecutePipelineInput). */
  brief?: boolean;
}

/** Input of `DescribeConfig`: the version to use, or the collection's newest one. */
export interface DescribeConfigInput {
  collectionId: string;
  configVersion?: string;
}

/** What a batch needs to know about a config version before it grades with it. */
export interface ConfigDescription {
  configVersion: string;
  stages: number;
  tests: number;
  /** An upper bound of one delivery's pipeline run time: every command at its wall limit. */
  worstCaseSecs: number;
}

/** Scores of a batch's reports, for its summary. */
export interface BatchScoreStats {
  reports: number;
  /** Mean and median of score / maxScore, in percent; null without reports. */
  meanPercent: number | null;
  medianPercent: number | null;
  /** Ten buckets of score percent: [0,10), [10,20), ... [90,100]. */
  histogram: number[];
}

// LiveGrading's input, answer and constants: plain data, shared with the core and the API.
import type { PipelineRetryPolicy } from './types.js';

/** The batch ID live reports are stored under (real batch IDs start with `batch-`). */
export const LIVE_BATCH_ID = 'live';
/** Task-queue priority of live gradings: lower goes first; batches keep the default (3). */
export const LIVE_PRIORITY_KEY = 1;

/** The LiveGrading workflow ID of a delivery: one live grading per delivery. */
export function liveGradingId(deliveryId: string): string {
  return `live-${deliveryId}`;
}

export interface LiveGradingInput {
  deliveryId: string;
  collectionId: string;
  /** The fully qualified pipeline task queue (the workflow reads no configuration). */
  pipelineTaskQueue: string;
  retry: PipelineRetryPolicy;
  /** Task-queue priority of its activities (LIVE_PRIORITY_KEY; the benchmark compares others). */
  priorityKey: number;
}

/** What a live grading ends with: small; the report is in the report store. */
export interface LiveGradingResult {
  deliveryId: string;
  configVersion: string;
  reportKey: string;
  verdict: string;
}

// Finding, listing and steering batches through Temporal: shared by `zinc batch ...` and the
// HTTP API, so both answer the same way.
import { BatchEndedError, BatchNotFoundError } from '../failures.js';
import {
  ServiceError,
  TerminatedFailure,
  TimeoutFailure,
  WorkflowFailedError,
  WorkflowNotFoundError,
} from '@temporalio/client';
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { ZincTemporalClient } from '../temporal/client.js';
import { cancelSignal, pauseSignal, resumeSignal } from '../workflows/grading/batch-grading.js';
import type { batchGradingWorkflow } from '../workflows/grading/batch-grading.js';
import type {
  BatchStatus,
  BatchSummary,
  SteeringAction,
  SteeringRequest,
} from '../workflows/grading/types.js';
import type { BatchHandle } from './batch-client.js';

// gRPC status codes (grpc/status.proto) of a server that could not be reached in time.
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_UNAVAILABLE = 14;

/** A Temporal call that failed because the server could not be reached (it may come back). */
function isUnavailable(err: unknown): boolean {
  const cause =
    err instanceof ServiceError ? (err.cause as { code?: number } | undefined) : undefined;
  return cause?.code === GRPC_UNAVAILABLE || cause?.code === GRPC_DEADLINE_EXCEEDED;
}

/** Whether the workflow was terminated or timed out (its summary did not travel with it). */
export function endedOutside(err: unknown): boolean {
  return (
    err instanceof WorkflowFailedError &&
    (err.cause instanceof TerminatedFailure || err.cause instanceof TimeoutFailure)
  );
}

/**
 * The batch's summary once it has ended, also when it failed (the summary travels with it).
 * A Temporal outage while waiting is waited out (`maxOutageMs`, default 10 minutes): the
 * batch goes on without us, so a watcher should not give up on it. A batch terminated or timed
 * out has no summary in Temporal: `outside` finds it (src/core/batch-reconciler.ts). A brief
 * summary (batches from v5 keep no students or reasons in Temporal) is made whole by `expand`
 * (src/core/brief-batches.ts), when given.
 */
export async function batchResult(
  handle: BatchHandle,
  maxOutageMs = 600_000,
  outside?: () => Promise<BatchSummary | null>,
  expand?: (brief: BatchSummary) => Promise<BatchSummary>,
): Promise<BatchSummary> {
  const whole = (summary: BatchSummary) => (summary.brief && expand ? expand(summary) : summary);
  let outageSince: number | undefined;
  for (;;) {
    try {
      return await whole(await handle.result());
    } catch (err) {
      if (err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure) {
        const summary = err.cause.details?.[0] as BatchSummary | undefined;
        if (summary?.batchId) return whole(summary);
      }
      if (outside && endedOutside(err)) {
        const summary = await outside();
        if (summary) return summary;
      }
      if (!isUnavailable(err)) throw err;
      outageSince ??= Date.now();
      if (Date.now() - outageSince > maxOutageMs) throw err;
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
  }
}

/** A batch as Temporal knows it: its handle, whether it runs, and its search attributes. */
export interface BatchLocation {
  handle: BatchHandle;
  running: boolean;
  collectionId: string | undefined;
  requestedBy: string | undefined;
}

function attribute(info: Pick<WorkflowExecutionInfo, 'searchAttributes'>, name: string): string {
  const value = (info.searchAttributes[name] as unknown[] | undefined)?.[0];
  return typeof value === 'string' ? value : '';
}

/** The batch with this ID; BatchNotFoundError when Temporal has no such workflow. */
export async function findBatch(
  temporal: ZincTemporalClient,
  batchId: string,
): Promise<BatchLocation> {
  const handle: BatchHandle =
    temporal.client.workflow.getHandle<typeof batchGradingWorkflow>(batchId);
  try {
    const info = await handle.describe();
    return {
      handle,
      running: info.status.name === 'RUNNING',
      collectionId: attribute(info, 'ZincCollectionId') || undefined,
      requestedBy: attribute(info, 'ZincRequestedBy') || undefined,
    };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError)
      throw new BatchNotFoundError(`batch ${batchId} does not exist`);
    throw err;
  }
}

const CLOSED_OUTSIDE: Partial<Record<string, BatchStatus>> = {
  TERMINATED: 'terminated',
  TIMED_OUT: 'timed_out',
};

/** One line of a batch listing, from Temporal's visibility store. */
export interface BatchListing {
  batchId: string;
  status: string;
  collectionId: string;
  config: string;
  requestedBy: string;
  startedAt: string;
}

/** Batches, newest first, of one collection when given (one row per batch, whatever its runs). */
export async function listBatches(
  temporal: ZincTemporalClient,
  options: { collectionId?: string | undefined } = {},
): Promise<BatchListing[]> {
  const collection = options.collectionId?.replace(/["\\]/g, '');
  const query = `WorkflowType = "batchGradingWorkflow"${collection ? ` AND ZincCollectionId = "${collection}"` : ''}`;
  const rows: BatchListing[] = [];
  const seen = new Set<string>();
  for await (const wf of temporal.client.workflow.list({ query })) {
    if (seen.has(wf.workflowId)) continue;
    seen.add(wf.workflowId);
    rows.push({
      batchId: wf.workflowId,
      // A closed workflow's search attributes cannot change: a batch terminated or timed out
      // from outside zinc keeps ZincBatchStatus "running", so its own status speaks instead.
      status:
        CLOSED_OUTSIDE[wf.status.name] ??
        (attribute(wf, 'ZincBatchStatus') || wf.status.name.toLowerCase()),
      collectionId: attribute(wf, 'ZincCollectionId'),
      config: attribute(wf, 'ZincConfigId'),
      requestedBy: attribute(wf, 'ZincRequestedBy'),
      startedAt: wf.startTime.toISOString(),
    });
  }
  return rows;
}

export { STEERING_ACTIONS, type SteeringAction } from '../workflows/grading/types.js';

const SIGNALS = { pause: pauseSignal, resume: resumeSignal, cancel: cancelSignal } as const;

/**
 * The request a steering signal carries for `by` and their `reason`: with `keep` (the core's
 * saveSteeringReason) the words go to the database and the signal, which the batch's history
 * keeps, carries only their ID; without it (no database in reach) the words themselves.
 */
export async function steeringRequest(
  by: string,
  reason: string | undefined,
  keep?: (reason: string) => Promise<string>,
): Promise<SteeringRequest> {
  if (!reason) return { by };
  return keep ? { by, reasonId: await keep(reason) } : { by, reason };
}

/**
 * Asks a running batch to pause, resume or cancel (the workflow audits it when it acts);
 * BatchNotFoundError or BatchEndedError when there is nothing to steer.
 */
export async function steerBatch(
  temporal: ZincTemporalClient,
  batchId: string,
  action: SteeringAction,
  request: SteeringRequest,
): Promise<void> {
  const { handle, running } = await findBatch(temporal, batchId);
  if (!running) throw new BatchEndedError(`batch ${batchId} has already ended`);
  await handle.signal(SIGNALS[action], request);
}

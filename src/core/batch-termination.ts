// Terminating a batch: staff of its course only (as for pause and cancel), audited whether
// accepted or refused. The workflow is asked first (the `terminate` signal: it cancels in-flight
// grading and writes its end as `terminated`, search attribute included); one that has not
// ended within a few seconds (no core worker, stuck before grading) is terminated through
// Temporal, and the core reconciles its record (src/core/batch-reconciler.ts).
import { BatchEndedError } from '../failures.js';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { ZincTemporalClient } from '../temporal/client.js';
import { terminateSignal } from '../workflows/grading/batch-grading.js';
import type { SteeringRequest } from '../workflows/grading/types.js';
import type { AccessControl } from './auth.js';
import { isBatchRefusal, type BatchRefusal } from './batch-admission.js';
import type { BatchStore } from './batch-store.js';
import { findBatch } from './batch-status.js';

/** How long the workflow has to record its termination before Temporal terminates it. */
export const TERMINATE_WAIT_MS = 10_000;

/** Who asks to terminate (or pause, resume, cancel) which batch, and why. */
export interface TerminationRequest {
  batchId: string;
  /** The batch's collection as Temporal knows it (used when the batch has no record yet). */
  collectionId?: string | undefined;
  requestedBy: string;
  /** Required to terminate; may be empty for the other steering actions. */
  reason: string;
  /** Absent: terminate. pause, resume and cancel are checked the same way (`zinc batch pause`). */
  action?: 'pause' | 'resume' | 'cancel' | 'terminate' | undefined;
}

/**
 * Checks that `request.requestedBy` may steer the batch (staff of its collection's course) and
 * writes the `batch.<action>` audit row: a termination accepted or refused; a pause, resume or
 * cancel only when refused (the workflow audits it when it acts on it). A refusal is then thrown
 * (Forbidden, CollectionNotFound).
 */
export async function checkTermination(
  deps: { access: Pick<AccessControl, 'collection'>; batches: Pick<BatchStore, 'get' | 'audit'> },
  request: TerminationRequest,
): Promise<void> {
  const record = await deps.batches.get(request.batchId);
  const collectionId = record?.collectionId ?? request.collectionId ?? '';
  let courseId: string | null = null;
  const action = request.action ?? 'terminate';
  const audit = (outcome: string, details: Record<string, unknown>) =>
    deps.batches.audit({
      actor: request.requestedBy,
      action: `batch.${action}`,
      target: request.batchId,
      outcome,
      details: { ...details, ...(request.reason !== '' ? { reason: request.reason } : {}) },
      courseId,
    });
  try {
    await deps.access.collection(request.requestedBy, collectionId, 'batch.steer', (c) => {
      courseId = c.course.id;
    });
  } catch (err) {
    if (isBatchRefusal(err)) await audit(`refused: ${err.message}`, { failure: err.name });
    throw err;
  }
  if (action === 'terminate') await audit('accepted', {});
}

/** `checkTermination` with its refusal returned rather than thrown (for the core's activity). */
export async function checkTerminationOrRefusal(
  deps: Parameters<typeof checkTermination>[0],
  request: TerminationRequest,
): Promise<{ allowed: true } | { allowed: false; refusal: BatchRefusal }> {
  try {
    await checkTermination(deps, request);
    return { allowed: true };
  } catch (err) {
    if (!isBatchRefusal(err)) throw err;
    return {
      allowed: false,
      refusal: {
        failure: err.name,
        message: err.message,
        userId: request.requestedBy,
        courseCode: null,
      },
    };
  }
}

/** How a termination went: recorded by the workflow itself, or forced through Temporal. */
export type TerminationOutcome = 'recorded' | 'forced';

/**
 * Terminates a running batch: asks the workflow, then terminates it through Temporal if it
 * has not ended within `waitMs`. BatchNotFoundError or BatchEndedError when nothing runs.
 */
export async function terminateBatch(
  temporal: ZincTemporalClient,
  batchId: string,
  request: SteeringRequest & { reason: string },
  waitMs = TERMINATE_WAIT_MS,
): Promise<TerminationOutcome> {
  const { handle, running } = await findBatch(temporal, batchId);
  if (!running) throw new BatchEndedError(`batch ${batchId} has already ended`);
  // With the words stored (reasonId), the signal leaves them out of the batch's history.
  await handle.signal(
    terminateSignal,
    request.reasonId ? { by: request.by, reasonId: request.reasonId } : request,
  );
  let timer: NodeJS.Timeout | undefined;
  // The status it ended with; undefined while it runs on, null when it failed.
  const ended = await Promise.race([
    handle.result().then(
      (summary) => summary.status,
      () => null,
    ),
    new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), waitMs))),
  ]);
  clearTimeout(timer);
  if (ended === 'terminated') return 'recorded';
  if (ended !== undefined) {
    // It was already writing another end (completed, failed) when the signal came.
    throw new BatchEndedError(
      `batch ${batchId} ended (${ended ?? 'failed'}) before it could be terminated`,
    );
  }
  try {
    await handle.terminate(
      `terminated by ${request.by}: ${request.reason} (the batch did not record it within ${Math.round(waitMs / 1000)} s)`,
    );
  } catch (err) {
    // It ended on its own between our wait and our call.
    if (err instanceof WorkflowNotFoundError) return 'recorded';
    throw err;
  }
  return 'forced';
}

// What a batch's workflow keeps from v5 is brief (IDs and codes, issue 13): these read the rest
// from the database and object storage for those who may see it (the CLI, the API, the web app).
import type { ObjectStore } from '../platform/object-store.js';
import {
  isFailureCode,
  type BatchFailure,
  type BatchSummary,
  type KeptFailure,
} from '../workflows/grading/types.js';
import type { BatchStore } from './batch-store.js';

/**
 * The failures a workflow kept, as staff read them: a FailureCode (v5) gets its student and
 * readable reason from the database; older failures are already whole.
 */
export async function failuresToShow(
  batches: Pick<BatchStore, 'failuresOf'>,
  batchId: string,
  kept: readonly KeptFailure[],
): Promise<BatchFailure[]> {
  const codes = kept.filter(isFailureCode).map((f) => f.deliveryId);
  const known = new Map(
    (await batches.failuresOf(batchId, codes)).map((f) => [f.deliveryId, f] as const),
  );
  return kept.flatMap((f) => {
    if (!isFailureCode(f))
      return [{ deliveryId: f.deliveryId, userId: f.userId, reason: f.reason }];
    const whole = known.get(f.deliveryId);
    return whole ? [whole] : [];
  });
}

/**
 * The whole summary of a brief one (what a v5 workflow returns): its stored document; a summary
 * that is not brief, or whose document cannot be read, is returned as it is.
 */
export async function expandSummary(
  objects: Pick<ObjectStore, 'get'>,
  summary: BatchSummary,
): Promise<BatchSummary> {
  if (!summary.brief || !summary.summaryKey) return summary;
  try {
    return JSON.parse((await objects.get(summary.summaryKey)).toString('utf8')) as BatchSummary;
  } catch {
    return summary;
  }
}

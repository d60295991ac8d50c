// The upload quota of one student in one collection (submission.limits.max_deliveries_per_student
// and max_mb_per_student): a delivery past it is refused with the quota's name, before anything
// is stored. Staff deliveries (tests) have no quota; the same delivery handed in again (an import
// run twice) is not a new one and passes. The last check runs under a lock per (collection,
// student) in the transaction that records the delivery, so concurrent uploads cannot both slip
// past the quota, from any number of processes.
import { DeliveryQuotaExceededError } from '../../failures.js';
import type { Queryable } from '../../platform/database.js';
import type { DeliveryLimits } from './delivery-files.js';

const MiB = 1024 * 1024;

/** The delivery about to be recorded. */
export interface QuotaCandidate {
  collectionId: string;
  collectionName: string;
  userId: string;
  submittedAt: Date;
  sha256: string;
  totalSize: number;
}

/** Whether `limits` set any quota. */
export function hasQuota(limits: DeliveryLimits): boolean {
  return (limits.maxDeliveriesPerStudent ?? 0) > 0 || (limits.maxBytesPerStudent ?? 0) > 0;
}

/** Takes the (collection, student) lock for the rest of the transaction `tx`. */
export async function lockQuota(tx: Queryable, collectionId: string, userId: string) {
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`quota/${collectionId}/${userId}`]);
}

/** Throws DeliveryQuotaExceededError when `candidate` would pass the student's quota. */
export async function checkQuota(
  db: Queryable,
  limits: DeliveryLimits,
  candidate: QuotaCandidate,
): Promise<void> {
  if (!hasQuota(limits)) return;
  const { rows } = await db.query<{ n: number | string; bytes: number | string; same: boolean }>(
    `SELECT count(*) AS n, coalesce(sum(total_size), 0) AS bytes,
            coalesce(bool_or(submitted_at = $3 AND sha256 = $4), false) AS same
       FROM deliveries WHERE collection_id = $1 AND user_id = $2 AND NOT is_test`,
    [candidate.collectionId, candidate.userId, candidate.submittedAt, candidate.sha256],
  );
  const usage = rows[0]!;
  if (usage.same) return; // already there: recording it again adds nothing
  const count = Number(usage.n);
  const bytes = Number(usage.bytes);
  const where = `collection ${candidate.collectionName}`;
  const maxCount = limits.maxDeliveriesPerStudent ?? 0;
  if (maxCount > 0 && count >= maxCount) {
    throw new DeliveryQuotaExceededError(
      `${candidate.userId} has made ${count} deliveries to ${where}, the most one student may make (quota submission.limits.max_deliveries_per_student = ${maxCount}); nothing was stored`,
    );
  }
  const maxBytes = limits.maxBytesPerStudent ?? 0;
  if (maxBytes > 0 && bytes + candidate.totalSize > maxBytes) {
    throw new DeliveryQuotaExceededError(
      `${candidate.userId}'s deliveries to ${where} would add up to ${((bytes + candidate.totalSize) / MiB).toFixed(2)} MiB, over the quota of ${(maxBytes / MiB).toFixed(2)} MiB per student (submission.limits.max_mb_per_student); nothing was stored`,
    );
  }
}

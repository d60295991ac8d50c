// Releasing grades: staff of a course release a completed batch of one of its collections
// (`zinc batch release`, POST /api/batches/:id/release), audited whether accepted or refused.
// One batch per collection is released at a time, whatever its config: releasing another batch
// of the collection supersedes the release before it (releasing an older batch again goes back
// to it). Students then read one released report of theirs per collection: their row of the
// released gradebook (the released batch and the completed batches before it, the latest
// graded result winning), with VISIBLE_AFTER_GRADING tests shown. Before any release they see
// no batch's grades.
import { BatchNotFoundError, ConflictError, ReportNotFoundError } from '../failures.js';
import type { ReportStore } from '../extensions/pipeline/index.js';
import type { SubmissionStore } from '../extensions/submission/index.js';
import type { AccessControl } from './auth.js';
import { isBatchRefusal } from './batch-admission.js';
import { auditOn, type AuditEntry, type BatchStore } from './batch-store.js';
import type { GradeRelease, ReleaseDone, ReleaseStore } from './release-store.js';

/** Who releases which batch. */
export interface ReleaseRequest {
  batchId: string;
  requestedBy: string;
}

/** A release done (or found already done). */
export interface ReleaseOutcome extends ReleaseDone {
  batchId: string;
  collectionId: string;
}

export interface ReleaseDeps {
  access: Pick<AccessControl, 'collection'>;
  batches: Pick<BatchStore, 'get' | 'audit'>;
  releases: Pick<ReleaseStore, 'release'>;
}

/**
 * Releases a completed batch's grades to its collection's students, superseding the
 * collection's earlier release. Refusals (BatchNotFound, CollectionNotFound, Forbidden, and
 * Conflict for a batch that has not completed) change nothing but the `batch.release` audit row.
 */
export async function releaseBatch(
  deps: ReleaseDeps,
  request: ReleaseRequest,
): Promise<ReleaseOutcome> {
  const { batchId, requestedBy } = request;
  const record = await deps.batches.get(batchId);
  let courseId: string | null = null;
  const entry = (outcome: string, details: Record<string, unknown>): AuditEntry => ({
    actor: requestedBy,
    action: 'batch.release',
    target: batchId,
    outcome,
    details,
    courseId,
    collectionId: record?.collectionId ?? null,
  });
  try {
    if (!record) throw new BatchNotFoundError(`batch ${batchId} does not exist`);
    await deps.access.collection(requestedBy, record.collectionId, 'batch.release', (c) => {
      courseId = c.course.id;
    });
    if (record.status !== 'completed') {
      throw new ConflictError(
        `batch ${batchId} is ${record.status}; only a completed batch's grades can be released`,
      );
    }
  } catch (err) {
    if (isBatchRefusal(err)) {
      await deps.batches.audit(entry(`refused: ${err.message}`, { failure: err.name }));
    }
    throw err;
  }
  // The release and its audit row are written in one transaction: both or neither.
  const done = await deps.releases.release(record.collectionId, batchId, requestedBy, (tx, r) =>
    auditOn(
      tx,
      entry(r.already ? 'already released' : 'released', {
        supersedes: r.superseded?.batchId ?? null,
      }),
    ),
  );
  return { batchId, collectionId: record.collectionId, ...done };
}

/** Where a student's released report is found. */
export interface ReleasedReportDeps {
  releases: Pick<ReleaseStore, 'current' | 'visibleBatches'>;
  reports: Pick<ReportStore, 'get'>;
  submissions: Pick<SubmissionStore, 'listDeliveries'>;
}

/** The report a student sees of a collection once its grades are released. */
export interface ReleasedReport {
  release: GradeRelease;
  batchId: string;
  deliveryId: string;
  /** The student's latest delivery (a later one than the graded delivery when it differs). */
  latestDeliveryId: string;
}

/**
 * The released report of `userId` in the collection: of the newest released batch (the
 * released one, then the completed ones before it) that graded one of their deliveries, the
 * newest such delivery. ReportNotFoundError saying why when there is none: nothing released
 * yet, no delivery, or no released batch graded theirs.
 */
export async function releasedReportOf(
  deps: ReleasedReportDeps,
  collectionId: string,
  userId: string,
): Promise<ReleasedReport> {
  const release = await deps.releases.current(collectionId);
  if (!release) {
    throw new ReportNotFoundError(
      `the grades of collection ${collectionId} are not released yet; staff release them with zinc batch release`,
    );
  }
  const all = (await deps.submissions.listDeliveries(collectionId, { includeTest: true })) ?? [];
  const mine = all.filter((d) => d.userId === userId); // newest first
  if (mine.length === 0) {
    throw new ReportNotFoundError(`${userId} has no delivery in collection ${collectionId}`);
  }
  for (const batchId of await deps.releases.visibleBatches(collectionId)) {
    for (const delivery of mine) {
      if (await deps.reports.get(batchId, delivery.id)) {
        return { release, batchId, deliveryId: delivery.id, latestDeliveryId: mine[0]!.id };
      }
    }
  }
  throw new ReportNotFoundError(
    `the released grades of collection ${collectionId} (batch ${release.batchId}) have no graded delivery of ${userId}`,
  );
}

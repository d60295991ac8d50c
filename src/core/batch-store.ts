// Batch records, the deliveries each batch could not grade, and the audit log (each row with
// the course or collection it concerns, so staff can read their own courses' rows).
import type { Queryable } from '../platform/database.js';
import { newId } from '../platform/ids.js';
import type { BatchCounters, BatchFailure, BatchStatus } from '../workflows/grading/types.js';

export interface BatchRecord extends BatchCounters {
  id: string;
  collectionId: string;
  configVersion: string | null;
  requestedBy: string;
  status: BatchStatus;
  sourceBatchId: string | null;
  concurrency: number;
  includeTest: boolean;
  summaryKey: string | null;
  failureReason: string | null;
  startedAt: string;
  finishedAt: string | null;
  updatedAt: string;
}

export interface AuditEntry {
  actor: string;
  action: string;
  target: string;
  outcome: string;
  details?: Record<string, unknown>;
  /** The course the row concerns, when known (staff of it may read the row). */
  courseId?: string | null;
  /** The collection the row concerns; absent, a batch target's collection is filled in. */
  collectionId?: string | null;
}

/** An audit row as stored. */
export interface AuditRow extends AuditEntry {
  id: number;
  at: string;
  details: Record<string, unknown>;
  courseId: string | null;
  collectionId: string | null;
}

/** Which audit rows to read: since a time, after a row ID, of some courses or collections. */
export interface AuditFilter {
  since?: string | undefined;
  afterId?: number | undefined;
  /** With `courseIds`: only rows of these collections or courses (both absent: every row). */
  collectionIds?: readonly string[] | undefined;
  courseIds?: readonly string[] | undefined;
  limit?: number | undefined;
}

interface BatchRow {
  id: string;
  collection_id: string;
  config_version: string | null;
  requested_by: string;
  status: BatchStatus;
  source_batch_id: string | null;
  concurrency: number;
  include_test: boolean;
  total: number;
  done: number;
  errored: number;
  counts: Record<string, number>;
  summary_key: string | null;
  failure_reason: string | null;
  started_at: Date | string;
  finished_at: Date | string | null;
  updated_at: Date | string;
}

const iso = (v: Date | string): string => new Date(v).toISOString();

const toRecord = (r: BatchRow): BatchRecord => ({
  id: r.id,
  collectionId: r.collection_id,
  configVersion: r.config_version,
  requestedBy: r.requested_by,
  status: r.status,
  sourceBatchId: r.source_batch_id,
  concurrency: r.concurrency,
  includeTest: r.include_test,
  total: r.total,
  done: r.done,
  errored: r.errored,
  counts: r.counts,
  summaryKey: r.summary_key,
  failureReason: r.failure_reason,
  startedAt: iso(r.started_at),
  finishedAt: r.finished_at === null ? null : iso(r.finished_at),
  updatedAt: iso(r.updated_at),
});

/**
 * Appends one row to the audit log on `q` (the database, or a transaction whose change the row
 * records, so that both are written or neither); a batch target gives the row its collection.
 */
export async function auditOn(q: Queryable, entry: AuditEntry): Promise<void> {
  // Text from requests may hold NUL, which PostgreSQL cannot store (not even in jsonb).
  const clean = (text: string): string => text.replaceAll('\u0000', '\ufffd');
  const details = JSON.stringify(entry.details ?? {}).replace(/\\u0000/g, '\\ufffd');
  await q.query(
    `INSERT INTO audit_log (actor, action, target, outcome, details, course_id, collection_id)
     VALUES ($1, $2, $3, $4, $5, $6,
             coalesce($7, (SELECT collection_id FROM batches WHERE id = $3)))`,
    [
      clean(entry.actor),
      clean(entry.action),
      clean(entry.target),
      clean(entry.outcome),
      details,
      entry.courseId ?? null,
      entry.collectionId ?? null,
    ],
  );
}

/** The core's batch store over a database. */
export function createBatchStore(db: Queryable) {
  const get = async (id: string): Promise<BatchRecord | null> => {
    const { rows } = await db.query<BatchRow>('SELECT * FROM batches WHERE id = $1', [id]);
    return rows[0] ? toRecord(rows[0]) : null;
  };
  return {
    get,

    /** Records a batch's start; a retry of the same call changes nothing. */
    async recordStart(input: {
      id: string;
      collectionId: string;
      configVersion: string | null;
      requestedBy: string;
      sourceBatchId: string | null;
      concurrency: number;
      includeTest: boolean;
      total: number;
      startedAt: string;
    }): Promise<void> {
      await db.query(
        `INSERT INTO batches (id, collection_id, config_version, requested_by, status, source_batch_id,
                              concurrency, include_test, total, started_at)
         VALUES ($1, $2, $3, $4, 'running', $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING`,
        [
          input.id,
          input.collectionId,
          input.configVersion,
          input.requestedBy,
          input.sourceBatchId,
          input.concurrency,
          input.includeTest,
          input.total,
          input.startedAt,
        ],
      );
    },

    /** Stores the batch's status and counters as they are now. */
    async recordProgress(id: string, status: BatchStatus, counters: BatchCounters): Promise<void> {
      await db.query(
        `UPDATE batches SET status = $2, total = $3, done = $4, errored = $5, counts = $6,
                updated_at = now() WHERE id = $1`,
        [
          id,
          status,
          counters.total,
          counters.done,
          counters.errored,
          JSON.stringify(counters.counts),
        ],
      );
    },

    /** Records the end of a batch. */
    async recordFinish(
      id: string,
      status: BatchStatus,
      counters: BatchCounters,
      summaryKey: string,
      reason: string | null,
    ): Promise<BatchRecord> {
      await db.query(
        `UPDATE batches SET status = $2, total = $3, done = $4, errored = $5, counts = $6,
                summary_key = $7, failure_reason = $8, finished_at = coalesce(finished_at, now()),
                updated_at = now() WHERE id = $1`,
        [
          id,
          status,
          counters.total,
          counters.done,
          counters.errored,
          JSON.stringify(counters.counts),
          summaryKey,
          reason,
        ],
      );
      return (await get(id))!;
    },

    /** Remembers a delivery the batch could not grade (for `regrade-failed`). */
    async recordFailure(
      batchId: string,
      failure: BatchFailure & { deliveryKey: string },
    ): Promise<void> {
      await db.query(
        `INSERT INTO batch_failures (batch_id, delivery_id, delivery_key, user_id, reason)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (batch_id, delivery_id) DO UPDATE SET reason = excluded.reason`,
        [batchId, failure.deliveryId, failure.deliveryKey, failure.userId, failure.reason],
      );
    },

    /** A page of a batch's failures, by delivery ID after `after`. */
    async listFailures(
      batchId: string,
      after: string | null,
      limit: number,
    ): Promise<Array<BatchFailure & { deliveryKey: string }>> {
      const { rows } = await db.query<{
        delivery_id: string;
        delivery_key: string;
        user_id: string;
        reason: string;
      }>(
        `SELECT delivery_id, delivery_key, user_id, reason FROM batch_failures
          WHERE batch_id = $1 AND delivery_id > $2 ORDER BY delivery_id LIMIT $3`,
        [batchId, after ?? '', limit],
      );
      return rows.map((r) => ({
        deliveryId: r.delivery_id,
        deliveryKey: r.delivery_key,
        userId: r.user_id,
        reason: r.reason,
      }));
    },

    /** The failures of these deliveries of a batch (the few a workflow keeps), by delivery ID. */
    async failuresOf(batchId: string, deliveryIds: readonly string[]): Promise<BatchFailure[]> {
      if (deliveryIds.length === 0) return [];
      const { rows } = await db.query<{ delivery_id: string; user_id: string; reason: string }>(
        `SELECT delivery_id, user_id, reason FROM batch_failures
          WHERE batch_id = $1 AND delivery_id = ANY($2::text[]) ORDER BY delivery_id`,
        [batchId, deliveryIds],
      );
      return rows.map((r) => ({ deliveryId: r.delivery_id, userId: r.user_id, reason: r.reason }));
    },

    /**
     * Keeps why `actor` steers a batch, in their words, and returns the row's ID: what the
     * batch's signal carries instead of the words (v5).
     */
    async saveSteeringReason(batchId: string, actor: string, reason: string): Promise<string> {
      const id = newId('why');
      await db.query(
        'INSERT INTO steering_reasons (id, batch_id, actor, reason) VALUES ($1, $2, $3, $4)',
        [id, batchId, actor, reason.replaceAll('\u0000', '\ufffd')],
      );
      return id;
    },

    /** The words of a steering reason kept by saveSteeringReason; null when unknown. */
    async steeringReason(id: string): Promise<string | null> {
      const { rows } = await db.query<{ reason: string }>(
        'SELECT reason FROM steering_reasons WHERE id = $1',
        [id],
      );
      return rows[0]?.reason ?? null;
    },

    /** How many deliveries the batch could not grade. */
    async countFailures(batchId: string): Promise<number> {
      const { rows } = await db.query<{ n: number | string }>(
        'SELECT count(*) AS n FROM batch_failures WHERE batch_id = $1',
        [batchId],
      );
      return Number(rows[0]?.n ?? 0);
    },

    /** Batches, newest first; of one collection when given. */
    async list(collectionId?: string): Promise<BatchRecord[]> {
      const { rows } = collectionId
        ? await db.query<BatchRow>(
            'SELECT * FROM batches WHERE collection_id = $1 ORDER BY started_at DESC, id',
            [collectionId],
          )
        : await db.query<BatchRow>('SELECT * FROM batches ORDER BY started_at DESC, id');
      return rows.map(toRecord);
    },

    /** Batches whose record says they run (running or paused), oldest first. */
    async listUnfinished(): Promise<BatchRecord[]> {
      const { rows } = await db.query<BatchRow>(
        "SELECT * FROM batches WHERE status IN ('running', 'paused') ORDER BY started_at, id",
      );
      return rows.map(toRecord);
    },

    /** How many batches have `status` now (the running-batches gauge reads it at each scrape). */
    async countWithStatus(status: BatchStatus): Promise<number> {
      const { rows } = await db.query<{ n: number | string }>(
        'SELECT count(*) AS n FROM batches WHERE status = $1',
        [status],
      );
      return Number(rows[0]?.n ?? 0);
    },

    /** Whether `target` already has an audit row for `action` (retried activities check it). */
    async hasAudit(target: string, action: string): Promise<boolean> {
      const { rows } = await db.query<{ found: boolean }>(
        'SELECT EXISTS (SELECT 1 FROM audit_log WHERE target = $1 AND action = $2) AS found',
        [target, action],
      );
      return rows[0]?.found === true;
    },

    /** Appends one row to the audit log; a batch target gives the row its collection. */
    audit: (entry: AuditEntry): Promise<void> => auditOn(db, entry),

    /** Audit rows since a time (and after a row ID), oldest first; of some courses if asked. */
    async listAudit(filter: AuditFilter = {}): Promise<AuditRow[]> {
      const params: unknown[] = [filter.since ?? '1970-01-01T00:00:00Z', filter.afterId ?? 0];
      let scope = '';
      if (filter.collectionIds !== undefined || filter.courseIds !== undefined) {
        params.push([...(filter.collectionIds ?? [])], [...(filter.courseIds ?? [])]);
        scope = 'AND (collection_id = ANY($3::text[]) OR course_id = ANY($4::text[]))';
      }
      params.push(filter.limit ?? 1_000_000);
      const { rows } = await db.query<{
        id: number | string;
        at: Date | string;
        actor: string;
        action: string;
        target: string;
        outcome: string;
        details: Record<string, unknown>;
        course_id: string | null;
        collection_id: string | null;
      }>(
        `SELECT * FROM audit_log WHERE at >= $1 AND id > $2 ${scope} ORDER BY id LIMIT $${params.length}`,
        params,
      );
      return rows.map((r) => ({
        id: Number(r.id),
        at: iso(r.at),
        actor: r.actor,
        action: r.action,
        target: r.target,
        outcome: r.outcome,
        details: r.details,
        courseId: r.course_id,
        collectionId: r.collection_id,
      }));
    },

    /** How many audit rows there are (tests and checks compare it before and after). */
    async countAudit(): Promise<number> {
      const { rows } = await db.query<{ n: number | string }>(
        'SELECT count(*) AS n FROM audit_log',
      );
      return Number(rows[0]?.n ?? 0);
    },
  };
}

export type BatchStore = ReturnType<typeof createBatchStore>;

// Running slots of batches: at most `maxRunning` batches run at once, and at most
// `maxRunningPerCourse` of one course; the others wait, queued, in request order. The queue is a
// table, and every claim or release takes the table's lock, so several core processes grant
// slots one at a time and never more than the limits allow. A batch whose record says it has
// ended (finished, or reconciled after a termination from outside zinc) gives its slot back even
// if its workflow never released it, so a lost batch cannot hold the queue forever.
import type { Database, Queryable } from '../platform/database.js';
import type { BatchSlotLimits } from '../workflows/grading/types.js';

/** What a claim answers: whether the batch may run, its place in the queue, and who else may. */
export interface SlotClaim {
  running: boolean;
  /** While queued: 1 when no queued batch is ahead of it; null once running. */
  position: number | null;
  /** Other batches granted a slot by this call (the caller wakes them). */
  granted: string[];
}

interface SlotRow {
  batch_id: string;
  course_id: string;
  state: 'queued' | 'running';
}

/** Gives back the slots of batches whose record has ended. */
async function releaseEnded(tx: Queryable): Promise<void> {
  await tx.query(
    `UPDATE batch_slots s SET state = 'released', released_at = now()
       FROM batches b
      WHERE b.id = s.batch_id AND s.state <> 'released'
        AND (b.finished_at IS NOT NULL OR b.status IN ('completed', 'cancelled', 'failed', 'terminated'))`,
  );
}

/**
 * Grants slots in queue order while the limits allow: the overall limit stops the walk (no later
 * batch may pass), a full course only skips that course's batches (another course's may run).
 */
async function grantInOrder(tx: Queryable, limits: BatchSlotLimits): Promise<string[]> {
  const { rows } = await tx.query<SlotRow>(
    `SELECT batch_id, course_id, state FROM batch_slots
      WHERE state <> 'released' ORDER BY requested_at, seq`,
  );
  let running = 0;
  const perCourse = new Map<string, number>();
  for (const r of rows) {
    if (r.state !== 'running') continue;
    running += 1;
    perCourse.set(r.course_id, (perCourse.get(r.course_id) ?? 0) + 1);
  }
  const granted: string[] = [];
  for (const r of rows) {
    if (r.state !== 'queued') continue;
    if (running >= limits.maxRunning) break;
    const inCourse = perCourse.get(r.course_id) ?? 0;
    if (inCourse >= limits.maxRunningPerCourse) continue;
    running += 1;
    perCourse.set(r.course_id, inCourse + 1);
    granted.push(r.batch_id);
  }
  if (granted.length > 0) {
    await tx.query(
      `UPDATE batch_slots SET state = 'running', granted_at = now()
        WHERE batch_id = ANY($1::text[])`,
      [granted],
    );
  }
  return granted;
}

/**
 * Serialises every claim and release over all processes sharing the database; first gives back
 * the slots of batches that have ended (`ended`: those Temporal no longer runs).
 */
async function locked<T>(
  db: Database,
  ended: readonly string[],
  fn: (tx: Queryable) => Promise<T>,
): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.query('LOCK TABLE batch_slots IN SHARE ROW EXCLUSIVE MODE');
    await releaseEnded(tx);
    if (ended.length > 0) {
      await tx.query(
        `UPDATE batch_slots SET state = 'released', released_at = now()
          WHERE batch_id = ANY($1::text[]) AND state <> 'released'`,
        [[...ended]],
      );
    }
    return fn(tx);
  });
}

/** The batch slot queue over the core's database. */
export function createBatchSlots(db: Database) {
  return {
    /** Enters the queue (once) and grants what the limits allow; says whether `batchId` runs. */
    async claim(input: {
      batchId: string;
      courseId: string;
      requestedAt: string;
      limits: BatchSlotLimits;
      /** Batches in the queue whose workflows have ended (terminated, timed out). */
      ended?: readonly string[];
    }): Promise<SlotClaim> {
      return locked(db, input.ended ?? [], async (tx) => {
        await tx.query(
          `INSERT INTO batch_slots (batch_id, course_id, requested_at) VALUES ($1, $2, $3)
           ON CONFLICT (batch_id) DO NOTHING`,
          [input.batchId, input.courseId, input.requestedAt],
        );
        const granted = await grantInOrder(tx, input.limits);
        const { rows } = await tx.query<{ state: string; ahead: number | string }>(
          `SELECT s.state,
                  (SELECT count(*) FROM batch_slots q
                    WHERE q.state = 'queued'
                      AND (q.requested_at, q.seq) < (s.requested_at, s.seq)) AS ahead
             FROM batch_slots s WHERE s.batch_id = $1`,
          [input.batchId],
        );
        const row = rows[0];
        // Released already (a retried claim of a batch that has ended): it may go on to its end.
        const queued = row?.state === 'queued';
        return {
          running: !queued,
          position: queued ? Number(row.ahead) + 1 : null,
          granted: granted.filter((id) => id !== input.batchId),
        };
      });
    },

    /** Gives the batch's slot back (idempotent) and grants the next ones; returns those. */
    async release(input: {
      batchId: string;
      limits: BatchSlotLimits;
      ended?: readonly string[];
    }): Promise<string[]> {
      return locked(db, input.ended ?? [], async (tx) => {
        await tx.query(
          `UPDATE batch_slots SET state = 'released', released_at = now()
            WHERE batch_id = $1 AND state <> 'released'`,
          [input.batchId],
        );
        return grantInOrder(tx, input.limits);
      });
    },

    /** The batches queued or holding a slot. */
    async open(): Promise<string[]> {
      const { rows } = await db.query<{ batch_id: string }>(
        `SELECT batch_id FROM batch_slots WHERE state <> 'released' ORDER BY requested_at, seq`,
      );
      return rows.map((r) => r.batch_id);
    },

    /** Batches holding a slot and batches queued, for operators and tests. */
    async counts(): Promise<{ running: number; queued: number }> {
      const { rows } = await db.query<{ state: string; n: number | string }>(
        `SELECT state, count(*) AS n FROM batch_slots WHERE state <> 'released' GROUP BY state`,
      );
      const of = (state: string) => Number(rows.find((r) => r.state === state)?.n ?? 0);
      return { running: of('running'), queued: of('queued') };
    },
  };
}

export type BatchSlots = ReturnType<typeof createBatchSlots>;

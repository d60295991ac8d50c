// Grade releases as stored (migration 0005): which batch of a collection staff released to its
// students, by whom and when, and which releases a later one superseded. One is current per
// collection; the rest is history.
import type { Database, Queryable } from '../platform/database.js';

/** One release of a batch's grades. */
export interface GradeRelease {
  collectionId: string;
  batchId: string;
  releasedBy: string;
  releasedAt: string;
  /** When a later release of the collection replaced this one; null while it is current. */
  supersededAt: string | null;
  /** The batch whose release replaced this one. */
  supersededBy: string | null;
}

/** What a batch's grades are to students: released now, released once and since replaced, or never. */
export type ReleaseState = 'released' | 'superseded' | null;

interface ReleaseRow {
  collection_id: string;
  batch_id: string;
  released_by: string;
  released_at: Date | string;
  superseded_at: Date | string | null;
  superseded_by: string | null;
}

const iso = (v: Date | string): string => new Date(v).toISOString();

const toRelease = (r: ReleaseRow): GradeRelease => ({
  collectionId: r.collection_id,
  batchId: r.batch_id,
  releasedBy: r.released_by,
  releasedAt: iso(r.released_at),
  supersededAt: r.superseded_at === null ? null : iso(r.superseded_at),
  supersededBy: r.superseded_by,
});

/** What a release did: the release now current, the one it replaced, or nothing (`already`). */
export interface ReleaseDone {
  release: GradeRelease;
  superseded: GradeRelease | null;
  /** The batch was already the collection's released batch. */
  already: boolean;
}

const COLUMNS = 'collection_id, batch_id, released_by, released_at, superseded_at, superseded_by';

/** The core's grade releases over a database. */
export function createReleaseStore(db: Pick<Database, 'query' | 'transaction'>) {
  const currentOn = async (q: Queryable, collectionId: string, lock = false) => {
    const { rows } = await q.query<ReleaseRow>(
      `SELECT ${COLUMNS} FROM grade_releases WHERE collection_id = $1 AND superseded_at IS NULL
       ${lock ? 'FOR UPDATE' : ''}`,
      [collectionId],
    );
    return rows[0] ? toRelease(rows[0]) : null;
  };
  /** The release itself, on a transaction: supersedes the current one unless it is this batch. */
  const releaseOn = async (
    tx: Queryable,
    collectionId: string,
    batchId: string,
    by: string,
  ): Promise<ReleaseDone> => {
    const current = await currentOn(tx, collectionId, true);
    if (current?.batchId === batchId) {
      return { release: current, superseded: null, already: true };
    }
    if (current) {
      await tx.query(
        `UPDATE grade_releases SET superseded_at = now(), superseded_by = $2
          WHERE collection_id = $1 AND superseded_at IS NULL`,
        [collectionId, batchId],
      );
    }
    const { rows } = await tx.query<ReleaseRow>(
      `INSERT INTO grade_releases (collection_id, batch_id, released_by)
       VALUES ($1, $2, $3) RETURNING ${COLUMNS}`,
      [collectionId, batchId, by],
    );
    const superseded = current
      ? { ...current, supersededAt: iso(rows[0]!.released_at), supersededBy: batchId }
      : null;
    return { release: toRelease(rows[0]!), superseded, already: false };
  };
  return {
    /** The collection's current release, or null when none of its batches is released. */
    current: (collectionId: string) => currentOn(db, collectionId),

    /**
     * Makes `batchId` the collection's released batch, superseding the current release (in one
     * transaction, with what `record` writes of it on the same transaction: the audit row).
     * Releasing the batch that is already current changes nothing (`already`).
     */
    async release(
      collectionId: string,
      batchId: string,
      by: string,
      record: (tx: Queryable, done: ReleaseDone) => Promise<void> = async () => {},
    ): Promise<ReleaseDone> {
      return db.transaction(async (tx) => {
        const done = await releaseOn(tx, collectionId, batchId, by);
        await record(tx, done);
        return done;
      });
    },

    /** Each batch's release state (batches never released are left out). */
    async statesOf(batchIds: readonly string[]): Promise<Map<string, ReleaseState>> {
      if (batchIds.length === 0) return new Map();
      const { rows } = await db.query<{ batch_id: string; current: boolean }>(
        `SELECT batch_id, bool_or(superseded_at IS NULL) AS current FROM grade_releases
          WHERE batch_id = ANY($1::text[]) GROUP BY batch_id`,
        [[...batchIds]],
      );
      return new Map(rows.map((r) => [r.batch_id, r.current ? 'released' : 'superseded']));
    },

    /** The release rows of one batch, newest first (its history). */
    async ofBatch(batchId: string): Promise<GradeRelease[]> {
      const { rows } = await db.query<ReleaseRow>(
        `SELECT ${COLUMNS} FROM grade_releases WHERE batch_id = $1 ORDER BY released_at DESC, id DESC`,
        [batchId],
      );
      return rows.map(toRelease);
    },

    /**
     * The batches whose rows students see, newest first: the released batch and the completed
     * batches of its collection started before it (a later batch's rows win, as in a gradebook).
     */
    async visibleBatches(collectionId: string): Promise<string[]> {
      const { rows } = await db.query<{ id: string }>(
        `SELECT b.id FROM batches b
           JOIN grade_releases r ON r.collection_id = b.collection_id AND r.superseded_at IS NULL
           JOIN batches rb ON rb.id = r.batch_id
          WHERE b.collection_id = $1
            AND (b.id = rb.id OR (b.status = 'completed' AND b.started_at < rb.started_at))
          ORDER BY b.started_at DESC, b.id DESC`,
        [collectionId],
      );
      return rows.map((r) => r.id);
    },
  };
}

export type ReleaseStore = ReturnType<typeof createReleaseStore>;

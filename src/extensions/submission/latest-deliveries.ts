// Pages of a collection's latest deliveries (one per user), in user-ID order, for batches of
// up to 100,000 deliveries: keyset pagination on the user ID, one indexed query per page.
import { InvalidSubmissionInputError } from '../../failures.js';
import type { Queryable } from '../../platform/database.js';
import { MAX_LATEST_DELIVERIES_PAGE_SIZE } from './constants.js';
import type { LatestDeliveriesPage } from './constants.js';
import { collectionExists } from './store-deliveries.js';
import { LATEST_DELIVERY_COLUMNS, toLatestDelivery } from './store-rows.js';
import type { LatestDeliveryRow } from './store-rows.js';

export interface LatestDeliveriesOptions {
  /** From the previous page's `nextCursor`; absent for the first page. */
  after?: string | undefined;
  /** 1 to 1000; default 1000. */
  limit?: number | undefined;
  /** Include staff test deliveries (default false). */
  includeTest?: boolean | undefined;
  /** Make `nextCursor` name the page's last delivery (d1:) rather than its last student (u1:). */
  deliveryCursor?: boolean | undefined;
}

// `u1:` cursors name the page's last student (pages before v5, still accepted); `d1:` cursors
// name its last delivery, so no student ID travels in a batch's history.
const CURSOR_PREFIX = 'u1:';
const DELIVERY_CURSOR_PREFIX = 'd1:';

const LATEST_DELIVERY_COLUMNS_OF_D = LATEST_DELIVERY_COLUMNS.split(', ')
  .map((column) => `d.${column}`)
  .join(', ');

/** The opaque cursor that resumes after `userId`. */
export function encodeCursor(userId: string): string {
  return Buffer.from(CURSOR_PREFIX + userId, 'utf8').toString('base64url');
}

/** The opaque cursor that resumes after the student of delivery `deliveryId`. */
export function encodeDeliveryCursor(deliveryId: string): string {
  return Buffer.from(DELIVERY_CURSOR_PREFIX + deliveryId, 'utf8').toString('base64url');
}

/** What a cursor names; InvalidSubmissionInputError for anything not made by an encoder here. */
export function decodeCursor(cursor: string): { userId: string } | { deliveryId: string } {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (text.startsWith(CURSOR_PREFIX)) {
    const userId = text.slice(CURSOR_PREFIX.length);
    if (encodeCursor(userId) === cursor) return { userId };
  }
  if (text.startsWith(DELIVERY_CURSOR_PREFIX)) {
    const deliveryId = text.slice(DELIVERY_CURSOR_PREFIX.length);
    if (deliveryId !== '' && encodeDeliveryCursor(deliveryId) === cursor) return { deliveryId };
  }
  throw new InvalidSubmissionInputError(
    `cursor ${JSON.stringify(cursor.slice(0, 80))} is not one returned by a page of latest deliveries`,
  );
}

/** The student a cursor resumes after: its own, or that of the delivery it names. */
async function cursorUser(db: Queryable, collectionId: string, cursor: string): Promise<string> {
  const named = decodeCursor(cursor);
  if ('userId' in named) return named.userId;
  const { rows } = await db.query<{ user_id: string }>(
    'SELECT user_id FROM deliveries WHERE id = $1 AND collection_id = $2',
    [named.deliveryId, collectionId],
  );
  if (!rows[0]) {
    throw new InvalidSubmissionInputError(
      `cursor ${JSON.stringify(cursor.slice(0, 80))} names no delivery of collection ${collectionId}`,
    );
  }
  return rows[0].user_id;
}

// A skip scan over the (collection, user, submitted_at DESC, id DESC) index, written as a
// recursive query: each step descends the index once to the first row after the previous
// user, which is the next user's latest delivery (ties on submitted_at go to the greatest ID).
// A page costs limit + 1 index descents, however many deliveries each user has, and needs no
// table statistics: PGlite runs no autovacuum, and right after an import PostgreSQL may not
// have analyzed yet, when a DISTINCT ON form would sort the rest of the collection per page.
// The inner LIMIT stops the recursion; the outer ORDER BY sorts just the page.
/** The SQL of one page ($1 collection, $2 the user ID to start after, $3 how many rows). */
export function latestDeliveriesPageSql(includeTest: boolean): string {
  const filter = includeTest ? '' : 'AND NOT d.is_test';
  const next = (after: string) =>
    `SELECT ${LATEST_DELIVERY_COLUMNS_OF_D} FROM deliveries d
      WHERE d.collection_id = $1 AND d.user_id > ${after} ${filter}
      ORDER BY d.user_id, d.submitted_at DESC, d.id DESC
      LIMIT 1`;
  return `WITH RECURSIVE page AS (
            (${next('$2')})
            UNION ALL
            SELECT n.* FROM page p CROSS JOIN LATERAL (${next('p.user_id')}) n
          )
          SELECT * FROM (SELECT * FROM page LIMIT $3) cut ORDER BY user_id`;
}

/**
 * One page of the latest delivery of each user in the collection, ordered by user ID; null
 * when the collection does not exist. `nextCursor` is null on the last page.
 */
export async function latestDeliveriesPage(
  db: Queryable,
  collectionId: string,
  options: LatestDeliveriesOptions = {},
): Promise<LatestDeliveriesPage | null> {
  const limit = options.limit ?? MAX_LATEST_DELIVERIES_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LATEST_DELIVERIES_PAGE_SIZE) {
    throw new InvalidSubmissionInputError(
      `page size ${limit} is out of range: 1 to ${MAX_LATEST_DELIVERIES_PAGE_SIZE}`,
    );
  }
  // '' sorts before every user ID (IDs are non-empty, compared bytewise).
  const after =
    options.after === undefined ? '' : await cursorUser(db, collectionId, options.after);
  const { rows } = await db.query<LatestDeliveryRow>(
    latestDeliveriesPageSql(options.includeTest ?? false),
    [collectionId, after, limit + 1],
  );
  if (rows.length === 0 && !(await collectionExists(db, collectionId))) return null;
  const deliveries = rows.slice(0, limit).map(toLatestDelivery);
  const last = deliveries[deliveries.length - 1];
  return {
    deliveries,
    nextCursor:
      rows.length > limit && last
        ? options.deliveryCursor
          ? encodeDeliveryCursor(last.id)
          : encodeCursor(last.userId)
        : null,
  };
}

/** How many users have a delivery in the collection (the size of a batch over it). */
export async function countLatestDeliveries(
  db: Queryable,
  collectionId: string,
  includeTest: boolean,
): Promise<number> {
  const { rows } = await db.query<{ n: number | string }>(
    `SELECT count(DISTINCT user_id) AS n FROM deliveries
      WHERE collection_id = $1 ${includeTest ? '' : 'AND NOT is_test'}`,
    [collectionId],
  );
  return Number(rows[0]?.n ?? 0);
}

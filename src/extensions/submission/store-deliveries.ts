// Deliveries: idempotent insert (an import run twice adds nothing), lookup and listing.
import { InvalidSubmissionInputError } from '../../failures.js';
import type { Queryable } from '../../platform/database.js';
import { newId } from '../../platform/ids.js';
import { isForeignKeyViolation, requireText } from './store-courses.js';
import { DELIVERY_COLUMNS, toDelivery, toTimestamp } from './store-rows.js';
import type { DeliveryRow } from './store-rows.js';
import type { Delivery, ManifestEntry, NewDelivery } from './store-types.js';

const SHA256_HEX = /^[0-9a-f]{64}$/;

function checkSize(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidSubmissionInputError(
      `${field} must be a whole number of bytes >= 0, not ${String(value)}`,
    );
  }
  return value;
}

function checkSha256(value: unknown, field: string): string {
  if (typeof value !== 'string' || !SHA256_HEX.test(value)) {
    throw new InvalidSubmissionInputError(
      `${field} must be 64 lowercase hex digits, not ${String(value)}`,
    );
  }
  return value;
}

function checkManifest(manifest: unknown): ManifestEntry[] {
  if (!Array.isArray(manifest)) {
    throw new InvalidSubmissionInputError(
      'delivery manifest must be an array of {path, size, sha256}',
    );
  }
  return manifest.map((entry: Partial<ManifestEntry>, i) => ({
    path: requireText(entry?.path ?? '', `manifest[${i}].path`),
    size: checkSize(entry?.size, `manifest[${i}].size`),
    sha256: checkSha256(entry?.sha256, `manifest[${i}].sha256`),
  }));
}

/** Whether a collection with this ID exists (asked only when a listing came back empty). */
export async function collectionExists(db: Queryable, collectionId: string): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM collections WHERE id = $1', [collectionId]);
  return rows.length > 0;
}

/** The delivery half of the submission store. */
export function createDeliveryStore(db: Queryable) {
  return {
    /**
     * Records a delivery. The same (collection, user, submitted at, sha256) recorded before
     * gives `inserted: false` and the row already there, so importing twice adds nothing.
     */
    async insertDelivery(input: NewDelivery): Promise<{ delivery: Delivery; inserted: boolean }> {
      const submittedAt = toTimestamp(input.submittedAt, 'delivery submittedAt');
      const manifest = checkManifest(input.manifest);
      const totalSize = checkSize(input.totalSize, 'delivery totalSize');
      const sha256 = checkSha256(input.sha256, 'delivery sha256');
      const objectKey = requireText(input.objectKey, 'delivery objectKey');
      const id = input.id ?? newId('dlv');
      let inserted: DeliveryRow | undefined;
      try {
        const result = await db.query<DeliveryRow>(
          `INSERT INTO deliveries (id, collection_id, user_id, submitted_at, manifest, total_size,
                                   sha256, late, is_test, object_key)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           ON CONFLICT (collection_id, user_id, submitted_at, sha256) DO NOTHING
           RETURNING ${DELIVERY_COLUMNS}`,
          [
            id,
            input.collectionId,
            input.userId,
            submittedAt,
            JSON.stringify(manifest),
            totalSize,
            sha256,
            input.late,
            input.isTest ?? false,
            objectKey,
          ],
        );
        inserted = result.rows[0];
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (isForeignKeyViolation(err)) {
          throw new InvalidSubmissionInputError(
            `cannot record a delivery of user ${input.userId} in collection ${input.collectionId}: ` +
              'the collection or the user does not exist',
            { cause: err },
          );
        }
        if (code === '23505') {
          throw new InvalidSubmissionInputError(
            `delivery ID ${id} is already taken by another delivery`,
            {
              cause: err,
            },
          );
        }
        throw err;
      }
      if (inserted) return { delivery: toDelivery(inserted), inserted: true };
      const { rows } = await db.query<DeliveryRow>(
        `SELECT ${DELIVERY_COLUMNS} FROM deliveries
          WHERE collection_id = $1 AND user_id = $2 AND submitted_at = $3 AND sha256 = $4`,
        [input.collectionId, input.userId, submittedAt, sha256],
      );
      return { delivery: toDelivery(rows[0]!), inserted: false };
    },

    /** The delivery with this ID, or null. */
    async getDelivery(id: string): Promise<Delivery | null> {
      const { rows } = await db.query<DeliveryRow>(
        `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE id = $1`,
        [id],
      );
      return rows[0] ? toDelivery(rows[0]) : null;
    },

    /** The latest delivery of `userId` in the collection (test deliveries too), or null. */
    async latestDeliveryOf(collectionId: string, userId: string): Promise<Delivery | null> {
      const { rows } = await db.query<DeliveryRow>(
        `SELECT ${DELIVERY_COLUMNS} FROM deliveries
          WHERE collection_id = $1 AND user_id = $2
          ORDER BY submitted_at DESC, id DESC LIMIT 1`,
        [collectionId, userId],
      );
      return rows[0] ? toDelivery(rows[0]) : null;
    },

    /** The deliveries with these IDs (those that exist), in no particular order. */
    async getDeliveries(ids: readonly string[]): Promise<Delivery[]> {
      if (ids.length === 0) return [];
      const { rows } = await db.query<DeliveryRow>(
        `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE id = ANY($1::text[])`,
        [ids],
      );
      return rows.map(toDelivery);
    },

    /** The student and whole-delivery sha256 of the deliveries with these IDs (those that exist). */
    async hashesOf(
      ids: readonly string[],
    ): Promise<Array<{ id: string; userId: string; sha256: string }>> {
      if (ids.length === 0) return [];
      const { rows } = await db.query<{ id: string; user_id: string; sha256: string }>(
        'SELECT id, user_id, sha256 FROM deliveries WHERE id = ANY($1::text[])',
        [ids],
      );
      return rows.map((r) => ({ id: r.id, userId: r.user_id, sha256: r.sha256 }));
    },

    /**
     * The deliveries of a collection by user ID, newest first for each user; with `latestOnly`
     * one per user. Staff test deliveries are left out unless `includeTest`. Null when the
     * collection does not exist. Reads the whole collection: batches use latestDeliveriesPage.
     */
    async listDeliveries(
      collectionId: string,
      options: { latestOnly?: boolean; includeTest?: boolean } = {},
    ): Promise<Delivery[] | null> {
      const { rows } = await db.query<DeliveryRow>(
        `SELECT ${options.latestOnly ? 'DISTINCT ON (user_id)' : ''} ${DELIVERY_COLUMNS}
           FROM deliveries
          WHERE collection_id = $1 ${options.includeTest ? '' : 'AND NOT is_test'}
          ORDER BY user_id, submitted_at DESC, id DESC`,
        [collectionId],
      );
      if (rows.length === 0 && !(await collectionExists(db, collectionId))) return null;
      return rows.map(toDelivery);
    },
  };
}

// Grading-config versions: immutable (content-addressed) YAML plus assets, the text and assets in
// object storage, the index in the database; and which versions each collection is graded with.
import { ConfigAssetError, ConfigNotAttachedError, ConfigNotFoundError } from '../../failures.js';
import { createHash } from 'node:crypto';
import type { Queryable } from '../../platform/database.js';
import { objectKey, safeRelativePath } from '../../platform/object-keys.js';
import type { ObjectStore } from '../../platform/object-store.js';
import { configVersionId } from './config/index.js';

/** The message of a ConfigNotAttached failure, the same from the core and the activities. */
export function configNotAttachedMessage(configId: string, collectionId: string): string {
  return `grading config ${configId} is not attached to collection ${collectionId}; a batch may use only its collection's configs (zinc config add <config.yaml> --collection ${collectionId} attaches one)`;
}

export interface ConfigAsset {
  path: string;
  content: Buffer;
}

export interface ConfigVersion {
  id: string;
  yaml: string;
  assets: Array<{ path: string; sha256: string; size: number }>;
  createdAt: string;
}

interface ConfigRow {
  id: string;
  yaml: string;
  assets: ConfigVersion['assets'];
  object_prefix: string;
  created_at: Date | string;
}

const sha256 = (content: Buffer): string => createHash('sha256').update(content).digest('hex');

/** The grading-config store over a database and an object store. */
export function createConfigStore(deps: { db: Queryable; objects: ObjectStore }) {
  const { db, objects } = deps;
  const toVersion = (row: ConfigRow): ConfigVersion => ({
    id: row.id,
    yaml: row.yaml,
    assets: row.assets,
    createdAt: new Date(row.created_at).toISOString(),
  });

  async function getRow(id: string): Promise<ConfigRow | undefined> {
    const { rows } = await db.query<ConfigRow>(
      'SELECT id, yaml, assets, object_prefix, created_at FROM grading_configs WHERE id = $1',
      [id],
    );
    return rows[0];
  }

  /** Whether `configId` is attached to the collection (a batch may use only those). */
  async function isAttached(collectionId: string, configId: string): Promise<boolean> {
    const { rows } = await db.query<{ found: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM collection_configs
                       WHERE collection_id = $1 AND config_id = $2) AS found`,
      [collectionId, configId],
    );
    return rows[0]?.found === true;
  }

  return {
    /** Stores a version (a no-op when the same text and assets exist); returns its ID. */
    async addVersion(
      yaml: string,
      assets: ConfigAsset[],
    ): Promise<{ id: string; created: boolean }> {
      const digests = assets
        .map((a) => ({
          path: safeRelativePath(a.path),
          sha256: sha256(a.content),
          size: a.content.length,
        }))
        .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      const id = configVersionId(yaml, digests);
      if (await getRow(id)) return { id, created: false };
      const prefix = `${objectKey('configs', id)}/`;
      await objects.put(`${prefix}config.yaml`, yaml, { contentType: 'application/yaml' });
      for (const asset of assets) {
        await objects.put(`${prefix}assets/${safeRelativePath(asset.path)}`, asset.content);
      }
      const { rowCount } = await db.query(
        `INSERT INTO grading_configs (id, yaml, assets, object_prefix) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO NOTHING`,
        [id, yaml, JSON.stringify(digests), prefix],
      );
      return { id, created: rowCount > 0 };
    },

    /** The version's record; ConfigNotFoundError when there is none. */
    async getVersion(id: string): Promise<ConfigVersion> {
      const row = await getRow(id);
      if (!row) throw new ConfigNotFoundError(`grading config ${id} does not exist`);
      return toVersion(row);
    },

    /** The version with its assets' bytes, each checked against its recorded sha256
     * (ConfigAssetError when one is missing or differs). */
    async loadVersion(id: string): Promise<ConfigVersion & { files: ConfigAsset[] }> {
      const row = await getRow(id);
      if (!row) throw new ConfigNotFoundError(`grading config ${id} does not exist`);
      const files = await Promise.all(
        row.assets.map(async (asset) => {
          const key = `${row.object_prefix}assets/${asset.path}`;
          const content = await objects.get(key).catch((err: Error) => {
            if (err.name !== 'ObjectNotFound') throw err;
            throw new ConfigAssetError(
              `grading config ${id}: asset ${asset.path} is missing from object storage (${key})`,
            );
          });
          if (sha256(content) !== asset.sha256) {
            throw new ConfigAssetError(
              `grading config ${id}: asset ${asset.path} does not match its sha256 (${key})`,
            );
          }
          return { path: asset.path, content };
        }),
      );
      return { ...toVersion(row), files };
    },

    /** Makes `configId` the collection's newest config (its default for grading). */
    async attachToCollection(collectionId: string, configId: string): Promise<void> {
      await db.query(
        `INSERT INTO collection_configs (collection_id, config_id) VALUES ($1, $2)
         ON CONFLICT (collection_id, config_id) DO UPDATE SET added_at = clock_timestamp()`,
        [collectionId, configId],
      );
    },

    isAttached,

    /** Nothing when `configId` is attached to the collection; ConfigNotFoundError when no
     * version has this ID, ConfigNotAttachedError when the collection is not graded with it. */
    async requireAttached(collectionId: string, configId: string): Promise<void> {
      if (await isAttached(collectionId, configId)) return;
      if (!(await getRow(configId))) {
        throw new ConfigNotFoundError(`grading config ${configId} does not exist`);
      }
      throw new ConfigNotAttachedError(configNotAttachedMessage(configId, collectionId));
    },

    /** The collection's config versions, newest first. */
    async listForCollection(collectionId: string): Promise<Array<{ id: string; addedAt: string }>> {
      const { rows } = await db.query<{ config_id: string; added_at: Date | string }>(
        `SELECT config_id, added_at FROM collection_configs WHERE collection_id = $1
         ORDER BY added_at DESC, config_id`,
        [collectionId],
      );
      return rows.map((r) => ({ id: r.config_id, addedAt: new Date(r.added_at).toISOString() }));
    },
  };
}

export type ConfigStore = ReturnType<typeof createConfigStore>;

// The platform services of one zinc process, opened from the configuration and closed together.
import type { DatabaseConfig } from './database-config.js';
import type { Database } from './database.js';
import type { EventBus } from './events.js';
import { createInProcessEventBus } from './in-process-events.js';
import { openObjectStore, type StorageConfig } from './object-store-config.js';
import type { ObjectStore } from './object-store.js';
import { openDatabase } from './open-database.js';
import { prepareDataDir } from './paths.js';

export interface Platform {
  db: Database;
  objects: ObjectStore;
  events: EventBus;
  close(): Promise<void>;
}

/** The sections of zinc's configuration the platform reads. */
export interface PlatformConfig {
  data_dir: string;
  database: DatabaseConfig;
  storage: StorageConfig;
}

export interface OpenPlatformOptions {
  /** This process stays up: it serves the embedded database to the others when it opens it. */
  serveDatabase?: boolean;
}

/** Opens the database, the object store and the event bus the configuration names. */
export async function openPlatform(
  config: PlatformConfig,
  options: OpenPlatformOptions = {},
): Promise<Platform> {
  prepareDataDir(config.data_dir);
  const db = await openDatabase({
    url: config.database.url,
    dataDir: config.data_dir,
    serve: options.serveDatabase ?? false,
    onWait: (holder) =>
      process.stderr.write(
        `zinc: waiting for process ${holder}, which has the embedded database open...\n`,
      ),
  });
  let objects: ObjectStore;
  try {
    objects = await openObjectStore(config.storage, config.data_dir);
  } catch (err) {
    await db.close();
    throw err;
  }
  const events = createInProcessEventBus();
  return {
    db,
    objects,
    events,
    async close() {
      await events.close();
      await objects.close();
      await db.close();
    },
  };
}

// The platform services of one zinc process, opened from the configuration and closed together.
import type { DatabaseConfig } from './database-config.js';
import type { Database } from './database.js';
import type { EventBus } from './events.js';
import { openEventBus, type EventsConfig } from './events-config.js';
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
  events: EventsConfig;
}

export interface OpenPlatformOptions {
  /** This process stays up: it serves the embedded database to the others when it opens it. */
  serveDatabase?: boolean;
}

/**
 * Opens the database, the object store and the event bus the configuration names. The bus is
 * where the core's relay hands the outbox's events (nothing else publishes to it).
 */
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
  const events = openEventBus(config.events);
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

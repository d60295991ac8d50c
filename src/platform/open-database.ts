// Chooses the database: PostgreSQL when a URL is configured, else PGlite in the data directory.
import type { Database } from './database.js';
import { dataPaths } from './paths.js';
import { openPgliteDatabase } from './pglite-database.js';
import { openPostgresDatabase } from './postgres-database.js';

export interface OpenDatabaseOptions {
  /** A PostgreSQL connection URL (`DATABASE_URL`); empty or absent means the embedded database. */
  url?: string | undefined;
  /** zinc's data directory; the embedded database lives in its `db` folder. */
  dataDir: string;
}

/** Opens PostgreSQL at `url` when given, else PGlite in `<dataDir>/db`. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  if (options.url !== undefined && options.url.trim() !== '') {
    return openPostgresDatabase(options.url.trim());
  }
  return openPgliteDatabase(dataPaths(options.dataDir).database);
}

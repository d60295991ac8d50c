// Test helper: the two database engines zinc runs on, so one suite can run against both.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from '../../src/platform/database.js';
import { openPgliteDatabase } from '../../src/platform/pglite-database.js';
import { openPostgresDatabase } from '../../src/platform/postgres-database.js';
import { startPostgres } from './postgres.js';
import type { TestPostgres } from './postgres.js';

export const ENGINES = ['pglite', 'postgres'] as const;
export type Engine = (typeof ENGINES)[number];

export interface TestEngine {
  engine: Engine;
  /** The database every `open()` reaches: PGlite's folder, or the PostgreSQL server's URL. */
  open(): Promise<Database>;
  /** The PostgreSQL server, for the postgres engine. */
  postgres?: TestPostgres;
  /** Closes what `open()` returned and removes the engine's files (and stops its server). */
  stop(): Promise<void>;
}

/**
 * Starts an engine: PGlite persisted in a fresh temporary folder, or a real PostgreSQL server.
 * PGlite allows one open handle per folder, so its `open()` hands out the same one each time.
 */
export async function startEngine(engine: Engine): Promise<TestEngine> {
  const opened: Database[] = [];
  if (engine === 'pglite') {
    const dir = mkdtempSync(join(tmpdir(), 'zinc-pglite-'));
    let db: Database | undefined;
    return {
      engine,
      async open() {
        db ??= await openPgliteDatabase(join(dir, 'db'));
        return db;
      },
      async stop() {
        await db?.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const postgres = await startPostgres();
  return {
    engine,
    postgres,
    async open() {
      const db = await openPostgresDatabase(postgres.url);
      opened.push(db);
      return db;
    },
    async stop() {
      for (const db of opened) await db.close();
      await postgres.stop();
    },
  };
}

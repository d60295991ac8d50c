// Chooses the database: PostgreSQL when a URL is configured; else the embedded PGlite of the
// data dir, through the process that serves it when one does, or opened in this process.
// Each driver loads only when it is used (PGlite alone takes a while to load).
import { processAlive } from './process-alive.js';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from './database.js';
import { dataPaths } from './paths.js';
import { DatabaseInUseError } from '../failures.js';
import type { PgliteServerState } from './pglite-server.js';

export interface OpenDatabaseOptions {
  /** A PostgreSQL connection URL (`DATABASE_URL`); empty or absent means the embedded database. */
  url?: string | undefined;
  /** zinc's data directory; the embedded database lives in its `db` folder. */
  dataDir: string;
  /**
   * This process stays up (zinc up, a worker, a command running the embedded stack): when it
   * opens PGlite itself, it serves it to the other processes of the data dir.
   */
  serve?: boolean;
  /** How long to wait for a process that holds PGlite without serving it (default 30 s). */
  waitMs?: number;
  /** Called once when this process starts waiting for that process. */
  onWait?: (holder: number) => void;
}

/** The `pg` URL of an embedded database served on a unix socket in `socketDir`. */
function socketUrl(state: Pick<PgliteServerState, 'port' | 'socketDir'>): string {
  return (
    `postgresql://postgres@localhost:${state.port}/postgres` +
    `?host=${encodeURIComponent(state.socketDir)}`
  );
}

/**
 * The URL at which `dataDir`'s embedded database is served (by this process or another live
 * one), for processes on this machine; undefined when nobody serves it.
 */
export function servedDatabaseUrl(dataDir: string): string | undefined {
  const state = servingState(dataPaths(dataDir).databaseServer, { includeSelf: true });
  return state ? socketUrl(state) : undefined;
}

/** The serving process's state, if a live process (other than this one, unless asked) wrote it. */
function servingState(
  stateFile: string,
  options: { includeSelf?: boolean } = {},
): PgliteServerState | undefined {
  let state: Partial<PgliteServerState>;
  try {
    state = JSON.parse(readFileSync(stateFile, 'utf8')) as Partial<PgliteServerState>;
  } catch {
    return undefined;
  }
  const { pid, socketDir, port } = state;
  if (typeof pid !== 'number' || typeof socketDir !== 'string' || typeof port !== 'number') {
    return undefined;
  }
  const other = pid !== process.pid || options.includeSelf === true;
  return other && processAlive(pid) ? { pid, socketDir, port } : undefined;
}

/** A `pg` connection to the embedded database that another zinc process serves, if it answers. */
async function connectServed(stateFile: string): Promise<Database | undefined> {
  const state = servingState(stateFile);
  if (!state) return undefined;
  const url = socketUrl(state);
  const { openPostgresDatabase } = await import('./postgres-database.js');
  try {
    return await openPostgresDatabase(url, {
      describe: `the embedded database served by process ${state.pid} (${state.socketDir})`,
      connectTimeoutMs: 5000,
    });
  } catch {
    return undefined; // stopping, or gone without cleaning up: look again
  }
}

/**
 * Opens PostgreSQL at `url` when given, else the embedded database of `dataDir`: through the
 * zinc process that serves it, or PGlite in `<dataDir>/db` when no process holds it. A process
 * that holds it without serving it (a short command) is waited for; DatabaseInUseError when it
 * is still holding it after `waitMs`.
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  if (options.url !== undefined && options.url.trim() !== '') {
    const { openPostgresDatabase } = await import('./postgres-database.js');
    return openPostgresDatabase(options.url.trim());
  }
  const paths = dataPaths(options.dataDir);
  const deadline = Date.now() + (options.waitMs ?? 30_000);
  let told = false;
  for (;;) {
    const served = await connectServed(paths.databaseServer);
    if (served) return served;
    const { openPgliteDatabase } = await import('./pglite-database.js');
    try {
      return await openPgliteDatabase(paths.database, {
        serve: options.serve
          ? { socketDir: paths.databaseSocket, stateFile: paths.databaseServer }
          : undefined,
      });
    } catch (err) {
      // This very process holding it is a bug to report now, not a wait that cannot end.
      if (!(err instanceof DatabaseInUseError) || err.holder === process.pid) throw err;
      if (Date.now() >= deadline) {
        throw new DatabaseInUseError(
          `${err.message}; waited ${Math.round((options.waitMs ?? 30_000) / 1000)} s for it to ` +
            'finish. Commands share the embedded database while zinc up (or a zinc worker) runs ' +
            'on the same data dir; a shorter command holds it until it ends',
          err.holder,
        );
      }
      if (!told && err.holder !== undefined) {
        told = true;
        options.onWait?.(err.holder);
      }
      await sleep(200);
    }
  }
}

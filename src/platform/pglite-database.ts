// The embedded database: PGlite (PostgreSQL compiled to WebAssembly) in this process, its files
// in a folder of the data directory. One process at a time may open a folder; a process that
// stays up serves it to the others over a unix socket (pglite-server.ts).
import { processAlive } from './process-alive.js';
import { DatabaseInUseError } from '../failures.js';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import type { Results, Transaction } from '@electric-sql/pglite';
import type { Database, Queryable, QueryResult } from './database.js';
import { onExit } from './exit-cleanup.js';
import { servePglite, type PgliteServer, type PgliteServerOptions } from './pglite-server.js';
import { createSessionLock } from './pglite-session.js';

type PgliteRunner = Pick<Transaction, 'query' | 'exec'>;

function toResult<R>(result: Results<R>): QueryResult<R> {
  const rowCount =
    result.command === 'SELECT' || result.affectedRows === undefined
      ? result.rows.length
      : result.affectedRows;
  return { rows: result.rows, rowCount };
}

/**
 * Runs one statement. Without parameters the text goes through the simple protocol, like `pg`
 * does, so a migration script of several statements works on both; its last result is returned.
 */
async function run<R>(
  runner: PgliteRunner,
  sql: string,
  params?: unknown[],
): Promise<QueryResult<R>> {
  if (params === undefined || params.length === 0) {
    const results = await runner.exec(sql);
    const last = results[results.length - 1];
    return last ? toResult(last as Results<R>) : { rows: [], rowCount: 0 };
  }
  return toResult(await runner.query<R>(sql, params));
}

/** Takes `<dir>.lock`, holding this process's pid; a lock left by a dead process is taken over. */
function takeLock(dir: string): () => void {
  const lockFile = `${dir}.lock`;
  mkdirSync(dirname(lockFile), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockFile, `${process.pid}\n`, { flag: 'wx' });
      const remove = (): void => rmSync(lockFile, { force: true });
      const cancel = onExit(remove);
      return () => {
        cancel();
        remove();
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number.parseInt(readFileSync(lockFile, 'utf8'), 10);
    if (Number.isInteger(holder) && processAlive(holder)) {
      throw new DatabaseInUseError(
        `the embedded database in ${dir} is open in process ${holder} (lock file ${lockFile}), ` +
          'which does not share it',
        holder,
      );
    }
    rmSync(lockFile, { force: true }); // left by a process that died
  }
  throw new DatabaseInUseError(
    `cannot take the lock file ${lockFile}: another process races for it`,
  );
}

/**
 * Creates a new database in `dir` (PostgreSQL's initdb) in a short-lived child process. initdb
 * grows PGlite's WebAssembly memory to about 800 MB, which a WebAssembly instance never gives
 * back: done in this process it would stay resident for the process's life (opening an existing
 * folder takes about 220 MB).
 */
async function initInChild(dir: string): Promise<void> {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const script =
    'const { PGlite } = require(process.argv[1]);' +
    'PGlite.create({ dataDir: process.argv[2] }).then((pg) => pg.close())' +
    '.catch((err) => { console.error(err && err.message ? err.message : err); process.exit(1); });';
  try {
    await promisify(execFile)(process.execPath, ['-e', script, entry, dir], {
      maxBuffer: 1 << 20,
    });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw new Error(stderr || (err as Error).message, { cause: err });
  }
}

/**
 * PostgreSQL settings of the embedded database. Shared buffers live in PGlite's WebAssembly
 * memory, which never shrinks, so PostgreSQL's default of 128 MB would become resident as a long
 * batch touches pages; the files stay in the operating system's page cache either way.
 */
const EMBEDDED_SETTINGS = ['-c', 'shared_buffers=16MB'];

export interface PgliteOptions {
  /** Serve the database to other processes over a unix socket while it is open. */
  serve?: PgliteServerOptions | undefined;
}

/**
 * Opens PGlite with its files in `dir` (created when missing), or in memory when `dir` is
 * undefined (tests only). PGlite is one session: this process's queries and transactions and
 * every client of the socket server take turns on one lock (pglite-session.ts), so they never
 * interleave. Inside `transaction(fn)`, use only the `tx` given to `fn`: a query on the
 * database itself would wait for the transaction that is waiting for it.
 */
export async function openPgliteDatabase(
  dir: string | undefined,
  options: PgliteOptions = {},
): Promise<Database> {
  const path = dir === undefined ? undefined : resolve(dir);
  let releaseLock: (() => void) | undefined;
  if (path !== undefined) {
    mkdirSync(path, { recursive: true });
    releaseLock = takeLock(path);
  }
  let pg: PGlite;
  try {
    if (path !== undefined && !existsSync(join(path, 'PG_VERSION'))) await initInChild(path);
    pg = await PGlite.create(
      path === undefined
        ? {}
        : { dataDir: path, startParams: [...PGlite.defaultStartParams, ...EMBEDDED_SETTINGS] },
    );
  } catch (err) {
    releaseLock?.();
    throw new Error(
      `cannot open the embedded database in ${path ?? 'memory'}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  const session = createSessionLock();
  let server: PgliteServer | undefined;
  if (options.serve) {
    try {
      server = await servePglite(pg, session, options.serve);
    } catch (err) {
      await pg.close().finally(() => releaseLock?.());
      throw err;
    }
  }
  let closed = false;
  return {
    kind: 'pglite',
    query: <R>(sql: string, params?: unknown[]) => session.run(() => run<R>(pg, sql, params)),
    transaction: <T>(fn: (tx: Queryable) => Promise<T>) =>
      session.run(() =>
        pg.transaction((tx) =>
          fn({ query: <R>(sql: string, params?: unknown[]) => run<R>(tx, sql, params) }),
        ),
      ),
    async close() {
      if (closed) return;
      closed = true;
      try {
        await server?.close();
        // Whatever this process still runs finishes first.
        await session.run(() => pg.close());
      } finally {
        releaseLock?.();
      }
    },
  };
}

// The embedded database shared over its unix socket, as other zinc processes use it:
// - clients get what they asked for while several of them (and the serving process itself) run
//   parameterised statements and transactions at once, large parameters included (the
//   library's own queue lets two clients' Parse/Bind/Execute batches interleave);
// - read-modify-write transactions from every side lose no update;
// - a client that vanishes mid-transaction has its work rolled back and holds no one up;
// - migrations from several processes at once apply each file once;
// - the socket and its folder are this user's alone, and closing removes socket and state file;
// - a process that holds PGlite without serving it (a short command) is waited for, up to a
//   limit, and then named in DatabaseInUse.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/platform/database.js';
import { migrate } from '../src/platform/migrations.js';
import { openDatabase } from '../src/platform/open-database.js';
import { openPgliteDatabase } from '../src/platform/pglite-database.js';
import type { PgliteServerState } from '../src/platform/pglite-server.js';
import { openPostgresDatabase } from '../src/platform/postgres-database.js';

const temps: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'zinc-share-'));
  temps.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

const open: Array<{ close(): Promise<void> }> = [];
afterAll(async () => {
  for (const db of open.splice(0).reverse()) await db.close();
});

/** PGlite served from a fresh data dir, and a way to connect to it as another process does. */
async function served(): Promise<{
  holder: Database;
  state: PgliteServerState;
  stateFile: string;
  url: string;
  client: (max?: number) => Promise<Database>;
}> {
  const dataDir = tempDir();
  const stateFile = join(dataDir, 'db-server.json');
  const holder = await openPgliteDatabase(join(dataDir, 'db'), {
    serve: { socketDir: join(dataDir, 'db-socket'), stateFile },
  });
  open.push(holder);
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as PgliteServerState;
  const url = `postgresql://postgres@localhost:${state.port}/postgres?host=${encodeURIComponent(state.socketDir)}`;
  const client = async (max = 4): Promise<Database> => {
    const db = await openPostgresDatabase(url, { maxConnections: max });
    open.push(db);
    return db;
  };
  return { holder, state, stateFile, url, client };
}

type Served = Awaited<ReturnType<typeof served>>;

describe('the embedded database served over its socket', () => {
  let shared: Served; // one served database for the cases that leave it open (opening costs seconds)
  beforeAll(async () => {
    shared = await served();
  });

  it('answers each client with its own rows while clients and the holder run at once', async () => {
    const { holder, client } = shared;
    await holder.query('CREATE TABLE blobs (who int, body text)');
    const clients = [await client(), await client(), holder];
    const big = 'x'.repeat(300_000); // a Bind message the socket delivers in several pieces
    let checked = 0;
    await Promise.all(
      clients.flatMap((db, c) =>
        Array.from({ length: 4 }, async (_, lane) => {
          for (let i = 0; i < 15; i++) {
            if (lane === 0) {
              await db.query('INSERT INTO blobs (who, body) VALUES ($1, $2)', [c, big]);
              continue;
            }
            const v = c * 10_000 + lane * 100 + i;
            // Two shapes: a statement bound to the other's parameters would fail or mislead.
            const { rows } = await (i % 2
              ? db.query<{ v: number }>('SELECT $1::int AS v', [v])
              : db.query<{ v: string; w: number }>('SELECT $1::text AS v, 1 AS w', [String(v)]));
            expect(Number(rows[0]!.v)).toBe(v);
            checked += 1;
          }
        }),
      ),
    );
    expect(checked).toBe(3 * 3 * 15);
    const { rows } = await holder.query<{ n: number }>('SELECT count(*)::int AS n FROM blobs');
    expect(rows[0]!.n).toBe(3 * 15);
  });

  it('loses no update when clients and the holder read-modify-write in transactions', async () => {
    const { holder, client } = shared;
    await holder.query('CREATE TABLE counter (n int); INSERT INTO counter VALUES (0)');
    const sides = [await client(), await client(), holder];
    await Promise.all(
      sides.flatMap((db) =>
        Array.from({ length: 3 }, async () => {
          for (let i = 0; i < 10; i++) {
            await db.transaction(async (tx) => {
              const { rows } = await tx.query<{ n: number }>('SELECT n FROM counter');
              await new Promise((r) => setTimeout(r, 1)); // let the others try to get in
              await tx.query('UPDATE counter SET n = $1', [rows[0]!.n + 1]);
            });
          }
        }),
      ),
    );
    const { rows } = await holder.query<{ n: number }>('SELECT n FROM counter');
    expect(rows[0]!.n).toBe(3 * 3 * 10);
  });

  it('rolls back what a vanished client left open, and the others carry on', async () => {
    const { holder, url } = shared;
    await holder.query('CREATE TABLE notes (body text)');
    const doomed = new pg.Client({ connectionString: url });
    await doomed.connect();
    await doomed.query('BEGIN');
    await doomed.query('INSERT INTO notes VALUES ($1)', ['never committed']);
    // The holder waits for the open transaction, as it would for another PostgreSQL session's lock.
    const waiting = holder.query('INSERT INTO notes VALUES ($1)', ['after']);
    doomed.on('error', () => undefined);
    (
      doomed as unknown as { connection: { stream: { destroy(): void } } }
    ).connection.stream.destroy();
    await waiting;
    const { rows } = await holder.query<{ body: string }>('SELECT body FROM notes');
    expect(rows).toEqual([{ body: 'after' }]);
  });

  it('applies each migration once when several processes migrate together', async () => {
    const { holder, client } = shared;
    const dir = tempDir();
    writeFileSync(
      join(dir, '0001_create.sql'),
      'CREATE TABLE once (id int);\nSELECT pg_sleep(0.1);',
    );
    writeFileSync(join(dir, '0002_fill.sql'), 'INSERT INTO once VALUES (1);');
    const results = await Promise.all([
      migrate(await client(), 'race', dir),
      migrate(await client(), 'race', dir),
      migrate(holder, 'race', dir),
    ]);
    expect(results.flatMap((r) => r.applied).sort()).toEqual(['0001_create.sql', '0002_fill.sql']);
    expect((await holder.query('SELECT id FROM once')).rows).toEqual([{ id: 1 }]);
  });

  it('keeps the socket to this user and removes socket and state file on close', async () => {
    const { holder, state, stateFile, client } = await served();
    const socket = join(state.socketDir, `.s.PGSQL.${state.port}`);
    expect(statSync(state.socketDir).mode & 0o777).toBe(0o700);
    expect(statSync(socket).mode & 0o077).toBe(0);
    expect(statSync(stateFile).mode & 0o077).toBe(0);
    expect(state.pid).toBe(process.pid);
    const db = await client();
    expect((await db.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await holder.close();
    expect(existsSync(socket)).toBe(false);
    expect(existsSync(stateFile)).toBe(false);
    const err = await db.query('SELECT 1').catch((e: unknown) => e);
    expect((err as Error).name).toBe('DatabaseUnavailable');
  });
});

describe('a process that holds the embedded database without serving it', () => {
  /** Another live process holding the data dir's lock, as a short command does. */
  function holder(dataDir: string): ChildProcess {
    const child = spawn('sleep', ['60'], { stdio: 'ignore' });
    writeFileSync(join(dataDir, 'db.lock'), `${child.pid}\n`);
    return child;
  }

  it('is waited for until it ends, then the database opens here', async () => {
    const dataDir = tempDir();
    const short = holder(dataDir);
    const waitedFor: number[] = [];
    const opening = openDatabase({ dataDir, waitMs: 60_000, onWait: (pid) => waitedFor.push(pid) });
    await new Promise((r) => setTimeout(r, 500));
    short.kill('SIGKILL'); // its lock file stays behind, as after a crash: taken over
    const db = await opening;
    open.push(db);
    expect(waitedFor).toEqual([short.pid]);
    expect(db.kind).toBe('pglite');
  });

  it('is named in DatabaseInUse when it holds on past the wait', async () => {
    const dataDir = tempDir();
    const short = holder(dataDir);
    try {
      const err = await openDatabase({ dataDir, waitMs: 500 }).catch((e: unknown) => e);
      expect((err as Error).name).toBe('DatabaseInUse');
      expect((err as Error).message).toContain(`is open in process ${short.pid}`);
      expect((err as Error).message).toContain('waited 1 s for it to finish');
    } finally {
      short.kill('SIGKILL');
    }
  });

  it('fails at once when this very process holds it', async () => {
    const dataDir = tempDir();
    const first = await openDatabase({ dataDir });
    open.push(first);
    const started = Date.now();
    const err = await openDatabase({ dataDir }).catch((e: unknown) => e);
    expect((err as Error).name).toBe('DatabaseInUse');
    expect(Date.now() - started).toBeLessThan(10_000); // not the 30 s wait
  });
});

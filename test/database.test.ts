// The database layer on both engines: queries, transactions, migrations, and how PGlite's
// folder and PostgreSQL's outages behave.
import { MigrationChecksumError, MigrationError } from '../src/failures.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/platform/database.js';
import { migrate } from '../src/platform/migrations.js';
import { openDatabase } from '../src/platform/open-database.js';
import { openPgliteDatabase } from '../src/platform/pglite-database.js';
import { openPostgresDatabase } from '../src/platform/postgres-database.js';
import { ENGINES, startEngine } from './helpers/databases.js';
import type { TestEngine } from './helpers/databases.js';
import { freePort, startPostgres } from './helpers/postgres.js';

const temps: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'zinc-db-test-'));
  temps.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

/** A migrations folder holding `files` (name → SQL). */
function migrationsDir(files: Record<string, string>): string {
  const dir = tempDir();
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return dir;
}

let counter = 0;
/** A name no other test in this file uses (tests share one database per engine). */
function unique(prefix: string): string {
  counter += 1;
  return `${prefix}_${counter}_${Date.now().toString(36)}`;
}

describe.each(ENGINES)('database on %s', (engine) => {
  let host: TestEngine;
  let db: Database;

  beforeAll(async () => {
    host = await startEngine(engine);
    db = await host.open();
  });
  afterAll(async () => {
    await host?.stop();
  });

  it('reports its kind and returns the same JavaScript types', async () => {
    expect(db.kind).toBe(engine);
    if (host.postgres) {
      const viaUrl = await openDatabase({ url: host.postgres.url, dataDir: tempDir() });
      expect(viaUrl.kind).toBe('postgres');
      await viaUrl.close();
    }
    const { rows } = await db.query<{ n: unknown; big: unknown; at: unknown; doc: unknown }>(
      `SELECT 42::int8 AS n, 9007199254740993::int8 AS big,
              '2024-03-01T10:00:00Z'::timestamptz AS at, '{"a":[1]}'::jsonb AS doc`,
    );
    expect(rows[0]).toEqual({
      n: 42,
      big: 9007199254740993n,
      at: new Date('2024-03-01T10:00:00Z'),
      doc: { a: [1] },
    });
  });

  it('runs a parameterless script of several statements and returns the last result', async () => {
    const table = unique('script');
    const result = await db.query<{ total: number }>(
      `CREATE TABLE ${table} (n int); INSERT INTO ${table} VALUES (1), (2);
       SELECT sum(n)::int AS total FROM ${table}`,
    );
    expect(result.rows).toEqual([{ total: 3 }]);
    const inserted = await db.query(`INSERT INTO ${table} VALUES ($1), ($2)`, [3, 4]);
    expect(inserted.rowCount).toBe(2);
  });

  it('commits a transaction that resolves and rolls back one that throws', async () => {
    const table = unique('tx');
    await db.query(`CREATE TABLE ${table} (n int)`);
    await db.transaction(async (tx) => {
      await tx.query(`INSERT INTO ${table} VALUES ($1)`, [1]);
    });
    await expect(
      db.transaction(async (tx) => {
        await tx.query(`INSERT INTO ${table} VALUES ($1)`, [2]);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    const { rows } = await db.query<{ n: number }>(`SELECT n FROM ${table} ORDER BY n`);
    expect(rows).toEqual([{ n: 1 }]);
  });

  it('never interleaves concurrent transactions (read-then-write increments all count)', async () => {
    const table = unique('counter');
    await db.query(`CREATE TABLE ${table} (id int PRIMARY KEY, n int)`);
    await db.query(`INSERT INTO ${table} VALUES (1, 0)`);
    const increment = () =>
      db.transaction(async (tx) => {
        // FOR UPDATE makes PostgreSQL's separate connections wait; PGlite queues whole transactions.
        const { rows } = await tx.query<{ n: number }>(
          `SELECT n FROM ${table} WHERE id = 1 FOR UPDATE`,
        );
        await new Promise((resolve) => setTimeout(resolve, 5));
        await tx.query(`UPDATE ${table} SET n = $1 WHERE id = 1`, [rows[0]!.n + 1]);
      });
    await Promise.all(Array.from({ length: 20 }, increment));
    const { rows } = await db.query<{ n: number }>(`SELECT n FROM ${table}`);
    expect(rows[0]!.n).toBe(20);
  });

  it('applies migrations in version order, once, and records them', async () => {
    const component = unique('comp');
    const t = unique('mig');
    const dir = migrationsDir({
      '0002_add_column.sql': `ALTER TABLE ${t} ADD COLUMN label text;`,
      '0001_create.sql': `CREATE TABLE ${t} (id int PRIMARY KEY);\nINSERT INTO ${t} VALUES (1);`,
      'README.md': 'not a migration',
    });
    expect(await migrate(db, component, dir)).toEqual({
      applied: ['0001_create.sql', '0002_add_column.sql'],
    });
    expect(await migrate(db, component, dir)).toEqual({ applied: [] });
    const { rows } = await db.query<{ version: number; name: string }>(
      'SELECT version, name FROM schema_migrations WHERE component = $1 ORDER BY version',
      [component],
    );
    expect(rows).toEqual([
      { version: 1, name: '0001_create.sql' },
      { version: 2, name: '0002_add_column.sql' },
    ]);
    writeFileSync(join(dir, '0003_more.sql'), `UPDATE ${t} SET label = 'x';`);
    expect(await migrate(db, component, dir)).toEqual({ applied: ['0003_more.sql'] });
  });

  it('refuses an applied migration whose file changed, naming the file', async () => {
    const component = unique('comp');
    const t = unique('chk');
    const dir = migrationsDir({ '0001_create.sql': `CREATE TABLE ${t} (id int);` });
    await migrate(db, component, dir);
    writeFileSync(join(dir, '0001_create.sql'), `CREATE TABLE ${t} (id bigint);`);
    const err = await migrate(db, component, dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationChecksumError);
    expect((err as Error).name).toBe('MigrationChecksumMismatch');
    expect((err as Error).message).toContain('0001_create.sql');
  });

  it('rolls back a failing migration and records nothing for it', async () => {
    const component = unique('comp');
    const t = unique('bad');
    const dir = migrationsDir({
      '0001_half.sql': `CREATE TABLE ${t} (id int);\nSELECT no_such_function();`,
    });
    const err = await migrate(db, component, dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect((err as Error).message).toContain('0001_half.sql');
    const table = await db.query('SELECT 1 FROM information_schema.tables WHERE table_name = $1', [
      t,
    ]);
    expect(table.rows).toEqual([]);
    const recorded = await db.query('SELECT 1 FROM schema_migrations WHERE component = $1', [
      component,
    ]);
    expect(recorded.rows).toEqual([]);
  });

  it('rejects a badly named migration file', async () => {
    const dir = migrationsDir({ '1_create.sql': 'SELECT 1;' });
    await expect(migrate(db, unique('comp'), dir)).rejects.toThrow(/1_create\.sql is badly named/);
  });

  it('serialises concurrent migrators: each file is applied exactly once', async () => {
    const component = unique('comp');
    const t = unique('race');
    // Not idempotent on purpose: applied twice, CREATE TABLE would fail.
    const dir = migrationsDir({
      '0001_create.sql': `CREATE TABLE ${t} (id int);\nSELECT pg_sleep(0.2);`,
      '0002_fill.sql': `INSERT INTO ${t} VALUES (1);`,
    });
    const other = await host.open(); // a second pool on PostgreSQL, the same handle on PGlite
    const results = await Promise.all([
      migrate(db, component, dir),
      migrate(other, component, dir),
      migrate(db, component, dir),
    ]);
    expect(results.flatMap((r) => r.applied).sort()).toEqual(['0001_create.sql', '0002_fill.sql']);
    const { rows } = await db.query(`SELECT id FROM ${t}`);
    expect(rows).toEqual([{ id: 1 }]);
  });
});

describe('PGlite folder', () => {
  it('keeps data across reopening and refuses a second opener while open', async () => {
    const dir = join(tempDir(), 'db');
    const first = await openPgliteDatabase(dir);
    await first.query('CREATE TABLE kept (n int); INSERT INTO kept VALUES (7)');
    const err = await openPgliteDatabase(dir).catch((e: unknown) => e);
    expect((err as Error).name).toBe('DatabaseInUse');
    expect((err as Error).message).toContain(dir);
    await first.close();

    const again = await openPgliteDatabase(dir);
    expect((await again.query('SELECT n FROM kept')).rows).toEqual([{ n: 7 }]);
    await again.close();
  });

  it('openDatabase without a URL puts PGlite in <dataDir>/db', async () => {
    const dataDir = tempDir();
    const db = await openDatabase({ dataDir });
    expect(db.kind).toBe('pglite');
    await db.close();
    const again = await openPgliteDatabase(join(dataDir, 'db'));
    await again.close();
  });
});

describe('PostgreSQL that cannot be reached', () => {
  it('gives up on a server that accepts but never answers, as DatabaseUnavailable', async () => {
    const silent = createServer(() => undefined); // takes connections, says nothing
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const err = await openPostgresDatabase(`postgres://zinc:pw@127.0.0.1:${port}/zinc`, {
        connectTimeoutMs: 500,
      }).catch((e: unknown) => e);
      expect((err as Error).name).toBe('DatabaseUnavailable');
      expect((err as Error).message).toMatch(new RegExp(`127\\.0\\.0\\.1:${port}.*timeout`));
    } finally {
      silent.close();
    }
  });

  it('turns a connection killed mid-query into DatabaseUnavailable, then recovers', async () => {
    const server = await startPostgres();
    const db = await openPostgresDatabase(server.url);
    try {
      const slow = db.query('SELECT pg_sleep(30)').catch((e: unknown) => e);
      // Wait until the sleeping query shows up, then end its connection as a failover would.
      let killed = 0;
      while (killed === 0) {
        const { rows } = await db.query<{ killed: boolean }>(
          `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
            WHERE query = 'SELECT pg_sleep(30)' AND pid <> pg_backend_pid()`,
        );
        killed = rows.filter((r) => r.killed).length;
        if (killed === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const err = (await slow) as Error;
      expect(err.name).toBe('DatabaseUnavailable');
      expect(err.message).toContain(`${server.host}:${server.port}`);
      expect(err.message).not.toContain(server.password);
      // The pool drops the dead connection; the next query gets a new one.
      expect((await db.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
    } finally {
      await db.close();
      await server.stop();
    }
  });

  it('survives a transaction whose connection the server ends between two statements', async () => {
    // A checked-out connection has no error listener of the pool's; when the server ends it
    // (a restart, an administrator) while the transaction awaits something else, the error
    // used to be emitted with no listener and crashed the whole process.
    const server = await startPostgres();
    const db = await openPostgresDatabase(server.url);
    try {
      const outcome = db
        .transaction(async (tx) => {
          const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
          const pid = rows[0]!.pid;
          // Between statements, as when a transaction waits on object storage.
          await db.query('SELECT pg_terminate_backend($1)', [pid]);
          await new Promise((resolve) => setTimeout(resolve, 300));
          await tx.query('SELECT 1');
        })
        .catch((e: unknown) => e);
      const err = (await outcome) as Error;
      expect(err.name).toBe('DatabaseUnavailable');
      expect(err.message).not.toContain(server.password);
      // The process is still here, and the pool hands out a live connection.
      expect((await db.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
      expect(await db.transaction(async (tx) => (await tx.query('SELECT 2 AS two')).rows)).toEqual([
        { two: 2 },
      ]);
    } finally {
      await db.close();
      await server.stop();
    }
  });

  it('fails to open with DatabaseUnavailable naming host:port, never the password', async () => {
    const port = await freePort(); // nothing listens there
    const url = `postgres://zinc:s3cret-pw@127.0.0.1:${port}/zinc`;
    for (const open of [
      () => openPostgresDatabase(url),
      () => openDatabase({ url, dataDir: tempDir() }),
    ]) {
      const err = await open().catch((e: unknown) => e);
      expect((err as Error).name).toBe('DatabaseUnavailable');
      expect((err as Error).message).toContain(`127.0.0.1:${port}`);
      expect((err as Error).message).toContain('ECONNREFUSED');
      expect((err as Error).message).not.toContain('s3cret-pw');
    }
  });
});

// Test helper: a real PostgreSQL server (Debian's `postgresql` package) in a temporary folder.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface TestPostgres {
  /** `postgres://user:password@127.0.0.1:port/database` (password authentication). */
  url: string;
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** Stops the server (fast shutdown) and removes its folder; safe to call twice. */
  stop(): Promise<void>;
  /** Stops the server (fast shutdown) and keeps its data: an outage; `start()` ends it. */
  halt(): Promise<void>;
  /** Starts the server again on the same port and data; resolves once it accepts connections. */
  start(): Promise<void>;
}

const PG_ROOT = '/usr/lib/postgresql';

/** The bin folder of the newest PostgreSQL installed from Debian's packages. */
export function postgresBinDir(): string {
  const versions = existsSync(PG_ROOT)
    ? readdirSync(PG_ROOT)
        .filter((v) => /^\d+$/.test(v) && existsSync(join(PG_ROOT, v, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new Error(
      `no PostgreSQL server under ${PG_ROOT}: install Debian's postgresql package (apt-get install postgresql)`,
    );
  }
  return join(PG_ROOT, versions[0]!, 'bin');
}

/** A TCP port on loopback that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** PostgreSQL refuses to run as root: as root, its programs run as the `postgres` user. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Starts a fresh PostgreSQL server on a free loopback port with one database, and waits for it. */
export async function startPostgres(
  options: { maxConnections?: number } = {},
): Promise<TestPostgres> {
  const bin = postgresBinDir();
  const user = runAs();
  const root = mkdtempSync(join(tmpdir(), 'zinc-pg-'));
  if (user) chownSync(root, user.uid, user.gid);
  const dataDir = join(root, 'data');
  const pwFile = join(root, 'pwfile');
  const dbUser = 'zinc';
  const password = `pw-${randomBytes(9).toString('hex')}`;
  const database = 'zinc_test';
  writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
  if (user) chownSync(pwFile, user.uid, user.gid);

  execFileSync(
    join(bin, 'initdb'),
    [
      '-D',
      dataDir,
      '-U',
      dbUser,
      `--pwfile=${pwFile}`,
      '--auth=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C',
      '--no-sync',
    ],
    { ...user, cwd: root, stdio: ['ignore', 'ignore', 'pipe'] },
  );

  const port = await freePort();
  const host = '127.0.0.1';
  let stderr = '';
  // Durability settings are off: these are throw-away servers, and tests should not wait on fsync.
  const launch = () => {
    const started = spawn(
      join(bin, 'postgres'),
      [
        '-D',
        dataDir,
        '-p',
        String(port),
        '-k',
        root,
        '-c',
        `listen_addresses=${host}`,
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
        '-c',
        `max_connections=${options.maxConnections ?? 50}`,
      ],
      { ...user, cwd: root, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    started.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    return started;
  };
  let child = launch();
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const halt = async () => {
    if (!exited(child)) {
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGINT'); // fast shutdown: ends sessions, then exits
      await Promise.race([gone, sleep(10_000)]);
      if (!exited(child)) child.kill('SIGKILL');
    }
  };
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', killOnExit);
    await halt();
    rmSync(root, { recursive: true, force: true });
  };

  try {
    await waitReady(bin, host, port, child, () => stderr);
    createDatabase(bin, host, port, dbUser, password, database);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url: `postgres://${dbUser}:${password}@${host}:${port}/${database}`,
    host,
    port,
    user: dbUser,
    password,
    database,
    stop,
    halt,
    async start() {
      await halt();
      child = launch();
      await waitReady(bin, host, port, child, () => stderr);
    },
  };
}

async function waitReady(
  bin: string,
  host: string,
  port: number,
  child: ChildProcess,
  stderr: () => string,
): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited(child)) {
      throw new Error(`PostgreSQL exited while starting (code ${child.exitCode}): ${stderr()}`);
    }
    try {
      execFileSync(join(bin, 'pg_isready'), ['-q', '-h', host, '-p', String(port)], {
        stdio: 'ignore',
      });
      return;
    } catch {
      // not accepting connections yet
    }
    if (Date.now() > deadline) {
      throw new Error(`PostgreSQL on ${host}:${port} not ready after 60 s: ${stderr()}`);
    }
    await sleep(50);
  }
}

function createDatabase(
  bin: string,
  host: string,
  port: number,
  dbUser: string,
  password: string,
  database: string,
): void {
  execFileSync(join(bin, 'createdb'), ['-h', host, '-p', String(port), '-U', dbUser, database], {
    env: { ...process.env, PGPASSWORD: password },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

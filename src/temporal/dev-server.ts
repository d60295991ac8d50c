// The embedded Temporal server: `temporal server start-dev` on a SQLite file in zinc's data dir.
import { DevServerError } from '../failures.js';
import { spawn, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  openSync,
  closeSync,
  readFileSync,
  writeFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { onExit } from '../platform/exit-cleanup.js';
import { SEARCH_ATTRIBUTES } from './constants.js';
import { ensureSearchAttributes, missingSearchAttributes } from './search-attributes.js';

const SERVING = proto.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING;

/**
 * Server settings the embedded server starts with: task-queue priority (live feedback goes ahead
 * of batch work) needs the new matcher, and fairness between courses' batches needs
 * `enableFairness` (server 1.29: both off by default). A Temporal cluster needs the same two.
 */
export const DYNAMIC_CONFIG = ['matching.useNewMatcher=true', 'matching.enableFairness=true'];

export interface DevServerOptions {
  /** The Temporal CLI binary (see findTemporalCli). */
  cliPath: string;
  /** The folder for the SQLite file, the log and the state file (the data dir's temporal/). */
  stateDir: string;
  namespace: string;
  port?: number | undefined;
  uiPort?: number | undefined;
  ui?: boolean;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** The codec endpoint the Web UI decodes payloads with (zinc's /api/codec), when encrypted. */
  uiCodecEndpoint?: string | undefined;
  /** How long to wait for readiness before giving up; a slow start is normal. */
  startTimeoutMs?: number;
  /** Stops the server and rejects with the signal's reason when it aborts before it is ready. */
  signal?: AbortSignal | undefined;
}

export interface DevServer {
  /** host:port of the frontend gRPC service. */
  readonly address: string;
  /** The Web UI, when enabled. */
  readonly uiUrl: string | undefined;
  readonly namespace: string;
  readonly pid: number;
  readonly dbFile: string;
  readonly logFile: string;
  /** Stops the server (SIGTERM, then SIGKILL after 10 s) and waits for it to exit. */
  stop(): Promise<void>;
  /** Resolves with the exit code or signal when the process ends, however it ends. */
  readonly exited: Promise<number | NodeJS.Signals>;
}

/** A TCP port free on loopback right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Waits until the frontend answers health checks and knows the namespace. */
async function waitReady(
  address: string,
  namespace: string,
  child: ChildProcess,
  deadline: number,
  logFile: string,
): Promise<void> {
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new DevServerError(
        `the Temporal dev server exited (${child.exitCode ?? child.signalCode}) before it was ready; its log (${logFile}):\n${tail(logFile)}`,
      );
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: '2s' });
      try {
        const health = await connection.healthService.check({});
        if (health.status !== SERVING) throw new Error(`health status ${health.status}`);
        await connection.workflowService.describeNamespace({ namespace });
        await ensureSearchAttributes(connection, namespace);
        const missing = await missingSearchAttributes(connection, namespace);
        if (missing.length > 0)
          throw new Error(`search attributes not visible yet: ${missing.join(', ')}`);
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
    }
    await sleep(250);
  }
  throw new DevServerError(
    `the Temporal dev server at ${address} was not ready in time (last check: ${(lastError as Error | undefined)?.message ?? 'none'}); its log (${logFile}):\n${tail(logFile)}`,
  );
}

/** Starts the dev server and resolves once it is ready, with zinc's search attributes registered. */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  // Free ports are picked here, then bound by the server a moment later: another process may
  // take one in between. Such a start is tried again with new ports (a taken port that was
  // configured fails the same way each time and is reported).
  const logFile = join(options.stateDir, 'server.log');
  for (let attempt = 1; ; attempt++) {
    mkdirSync(options.stateDir, { recursive: true });
    const logStart = existsSync(logFile) ? statSync(logFile).size : 0;
    try {
      return await startOnce(options);
    } catch (err) {
      if (!(err instanceof DevServerError) || attempt >= 3) throw err;
      const log = readFileSync(logFile).subarray(logStart).toString('utf8');
      if (!log.includes('bind: address already in use')) throw err;
    }
  }
}

async function startOnce(options: DevServerOptions): Promise<DevServer> {
  mkdirSync(options.stateDir, { recursive: true });
  const dbFile = join(options.stateDir, 'temporal.sqlite');
  // The server lays out a new SQLite file's schema at its first start, not in one transaction:
  // stopped before it is ready, such a file would fail every later start. It holds nothing yet,
  // so it goes (with SQLite's side files) when the start does not succeed.
  const fresh = !existsSync(dbFile);
  let isReady = false;
  const dropUnfinishedStore = (): void => {
    if (!fresh || isReady) return;
    for (const suffix of ['', '-journal', '-wal', '-shm'])
      rmSync(`${dbFile}${suffix}`, { force: true });
  };
  const logFile = join(options.stateDir, 'server.log');
  const port = options.port ?? (await freePort());
  const uiEnabled = options.ui ?? true;
  const uiPort = options.uiPort ?? (await freePort());
  const args = [
    'server',
    'start-dev',
    '--db-filename',
    dbFile,
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--http-port',
    String(await freePort()),
    '--metrics-port',
    String(await freePort()),
    '--namespace',
    options.namespace,
    '--log-level',
    options.logLevel ?? 'warn',
    ...SEARCH_ATTRIBUTES.flatMap((name) => ['--search-attribute', `${name}=Keyword`]),
    ...DYNAMIC_CONFIG.flatMap((setting) => ['--dynamic-config-value', setting]),
    ...(uiEnabled ? ['--ui-port', String(uiPort)] : ['--headless']),
    ...(uiEnabled && options.uiCodecEndpoint
      ? ['--ui-codec-endpoint', options.uiCodecEndpoint]
      : []),
  ];
  const logFd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(options.cliPath, args, { stdio: ['ignore', logFd, logFd] });
  } finally {
    closeSync(logFd);
  }
  // However this process ends, the server does not outlive it (a Ctrl-C while it starts, a
  // second Ctrl-C that exits at once, a crash).
  const stateFile = join(options.stateDir, 'server.json');
  const cancelExitKill = onExit(() => {
    child.kill('SIGKILL');
    dropUnfinishedStore();
    rmSync(stateFile, { force: true });
  });
  const exited = new Promise<number | NodeJS.Signals>((resolve) => {
    child.once('exit', (code, signal) => {
      cancelExitKill();
      resolve(code ?? signal ?? 0);
    });
  });
  const spawnError = new Promise<never>((_, reject) => {
    child.once('error', (err) =>
      reject(new DevServerError(`cannot run the Temporal CLI ${options.cliPath}: ${err.message}`)),
    );
  });
  const address = `127.0.0.1:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  const aborted = new Promise<never>((_, reject) => {
    const signal = options.signal;
    if (!signal) return;
    if (signal.aborted) reject(signal.reason as Error);
    else signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
  });
  const ready = waitReady(address, options.namespace, child, deadline, logFile);
  ready.catch(() => undefined); // still checking when the start is aborted
  try {
    await Promise.race([ready, spawnError, aborted]);
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    dropUnfinishedStore();
    throw err;
  }
  isReady = true;
  const uiUrl = uiEnabled ? `http://127.0.0.1:${uiPort}` : undefined;
  writeFileSync(stateFile, JSON.stringify({ pid: child.pid, address, uiUrl }, null, 2));

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(stateFile, { force: true });
  };
  return {
    address,
    uiUrl,
    namespace: options.namespace,
    pid: child.pid!,
    dbFile,
    logFile,
    stop,
    exited,
  };
}

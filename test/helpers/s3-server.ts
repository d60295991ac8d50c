// Test helper: a real S3-compatible server (versitygw over a temporary folder) on loopback.
// versitygw is installed by scripts/install-s3-server.sh; when it is missing, that script runs.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { freePort } from '../../src/temporal/dev-server.js';
import { repoRoot, tempDir } from './temporal.js';

export interface S3Server {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Stops the server (SIGTERM, SIGKILL after 5 s), waits for it, and removes its folder. */
  stop(): Promise<void>;
  /** Kills the server at once (SIGKILL), as a crash would; the folder stays. */
  kill(): void;
  /** Stops the server (SIGTERM) and keeps its folder: an outage; `start()` ends it. */
  halt(): Promise<void>;
  /** Starts the server again on the same port and folder; resolves once it serves S3 calls. */
  start(): Promise<void>;
}

const INSTALL_SCRIPT = join(repoRoot, 'scripts', 'install-s3-server.sh');
const BINARY = join(repoRoot, '.tools', 'bin', 'versitygw');
const START_TIMEOUT_MS = 30_000;

/** The versitygw binary, installed first (minutes, once) if it is missing or outdated. */
function versitygwBinary(): string {
  // The script returns at once when the pinned version is already installed.
  execFileSync('bash', [INSTALL_SCRIPT], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (!existsSync(BINARY)) throw new Error(`${INSTALL_SCRIPT} ran but ${BINARY} is missing`);
  return BINARY;
}

function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Starts versitygw on a free loopback port in a fresh folder; resolves once it serves S3 calls. */
export async function startS3Server(): Promise<S3Server> {
  const binary = versitygwBinary();
  const dir = tempDir('zinc-s3-');
  const dataDir = join(dir, 'buckets');
  mkdirSync(dataDir);
  const logFile = join(dir, 'server.log');
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const accessKeyId = 'zinc-test';
  const secretAccessKey = 'zinc-test-secret';

  let child = launch();
  let exited = exitOf(child);
  await ready();

  function exitOf(process: ReturnType<typeof spawn>): Promise<void> {
    return new Promise<void>((resolve) => process.once('exit', () => resolve()));
  }

  function launch() {
    const log = openSync(logFile, 'a');
    const started = spawn(
      binary,
      [
        '--port',
        `127.0.0.1:${port}`,
        '--access',
        accessKeyId,
        '--secret',
        secretAccessKey,
        '--quiet',
        'posix',
        dataDir,
      ],
      { stdio: ['ignore', log, log] },
    );
    closeSync(log);
    return started;
  }

  async function ready(): Promise<void> {
    // Ready means an authenticated S3 call succeeds, not merely that the port is open.
    const probe = new S3Client({
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId, secretAccessKey },
      maxAttempts: 1,
      requestHandler: { connectionTimeout: 1_000, socketTimeout: 2_000 },
    });
    const deadline = Date.now() + START_TIMEOUT_MS;
    let lastError: unknown;
    try {
      for (;;) {
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(
            `versitygw exited (${child.exitCode ?? child.signalCode}) before it was ready; its log (${logFile}):\n${tail(logFile)}`,
          );
        }
        try {
          await probe.send(new ListBucketsCommand({}));
          break;
        } catch (err) {
          lastError = err;
        }
        if (Date.now() > deadline) {
          child.kill('SIGKILL');
          throw new Error(
            `versitygw at ${endpoint} was not ready in ${START_TIMEOUT_MS} ms (last check: ${(lastError as Error).message}); its log (${logFile}):\n${tail(logFile)}`,
          );
        }
        await sleep(100);
      }
    } finally {
      probe.destroy();
    }
  }

  async function halt(): Promise<void> {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
  }

  return {
    endpoint,
    accessKeyId,
    secretAccessKey,
    async stop() {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
    kill() {
      child.kill('SIGKILL');
    },
    halt,
    async start() {
      await halt();
      child = launch();
      exited = exitOf(child);
      await ready();
    },
  };
}

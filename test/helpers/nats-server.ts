// Test helper: a real nats-server (Debian's, installed by scripts/setup.sh) with JetStream on a
// free loopback port and a store folder that outlives a restart, as a production server's does.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../src/temporal/dev-server.js';
import { tempDir } from './temporal.js';

const START_TIMEOUT_MS = 20_000;

export interface NatsServer {
  /** nats://127.0.0.1:<port> */
  url: string;
  /** Stops the server (SIGTERM, SIGKILL after 5 s); its store folder stays for `start`. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same store (after `stop`). */
  start(): Promise<void>;
}

function nsBinary(): string {
  try {
    return execFileSync('bash', ['-c', 'command -v nats-server'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(
      'nats-server is not installed: run scripts/setup.sh (apt-get install nats-server)',
    );
  }
}

/** Starts nats-server with JetStream; resolves once its health check says JetStream is ready. */
export async function startNatsServer(): Promise<NatsServer> {
  const binary = nsBinary();
  const dir = tempDir('zinc-nats-');
  const [port, monitorPort] = [await freePort(), await freePort()];
  const logFile = join(dir, 'server.log');
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const tail = () => readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-20).join('\n');

  const start = async (): Promise<void> => {
    const log = openSync(logFile, 'a');
    const started = spawn(
      binary,
      [
        '-a',
        '127.0.0.1',
        '-p',
        String(port),
        '-m',
        String(monitorPort),
        '-js',
        '-sd',
        join(dir, 'store'),
      ],
      { stdio: ['ignore', log, log] },
    );
    closeSync(log);
    child = started;
    exited = new Promise<void>((resolve) => started.once('exit', () => resolve()));
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (started.exitCode !== null || started.signalCode !== null) {
        throw new Error(`nats-server exited before it was ready; its log:\n${tail()}`);
      }
      try {
        const res = await fetch(`http://127.0.0.1:${monitorPort}/healthz?js-enabled-only=true`);
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        started.kill('SIGKILL');
        throw new Error(`nats-server was not ready in ${START_TIMEOUT_MS} ms; its log:\n${tail()}`);
      }
      await sleep(100);
    }
  };

  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    start,
    async stop() {
      const running = child;
      if (!running || running.exitCode !== null || running.signalCode !== null) return;
      running.kill('SIGTERM');
      const timer = setTimeout(() => running.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

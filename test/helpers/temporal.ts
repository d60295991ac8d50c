// Test helpers: a real Temporal dev server per test file, and worker processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { findTemporalCli } from '../../src/temporal/cli-binary.js';
import {
  startDevServer,
  type DevServer,
  type DevServerOptions,
} from '../../src/temporal/dev-server.js';

export const NAMESPACE = 'zinc-test';
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** A fresh temporary folder. */
export function tempDir(prefix = 'zinc-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Starts a real dev server in a fresh state folder (or the given one). */
export async function startTestServer(options: Partial<DevServerOptions> = {}): Promise<DevServer> {
  return startDevServer({
    cliPath: findTemporalCli(),
    stateDir: options.stateDir ?? tempDir(),
    namespace: NAMESPACE,
    ui: false,
    ...options,
  });
}

/** Runs a TypeScript file as its own Node process (through tsx). */
export function spawnTs(file: string, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', file], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

/** Waits until `file` exists, or fails after `timeoutMs`. */
export async function waitForFile(file: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${file}`);
    await sleep(100);
  }
}

/** Resolves with the exit code (or signal) of a child process. */
export function exitOf(child: ChildProcess): Promise<number | NodeJS.Signals> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  if (child.signalCode !== null) return Promise.resolve(child.signalCode);
  return new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 0)),
  );
}

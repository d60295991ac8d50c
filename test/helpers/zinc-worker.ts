// Test helper: `zinc worker <component>` as its own OS process, run with the real (compiled) CLI,
// the way an operator runs one component on a machine of its own.
import { spawn } from 'node:child_process';
import type { Component } from '../../src/main/zinc.js';
import { repoRoot } from './temporal.js';
import { zincBin } from './zinc-bin.js';

/** The line `zinc worker` prints once its workers are created (see src/cli/commands/up.ts). */
const READY_LINE = /zinc \w+ worker is up/;
const OUTPUT_KEPT = 20_000;

export interface ZincWorkerProcess {
  readonly component: Component;
  readonly pid: number;
  /** Resolves once the worker says it is up; rejects if the process ends first. */
  readonly ready: Promise<void>;
  /** Resolves with the exit code, or the signal that ended the process. */
  readonly exited: Promise<number | NodeJS.Signals>;
  /** Whether the process is still running. */
  alive(): boolean;
  /** The last part of what the process wrote on stdout and stderr. */
  output(): string;
  /** SIGKILL, as a crash or an OOM kill would; resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM (graceful: in-flight work gets the configured grace time); resolves on exit. */
  stop(): Promise<number | NodeJS.Signals>;
}

/** Starts `zinc worker <component>` with `env` added to this process's environment. */
export function startZincWorker(
  component: Component,
  env: Record<string, string>,
): ZincWorkerProcess {
  const child = spawn(process.execPath, [zincBin(), 'worker', component], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let announced = false;
  let onReady: () => void = () => {};
  // A test run that ends abruptly must not leave workers polling a server that is gone.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const exited = new Promise<number | NodeJS.Signals>((resolve) => {
    child.once('exit', (code, signal) => {
      process.removeListener('exit', killOnExit);
      resolve(code ?? signal ?? 0);
    });
  });
  const ready = new Promise<void>((resolve, reject) => {
    onReady = resolve;
    void exited.then((how) =>
      reject(
        new Error(
          `zinc worker ${component} ended (${how}) before it was up; its output:\n${output}`,
        ),
      ),
    );
  });
  ready.catch(() => {}); // a caller that never waits for readiness must not see an unhandled rejection
  const append = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-OUTPUT_KEPT);
    if (!announced && READY_LINE.test(output)) {
      announced = true;
      onReady();
    }
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  return {
    component,
    pid: child.pid!,
    ready,
    exited,
    alive,
    output: () => output,
    async kill() {
      if (alive()) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (alive()) child.kill('SIGTERM');
      return exited;
    },
  };
}

// Test helpers for ExecutePipeline: what ran in which sandbox, as the host and the workflow's
// history show it.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkflowHandle } from '@temporalio/client';
import { processesOfUid } from './sandbox.js';

/**
 * A bwrap that counts its starts (one per graded delivery) in a file, then is the real one (same
 * argv, same fds); the folder and the file are open to the sandbox user, who runs it.
 */
export function countingBwrap(dir: string): { path: string; runs: () => number } {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  chmodSync(dir, 0o755);
  const countFile = join(dir, 'runs');
  writeFileSync(countFile, '');
  chmodSync(countFile, 0o666);
  const path = join(dir, 'bwrap');
  writeFileSync(path, `#!/bin/sh\nprintf x >> '${countFile}'\nexec bwrap "$@"\n`);
  chmodSync(path, 0o755);
  return { path, runs: () => readFileSync(countFile, 'utf8').length };
}

/** The argv of every command running in the sandboxes of host uid `uid` (not bwrap nor the
 * launcher: the graded commands themselves). */
export function sandboxCommands(uid: number): string[][] {
  const found: string[][] = [];
  for (const pid of processesOfUid(uid)) {
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
    } catch {
      continue; // it ended while we looked
    }
    const program = argv[0] ?? '';
    if (program === '' || program.endsWith('bwrap') || program === '/.zinc/launcher') continue;
    found.push(argv);
  }
  return found;
}

/** A fresh folder (mode 0711, reachable by a sandbox user) under `parent`, e.g. another process's
 * TMPDIR. */
export function reachableDir(parent: string, name: string): string {
  const dir = join(parent, name);
  mkdirSync(dir, { mode: 0o711 });
  chmodSync(dir, 0o711);
  return dir;
}

/** Polls `probe` every 100 ms until `ok`, for at most a minute. */
export async function waitFor<T>(
  probe: () => T | Promise<T>,
  ok: (value: T) => boolean,
  what: string,
): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const value = await probe();
    if (ok(value)) return value;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The attempts of a workflow's activity, as its history records their starts (a retried
 * activity records only its last attempt's start, with the attempt number and last failure). */
export async function activityStarts(handle: WorkflowHandle) {
  const history = await handle.fetchHistory();
  return history
    .events!.filter((e) => e.activityTaskStartedEventAttributes)
    .map((e) => e.activityTaskStartedEventAttributes!);
}

/** Only the verdicts counted at least once. */
export function nonZero(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
}

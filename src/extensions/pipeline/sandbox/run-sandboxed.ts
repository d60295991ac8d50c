// runSandboxed: one command in a fresh bubblewrap sandbox, bounded, measured, described.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { projectRoot } from '../../../platform/paths.js';
import { buildBwrapArgs, sandboxDataFiles } from './bwrap-args.js';
import {
  InvalidSandboxSpecError,
  SandboxCancelledError,
  SandboxUnavailableError,
} from './errors.js';
import { signalName } from './launcher-report.js';
import { superviseSandbox, type SupervisedRun } from './supervise.js';
import type { SandboxOptions, SandboxResult, SandboxSpec } from './types.js';
import { validateSpec } from './validate-spec.js';
import { checkBindSource, prepareWorkDir, sandboxIdentity } from './work-dir.js';

/** Peak memory at or above this share of the limit, with an abnormal end, counts as running
 * out of memory (RLIMIT_AS makes allocations fail before the resident size reaches the limit). */
const MEMORY_NEAR_LIMIT = 0.9;
/** What runtimes print when an allocation fails: C++, Python, Java, glibc/perror, g++, Go. */
const OUT_OF_MEMORY =
  /std::bad_alloc|MemoryError|java\.lang\.OutOfMemoryError|Cannot allocate memory|memory exhausted|out of memory/i;
/** What a program that ignores SIGXFSZ (Python does) sees on writing past RLIMIT_FSIZE. */
const FILE_TOO_LARGE = /File too large/;

/** The launcher binary built by scripts/build-sandbox-helper.sh. */
export function defaultLauncherPath(): string {
  return join(projectRoot(), '.tools', 'bin', 'zinc-sandbox-launcher');
}

/**
 * Runs `spec.command` in a fresh bubblewrap sandbox and describes what happened. A student's
 * failure (crash, timeout, too much output) is a result; throws SandboxUnavailableError when the
 * sandbox itself could not run, SandboxCancelledError when `spec.signal` aborted the run (after
 * its processes are gone), InvalidSandboxSpecError for a spec that cannot be run.
 */
export async function runSandboxed(
  spec: SandboxSpec,
  options: SandboxOptions = {},
): Promise<SandboxResult> {
  validateSpec(spec);
  throwIfCancelled(spec.signal, 'before it started');
  const identity = sandboxIdentity(options.sandboxUid);
  if (identity.switchUser && identity.uid === 0) {
    throw new InvalidSandboxSpecError('sandboxUid must not be 0: root is exempt from RLIMIT_NPROC');
  }
  const launcherPath = options.launcherPath ?? defaultLauncherPath();
  const launcher = await readFile(launcherPath).catch((error: unknown) => {
    throw new SandboxUnavailableError(
      `the sandbox launcher ${launcherPath} cannot be read (${String(error)}); ` +
        'build it with scripts/build-sandbox-helper.sh',
    );
  });
  await prepareWorkDir(spec.workDir, identity);
  for (const bind of spec.readOnlyBinds ?? []) await checkBindSource(bind.hostPath, identity);
  throwIfCancelled(spec.signal, 'before it started');

  const dataFiles = sandboxDataFiles(launcher, spec.network === true);
  const bwrapPath = options.bwrapPath ?? 'bwrap';
  const run = await superviseSandbox({
    bwrapPath,
    args: buildBwrapArgs(spec, dataFiles),
    pipedInputs: dataFiles.map((file) => file.content),
    identity,
    stdin: spec.stdin,
    limits: spec.limits,
    signal: spec.signal,
  });

  if (run.spawnError !== null) {
    throw new SandboxUnavailableError(
      `cannot start bubblewrap (${bwrapPath}): ${run.spawnError.message}`,
    );
  }
  throwIfCancelled(run.cancelled ? spec.signal : undefined, 'and its processes were killed');
  if (!run.report.ready || run.report.setupError !== null) {
    throw new SandboxUnavailableError(setupFailure(run, bwrapPath, spec.workDir));
  }
  return describe(run, spec);
}

function throwIfCancelled(signal: AbortSignal | undefined, when: string): void {
  if (signal?.aborted) {
    throw new SandboxCancelledError(`the sandboxed run was cancelled ${when}`, {
      cause: signal.reason,
    });
  }
}

function setupFailure(run: SupervisedRun, bwrapPath: string, workDir: string): string {
  const said = run.stderr.toString('utf8').trim().slice(0, 2000) || 'nothing on stderr';
  const how = run.backstopFired
    ? 'did not start before the wall-time limit'
    : run.report.setupError !== null
      ? `launcher failed: ${run.report.setupError}`
      : `exited with ${run.exitCode ?? run.exitSignal} before the launcher started`;
  return `the sandbox for ${workDir} could not be set up: ${bwrapPath} ${how} (${said})`;
}

/** Turns a supervised run that reached the launcher into the description callers get. */
function describe(run: SupervisedRun, spec: SandboxSpec): SandboxResult {
  const { limits } = spec;
  const done = run.report.done;
  let exitCode: number | null;
  let signal: string | null;
  if (done !== null) {
    ({ exitCode, signal } = done);
  } else if (run.killedByZinc || run.exitSignal !== null) {
    exitCode = null;
    signal = run.exitSignal ?? 'SIGKILL';
  } else {
    // The command killed the launcher (it may: same uid); bwrap passes on 128 + signal.
    const code = run.exitCode ?? 1;
    exitCode = code > 128 ? null : code;
    signal = code > 128 ? signalName(code - 128) : null;
  }
  const cpuTimeMs = done?.cpuTimeMs ?? 0;
  const peakMemoryBytes = done?.peakMemoryBytes ?? 0;
  const timedOut = done?.stop === 'wall' || run.backstopFired;
  const stoppedByZinc = timedOut || run.outputExceeded;
  const abnormal = signal !== null || exitCode !== 0;
  const stderrText = run.stderr.toString('latin1');
  return {
    exitCode,
    signal,
    wallTimeMs: done?.wallTimeMs ?? run.hostWallTimeMs,
    cpuTimeMs,
    peakMemoryBytes,
    stdout: run.stdout,
    stderr: run.stderr,
    timedOut,
    cpuTimeExceeded: cpuTimeMs > limits.cpuTimeMs || signal === 'SIGXCPU',
    memoryExceeded:
      abnormal &&
      !stoppedByZinc &&
      (OUT_OF_MEMORY.test(stderrText) || peakMemoryBytes >= MEMORY_NEAR_LIMIT * limits.memoryBytes),
    outputExceeded: run.outputExceeded,
    fileSizeExceeded:
      signal === 'SIGXFSZ' || (abnormal && !stoppedByZinc && FILE_TOO_LARGE.test(stderrText)),
    execError: run.report.execError,
  };
}

// What every stage gets: the config, the work dir, test data, and one way to run a command.
import { SandboxCancelledError } from '../../../failures.js';
import type { GradingConfig } from '../config/types.js';
import { type SandboxLimits, type SandboxResult, type SandboxSession } from '../sandbox/index.js';
import type { CommandReport } from '../report/types.js';
import { outputText } from '../report/output-text.js';
import { WORK_DIR_LIMIT_TEXT } from './limits.js';
import type { Heartbeat } from './heartbeat.js';

export interface StageContext {
  config: GradingConfig;
  /** The delivery's sandbox: /work holds its files and what the build stages made (null when
   * the config runs no command). */
  sandbox: SandboxSession | null;
  /** The delivery's own file paths, checked and normalised (before template filtering). */
  deliveredPaths: string[];
  /** Test inputs and expected outputs by normalised asset path. */
  testData: ReadonlyMap<string, Buffer>;
  heartbeat: Heartbeat;
  signal?: AbortSignal;
}

/**
 * Runs one command in the delivery's sandbox: a build stage on /work itself, a test
 * (`isolated`) on a fresh copy of /work that is thrown away after it.
 */
export function runInSandbox(
  ctx: StageContext,
  command: string[],
  limits: SandboxLimits,
  extra: { stdin?: Buffer; env?: Record<string, string>; isolated?: boolean } = {},
): Promise<SandboxResult> {
  throwIfCancelled(ctx.signal);
  ctx.heartbeat.check();
  return sandboxOf(ctx).run({
    command,
    limits,
    isolated: extra.isolated === true,
    ...(extra.stdin === undefined ? {} : { stdin: extra.stdin }),
    ...(extra.env === undefined ? {} : { env: extra.env }),
    ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
  });
}

/** The delivery's sandbox; every stage that runs a command has one (runPipeline opens it). */
export function sandboxOf(ctx: StageContext): SandboxSession {
  if (ctx.sandbox === null) throw new Error('a stage ran a command but no sandbox was opened');
  return ctx.sandbox;
}

/** Throws SandboxCancelledError once `signal` has fired: a cancelled pipeline rejects. */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new SandboxCancelledError('the pipeline was cancelled', { cause: signal.reason });
  }
}

/** A finished command as a report shows it. */
export function commandReport(command: string[], result: SandboxResult): CommandReport {
  return {
    command,
    exitCode: result.exitCode,
    signal: result.signal,
    timedOut: result.timedOut,
    limitExceeded: result.memoryExceeded
      ? 'MEMORY'
      : result.outputExceeded || result.fileSizeExceeded || result.workDirFull
        ? 'OUTPUT'
        : result.cpuTimeExceeded
          ? 'CPU_TIME'
          : null,
    wallTimeMs: Math.round(result.wallTimeMs),
    peakMemoryBytes: result.peakMemoryBytes,
    stdout: outputText(result.stdout),
    stderr: outputText(result.stderr),
  };
}

/** Why a stage command failed when its exit status alone does not say; null when it did not. */
export function commandFailure(
  result: SandboxResult,
  what: string,
  limits: SandboxLimits,
): string | null {
  if (result.execError !== null) return `cannot run ${what}: ${result.execError}`;
  if (result.timedOut) {
    return `${what} did not finish within the wall-time limit of ${limits.wallTimeMs / 1000} s (stage_wait_duration_secs) and was killed`;
  }
  if (result.cpuTimeExceeded)
    return `${what} used more than ${limits.cpuTimeMs / 1000} s of CPU time and was killed`;
  if (result.memoryExceeded) {
    return `${what} ran out of memory (limit ${Math.round(limits.memoryBytes / 1024 / 1024)} MiB, _settings.mem_gb)`;
  }
  if (result.outputExceeded)
    return `${what} printed more than ${limits.outputBytes} bytes and was stopped`;
  if (result.fileSizeExceeded)
    return `${what} wrote a file larger than ${limits.maxFileBytes} bytes`;
  if (result.workDirFull) return `${what} filled the work dir (${WORK_DIR_LIMIT_TEXT})`;
  if (result.signal !== null) return `${what} was killed by ${result.signal}`;
  return null;
}

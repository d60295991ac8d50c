// Runs one bubblewrap process and watches it: feeds stdin and the data files, captures output
// up to its cap, and stops the run on output overflow, cancellation or a hung sandbox.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Duplex, Readable, Writable } from 'node:stream';
import { FIRST_DATA_FD, CONTROL_FD, STATUS_FD } from './bwrap-args.js';
import { LauncherReportReader, type LauncherReport } from './launcher-report.js';
import type { SandboxLimits } from './types.js';
import type { SandboxIdentity } from './work-dir.js';

/** How long past the wall-time limit zinc waits for the launcher before killing bwrap itself
 * (the launcher enforces the limit; this only catches a sandbox that hangs or a dead launcher). */
const BACKSTOP_GRACE_MS = 5_000;
/** How long after asking the launcher to stop zinc waits before killing bwrap itself. */
const STOP_GRACE_MS = 2_000;
/** How long after killing the sandbox's pid 1 zinc waits for bwrap to exit before killing it. */
const KILL_GRACE_MS = 1_000;

/** What one bwrap process did, before it is judged a result or a sandbox failure. */
export interface SupervisedRun {
  report: LauncherReport;
  stdout: Buffer;
  stderr: Buffer;
  outputExceeded: boolean;
  /** bwrap's own exit: its code (the launcher's, passed through) or the signal that killed it. */
  exitCode: number | null;
  exitSignal: string | null;
  /** Wall time as zinc saw it, bwrap's set-up included. */
  hostWallTimeMs: number;
  /** zinc killed bwrap itself (the launcher did not answer in time). */
  killedByZinc: boolean;
  backstopFired: boolean;
  cancelled: boolean;
  spawnError: Error | null;
}

/** What to start and how. */
export interface SuperviseInput {
  bwrapPath: string;
  args: string[];
  /** Data files bwrap reads from fds FIRST_DATA_FD, FIRST_DATA_FD + 1... */
  pipedInputs: Buffer[];
  identity: SandboxIdentity;
  stdin: string | Buffer | undefined;
  limits: SandboxLimits;
  signal: AbortSignal | undefined;
}

/** Starts bwrap and resolves once it and every process of its sandbox are gone. */
export function superviseSandbox(input: SuperviseInput): Promise<SupervisedRun> {
  return new Promise((resolve) => {
    const started = performance.now();
    const reader = new LauncherReportReader();
    const stdout = new OutputCapture(input.limits.outputBytes);
    const stderr = new OutputCapture(input.limits.outputBytes);
    const state = {
      killedByZinc: false,
      backstopFired: false,
      cancelled: false,
      stopRequested: false,
      spawnError: null as Error | null,
      settled: false,
    };
    const timers: NodeJS.Timeout[] = [];

    const child = spawn(input.bwrapPath, input.args, {
      // bwrap needs nothing of zinc's environment but PATH to be found by name.
      cwd: '/',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      stdio: [
        ...['stdin', 'stdout', 'stderr', 'control', 'status'].map(() => 'pipe' as const),
        ...input.pipedInputs.map(() => 'pipe' as const),
      ],
      ...(input.identity.switchUser ? { uid: input.identity.uid, gid: input.identity.gid } : {}),
    });
    const control = child.stdio[CONTROL_FD] as Duplex;
    const status = child.stdio[STATUS_FD] as Readable;
    let statusText = '';
    let sandboxPid: number | null = null;

    // Killing the sandbox's pid 1 (the launcher) takes every process of the sandbox with it, and
    // bwrap, which waits for it, then exits; killing bwrap first would leave pid 1 to the host's
    // init to reap. bwrap itself is killed if it started no sandbox or does not exit.
    const killSandbox = () => {
      state.killedByZinc = true;
      if (sandboxPid !== null && child.pid !== undefined && parentOf(sandboxPid) === child.pid) {
        try {
          process.kill(sandboxPid, 'SIGKILL');
        } catch {
          // It ended on its own meanwhile; bwrap is exiting.
        }
        timers.push(setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS));
      } else {
        child.kill('SIGKILL');
      }
    };
    // The launcher kills every process of the sandbox and still reports what it measured.
    const requestStop = () => {
      if (state.stopRequested) return;
      state.stopRequested = true;
      if (!control.destroyed) control.write('stop\n');
      timers.push(setTimeout(killSandbox, STOP_GRACE_MS));
    };
    const onAbort = () => {
      state.cancelled = true;
      requestStop();
    };
    const finish = (exitCode: number | null, exitSignal: string | null) => {
      if (state.settled) return;
      state.settled = true;
      for (const timer of timers) clearTimeout(timer);
      input.signal?.removeEventListener('abort', onAbort);
      control.destroy();
      resolve({
        report: reader.report,
        stdout: stdout.bytes(),
        stderr: stderr.bytes(),
        outputExceeded: stdout.exceeded || stderr.exceeded,
        exitCode,
        exitSignal,
        hostWallTimeMs: performance.now() - started,
        killedByZinc: state.killedByZinc,
        backstopFired: state.backstopFired,
        cancelled: state.cancelled,
        spawnError: state.spawnError,
      });
    };

    child.on('error', (error) => {
      state.spawnError = error;
      // A process that never started emits no 'close' of its own in every Node version.
      if (child.pid === undefined) finish(null, null);
    });
    child.on('close', (code, signal) => finish(code, signal));

    const ignore = () => {};
    control.on('error', ignore);
    control.on('data', (chunk: Buffer) => reader.push(chunk));
    status.on('error', ignore);
    status.on('data', (chunk: Buffer) => {
      statusText += chunk.toString('latin1');
      const pid = /"child-pid":\s*(\d+)/.exec(statusText)?.[1];
      if (pid !== undefined) sandboxPid = Number(pid);
    });
    child.stdout.on('data', (chunk: Buffer) => {
      if (stdout.push(chunk)) requestStop();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.push(chunk)) requestStop();
    });
    child.stdin.on('error', ignore); // EPIPE: the command did not read all of its input
    child.stdin.end(input.stdin ?? '');
    input.pipedInputs.forEach((content, i) => {
      const stream = child.stdio[FIRST_DATA_FD + i] as Writable;
      stream.on('error', ignore);
      stream.end(content);
    });

    timers.push(
      setTimeout(() => {
        state.backstopFired = true;
        killSandbox();
      }, input.limits.wallTimeMs + BACKSTOP_GRACE_MS),
    );
    if (input.signal?.aborted) onAbort();
    else input.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The parent pid of `pid`, or null when it is gone. */
function parentOf(pid: number): number | null {
  try {
    const ppid = /^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return ppid === undefined ? null : Number(ppid);
  } catch {
    return null;
  }
}

/** The first `cap` bytes of a stream; what comes after is counted as overflow and dropped. */
class OutputCapture {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  exceeded = false;

  constructor(private readonly cap: number) {}

  /** Keeps what fits; returns true the first time the stream passes its cap. */
  push(chunk: Buffer): boolean {
    if (this.exceeded) return false;
    const room = this.cap - this.size;
    if (chunk.length <= room) {
      this.chunks.push(chunk);
      this.size += chunk.length;
      return false;
    }
    if (room > 0) this.chunks.push(chunk.subarray(0, room));
    this.size = this.cap;
    this.exceeded = true;
    return true;
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks, this.size);
  }
}

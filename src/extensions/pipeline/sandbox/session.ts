// openSandbox: one bubblewrap sandbox for one delivery. Its files go in once; then each run
// (a compile, a make, each test) starts in a fresh mount namespace inside it, so a test costs a
// fork and a few mounts, not a new sandbox, and still starts from the state the build left.
import {
  InvalidSandboxSpecError,
  SandboxCancelledError,
  SandboxFilesRefusedError,
  SandboxUnavailableError,
} from '../../../failures.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { constants } from 'node:os';
import { join } from 'node:path';
import type { Duplex, Readable, Writable } from 'node:stream';
import { projectRoot } from '../../../platform/paths.js';
import {
  CONTROL_FD,
  FIRST_DATA_FD,
  MAX_OPEN_FILES,
  STATUS_FD,
  buildBwrapArgs,
  runEnvironment,
  sandboxDataFiles,
} from './bwrap-args.js';
import { SandboxCgroups, detectContainment, type Containment } from './cgroups.js';
import {
  FrameReader,
  encodeBare,
  encodeFiles,
  encodeRun,
  encodeSnapshot,
  parseDone,
  parseSnapshot,
  type Frame,
  type RunDone,
  type SandboxFile,
} from './protocol.js';
import type { SandboxLimits, SandboxOptions, SandboxResult } from './types.js';
import { validateRun } from './validate-spec.js';
import { sandboxIdentity } from './work-dir.js';
import { requireLauncher } from './launcher-version.js';

/** What /work may hold by default: bytes and files (folders included). */
export const DEFAULT_WORK_BYTES = 256 * 1024 * 1024;
export const DEFAULT_WORK_FILES = 10_000;
/** How long past a run's wall-time limit zinc waits for the launcher before it gives up on the
 * sandbox (the launcher enforces the limit; this catches a hung sandbox). */
const BACKSTOP_GRACE_MS = 5_000;
/** How long the sandbox may take to start and take the delivery's files. */
const START_TIMEOUT_MS = 30_000;
/** How long a closing sandbox may take before it is killed. */
const CLOSE_GRACE_MS = 2_000;
/** Peak memory at or above this share of the limit, with an abnormal end, counts as running
 * out of memory where there is no memory cgroup to say so (RLIMIT_AS makes allocations fail
 * before the resident size reaches the limit). */
const MEMORY_NEAR_LIMIT = 0.9;
/** What runtimes print when an allocation fails: C++, Python, Java, glibc/perror, g++, Go. */
const OUT_OF_MEMORY =
  /std::bad_alloc|MemoryError|java\.lang\.OutOfMemoryError|Cannot allocate memory|memory exhausted|out of memory/i;
/** What a program that ignores SIGXFSZ (Python does) sees on writing past RLIMIT_FSIZE. */
const FILE_TOO_LARGE = /File too large/;

/** The sandbox of one delivery. */
export interface OpenSandboxSpec {
  /** The files /work starts with (checked relative paths). */
  files: readonly SandboxFile[];
  /** What /work may hold (and each test's copy of it): bytes, and files and folders. */
  workBytes?: number;
  workFiles?: number;
}

/** One command in the sandbox. */
export interface SandboxRun {
  /** argv; the first word is looked up on the sandbox's PATH (/usr/bin:/bin) or is a path. */
  command: string[];
  limits: SandboxLimits;
  stdin?: string | Buffer;
  /** Added to the run's small clean environment (PATH, HOME=/tmp, TMPDIR=/tmp, LANG=C.UTF-8). */
  env?: Record<string, string>;
  /**
   * A test: the run works on a fresh copy of /work, thrown away when it ends. Otherwise (a build
   * stage) it works on /work itself and what it makes stays for later runs.
   */
  isolated?: boolean;
  /** Aborting kills the run's processes; run() then rejects with SandboxCancelled. */
  signal?: AbortSignal;
}

/** The launcher binary built by scripts/build-sandbox-helper.sh. */
export function defaultLauncherPath(): string {
  return join(projectRoot(), '.tools', 'bin', 'zinc-sandbox-launcher');
}

/** Starts a sandbox holding `spec.files` in /work. Throws SandboxUnavailable when it cannot be
 * started, SandboxFilesRefused when the files do not fit in /work. */
export async function openSandbox(
  spec: OpenSandboxSpec,
  options: SandboxOptions = {},
): Promise<SandboxSession> {
  const identity = sandboxIdentity(options.sandboxUid);
  if (identity.switchUser && identity.uid === 0) {
    throw new InvalidSandboxSpecError('sandboxUid must not be 0: root is exempt from RLIMIT_NPROC');
  }
  const launcherPath = options.launcherPath ?? defaultLauncherPath();
  const launcher = await readFile(launcherPath).catch((error: unknown) => {
    throw new SandboxUnavailableError(
      `the sandbox launcher ${launcherPath} cannot be read (${String(error)}); ` +
        'build it with scripts/build-sandbox-helper.sh',
      'launcher',
    );
  });
  requireLauncher(launcher, launcherPath);
  const containment = options.containment ?? detectContainment();
  const cgroups =
    containment.mode === 'cgroup-v1'
      ? SandboxCgroups.create(containment.roots, identity.uid, identity.gid)
      : null;
  const cgroupFds: number[] = [];
  const cgroupNames: string[] = [];
  try {
    for (const [name, folder] of cgroups?.folders() ?? []) {
      cgroupFds.push(openSync(folder, 'r'));
      cgroupNames.push(name);
    }
  } catch (error) {
    for (const fd of cgroupFds) closeSync(fd);
    cgroups?.destroy();
    throw new SandboxUnavailableError(
      `cannot open the sandbox's cgroups: ${String(error)}`,
      'cgroups',
    );
  }
  const dataFiles = sandboxDataFiles(launcher);
  const firstCgroupFd = FIRST_DATA_FD + dataFiles.length;
  const bwrapPath = options.bwrapPath ?? 'bwrap';
  const args = buildBwrapArgs(
    {
      workBytes: spec.workBytes ?? DEFAULT_WORK_BYTES,
      workFiles: spec.workFiles ?? DEFAULT_WORK_FILES,
      cgroups: cgroupNames.map((name, i) => `${name}=${firstCgroupFd + i}`),
    },
    dataFiles,
  );
  let child: ChildProcess;
  try {
    child = spawn(bwrapPath, args, {
      cwd: '/',
      // bwrap needs nothing of zinc's environment; a PATH finds it when named without a folder.
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
      stdio: [
        'ignore',
        'pipe',
        'pipe',
        'pipe',
        'pipe',
        ...dataFiles.map(() => 'pipe' as const),
        ...cgroupFds,
      ],
      ...(identity.switchUser ? { uid: identity.uid, gid: identity.gid } : {}),
    });
  } finally {
    for (const fd of cgroupFds) closeSync(fd);
  }
  const session = new SandboxSession(child, bwrapPath, containment, cgroups);
  dataFiles.forEach((file, i) => {
    const stream = child.stdio[FIRST_DATA_FD + i] as Writable;
    stream.on('error', () => {});
    stream.end(file.content);
  });
  try {
    await session.start(spec.files);
  } catch (error) {
    await session.close();
    throw error;
  }
  return session;
}

interface Waiter {
  onFrame: (frame: Frame) => void;
  onDeath: (error: Error) => void;
}

/** A running sandbox: one run at a time; close() when the delivery is done. */
export class SandboxSession {
  private readonly reader = new FrameReader();
  private readonly control: Duplex;
  private waiter: Waiter | null = null;
  private stderr = '';
  private sandboxPid: number | null = null;
  private dead: Error | null = null;
  private closing = false;
  private readonly exited: Promise<void>;

  constructor(
    private readonly child: ChildProcess,
    private readonly bwrapPath: string,
    /** How this sandbox's runs are contained (see cgroups.ts). */
    readonly containment: Containment,
    private readonly cgroups: SandboxCgroups | null,
  ) {
    this.control = child.stdio[CONTROL_FD] as Duplex;
    const status = child.stdio[STATUS_FD] as Readable;
    let statusText = '';
    const ignore = () => {};
    this.control.on('error', ignore);
    this.control.on('data', (chunk: Buffer) => {
      for (const frame of this.reader.push(chunk)) this.waiter?.onFrame(frame);
    });
    status.on('error', ignore);
    status.on('data', (chunk: Buffer) => {
      statusText += chunk.toString('latin1');
      const pid = /"child-pid":\s*(\d+)/.exec(statusText)?.[1];
      if (pid !== undefined) this.sandboxPid = Number(pid);
    });
    child.stdout?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString('utf8')));
    this.exited = new Promise((resolve) => {
      child.on('error', (error) => {
        this.die(
          new SandboxUnavailableError(
            `cannot start bubblewrap (${bwrapPath}): ${error.message}`,
            'start',
          ),
        );
        if (child.pid === undefined) resolve();
      });
      child.on('close', (code, signal) => {
        this.die(
          new SandboxUnavailableError(
            `the sandbox ended unexpectedly: ${bwrapPath} exited with ${code ?? signal} ` +
              `(${this.stderr.trim().slice(0, 2000) || 'nothing on stderr'})`,
            'died',
          ),
        );
        resolve();
      });
    });
  }

  private die(error: Error): void {
    if (this.dead !== null) return;
    this.dead = error;
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.onDeath(error);
  }

  /** Sends a frame and resolves with the first answer `accept` takes. */
  private exchange<T>(
    request: Buffer,
    accept: (frame: Frame) => T | undefined,
    timeoutMs: number,
    what: string,
  ): Promise<T> {
    if (this.dead !== null) return Promise.reject(this.dead);
    if (this.waiter !== null) {
      return Promise.reject(new InvalidSandboxSpecError('a sandbox runs one command at a time'));
    }
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.kill();
        this.die(
          new SandboxUnavailableError(`the sandbox did not answer ${what} in time`, 'unresponsive'),
        );
      }, timeoutMs);
      this.waiter = {
        onFrame: (frame) => {
          if (frame.type === 'E') {
            clearTimeout(timer);
            this.waiter = null;
            this.kill();
            reject(
              new SandboxUnavailableError(
                `the sandbox launcher failed: ${launcherError(frame)}`,
                'launcher',
              ),
            );
            return;
          }
          const value = accept(frame);
          if (value === undefined) return;
          clearTimeout(timer);
          this.waiter = null;
          resolve(value);
        },
        onDeath: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      if (request.length > 0) this.control.write(request);
    });
  }

  /** Waits for the launcher and hands it the delivery's files. */
  async start(files: readonly SandboxFile[]): Promise<void> {
    await this.exchange(
      Buffer.alloc(0),
      (f) => (f.type === 'r' ? true : undefined),
      START_TIMEOUT_MS,
      'at start',
    );
    const refused = await this.exchange(
      encodeFiles(files),
      (f) => (f.type === 'k' ? null : f.type === 'f' ? f.payload.toString('utf8') : undefined),
      START_TIMEOUT_MS,
      'with the files',
    );
    if (refused !== null) {
      throw new SandboxFilesRefusedError(`the delivery's files do not fit in /work: ${refused}`);
    }
  }

  /** The regular files in /work (relative, sorted), as the build stages left them. */
  async listFiles(): Promise<string[]> {
    const listing = await this.exchange(
      encodeBare('L'),
      (f) => (f.type === 'l' ? f.payload.toString('utf8') : undefined),
      START_TIMEOUT_MS,
      'with the file list',
    );
    return listing
      .split('\0')
      .filter((path) => path !== '')
      .sort();
  }

  /**
   * /work's folders and files as the build stages left them (every process of the sandbox is
   * ended first), for the build cache; or why they cannot be kept: more than `maxBytes`, or
   * something other than folders and regular files (a symlink, a FIFO) or an unreadable one.
   */
  async snapshot(
    maxBytes: number,
  ): Promise<{ ok: true; files: SandboxFile[] } | { ok: false; reason: string }> {
    const payload = await this.exchange(
      encodeSnapshot(maxBytes),
      (f) => (f.type === 'g' ? f.payload : undefined),
      START_TIMEOUT_MS,
      'with the snapshot of /work',
    );
    return parseSnapshot(payload);
  }

  /** Runs one command and describes how it ended; a student's failure is a result. */
  async run(run: SandboxRun): Promise<SandboxResult> {
    validateRun(run);
    throwIfCancelled(run.signal, 'before it started');
    const { limits } = run;
    const role = run.isolated === true ? 'test' : 'build';
    const cgroupMode = this.cgroups !== null;
    try {
      this.cgroups?.prepare(role, {
        memoryBytes: limits.addressSpaceBytes ?? limits.memoryBytes,
        processes: limits.maxProcesses,
        cpus: limits.cpus ?? 1,
      });
    } catch (error) {
      throw new SandboxUnavailableError(
        `cannot set the run's cgroup limits: ${String(error)}`,
        'cgroups',
      );
    }
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let execError: string | null = null;
    let cancelled = false;
    const onAbort = () => {
      cancelled = true;
      if (this.dead === null) this.control.write(encodeBare('S'));
    };
    const request = encodeRun({
      isolated: run.isolated === true,
      wallMs: Math.ceil(limits.wallTimeMs),
      // With a memory cgroup the total is bounded there; a per-process address-space limit
      // would only turn an honest allocation into a crash.
      addressSpaceBytes: cgroupMode ? 0 : (limits.addressSpaceBytes ?? limits.memoryBytes),
      cpuSeconds: Math.max(1, Math.ceil(limits.cpuTimeMs / 1000)),
      processes: limits.maxProcesses,
      fileBytes: limits.maxFileBytes,
      openFiles: MAX_OPEN_FILES,
      outputBytes: limits.outputBytes,
      tmpBytes: limits.tmpBytes ?? limits.maxFileBytes,
      strictMemory: !cgroupMode,
      argv: run.command,
      env: runEnvironment(run.env),
      stdin:
        typeof run.stdin === 'string' ? Buffer.from(run.stdin) : (run.stdin ?? Buffer.alloc(0)),
    });
    if (run.signal?.aborted) onAbort();
    run.signal?.addEventListener('abort', onAbort, { once: true });
    let done: RunDone;
    try {
      done = await this.exchange(
        request,
        (frame) => {
          if (frame.type === 'o') stdout.push(Buffer.from(frame.payload));
          else if (frame.type === 'e') stderr.push(Buffer.from(frame.payload));
          else if (frame.type === 'x') execError = errnoName(Number(frame.payload.toString()));
          else if (frame.type === 'd') return parseDone(frame.payload.toString('latin1'));
          return undefined;
        },
        limits.wallTimeMs + BACKSTOP_GRACE_MS,
        `within the wall-time limit of ${limits.wallTimeMs} ms`,
      );
    } finally {
      run.signal?.removeEventListener('abort', onAbort);
    }
    if (cancelled) throwIfCancelled(run.signal, 'and its processes were killed');
    let usage = null;
    try {
      usage = this.cgroups?.usage(role) ?? null;
    } catch (error) {
      throw new SandboxUnavailableError(
        `cannot read the run's cgroup: ${String(error)}`,
        'cgroups',
      );
    }
    return describe(done, Buffer.concat(stdout), Buffer.concat(stderr), execError, limits, usage);
  }

  /** Stops the sandbox: every process in it is killed, its mounts and cgroups go. */
  async close(): Promise<void> {
    if (this.closing) {
      await this.exited;
      return;
    }
    this.closing = true;
    this.control.end();
    const timer = setTimeout(() => this.kill(), CLOSE_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
    this.cgroups?.destroy();
  }

  /** Kills the sandbox's pid 1 (taking every process in it along), then bwrap. */
  private kill(): void {
    const pid = this.sandboxPid;
    if (pid !== null && this.child.pid !== undefined && parentOf(pid) === this.child.pid) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // It ended meanwhile.
      }
    }
    this.child.kill('SIGKILL');
  }
}

function throwIfCancelled(signal: AbortSignal | undefined, when: string): void {
  if (signal?.aborted) {
    throw new SandboxCancelledError(`the sandboxed run was cancelled ${when}`, {
      cause: signal.reason,
    });
  }
}

/** Turns the launcher's account of a run (and its cgroup's) into what callers get. */
function describe(
  done: RunDone,
  stdout: Buffer,
  stderr: Buffer,
  execError: string | null,
  limits: SandboxLimits,
  usage: ReturnType<SandboxCgroups['usage']> | null,
): SandboxResult {
  const signal = done.signal > 0 ? signalName(done.signal) : null;
  const exitCode = done.exitCode;
  const cpuTimeMs = usage?.cpuTimeMs ?? done.cpuTimeMs;
  const peakMemoryBytes = usage?.peakMemoryBytes ?? done.maxRssBytes;
  const timedOut = done.stop === 'wall';
  const outputExceeded = done.stop === 'output';
  const stoppedByZinc = timedOut || outputExceeded || done.stop === 'request';
  const abnormal = signal !== null || exitCode !== 0;
  const stderrText = stderr.toString('latin1');
  const memoryLimit = limits.addressSpaceBytes ?? limits.memoryBytes;
  // The OOM killer ending any process of the run is the run exceeding its memory, however it
  // ended; otherwise an abnormal end after an allocation failed.
  const oomKilled = usage?.oomKilled === true;
  const allocationFailed =
    OUT_OF_MEMORY.test(stderrText) ||
    (usage !== null
      ? usage.limitHit && signal === 'SIGKILL'
      : peakMemoryBytes >= MEMORY_NEAR_LIMIT * memoryLimit);
  return {
    exitCode,
    signal,
    wallTimeMs: done.wallTimeMs,
    cpuTimeMs,
    peakMemoryBytes,
    stdout,
    stderr,
    timedOut,
    cpuTimeExceeded: cpuTimeMs > limits.cpuTimeMs || signal === 'SIGXCPU',
    memoryExceeded: !stoppedByZinc && (oomKilled || (abnormal && allocationFailed)),
    outputExceeded,
    fileSizeExceeded:
      signal === 'SIGXFSZ' || (abnormal && !stoppedByZinc && FILE_TOO_LARGE.test(stderrText)),
    workDirFull: done.workFull,
    execError,
  };
}

function launcherError(frame: Frame): string {
  const text = frame.payload.toString('utf8');
  const space = text.lastIndexOf(' ');
  return `${text.slice(0, space)}: ${errnoName(Number(text.slice(space + 1)))}`;
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

const signalNames = new Map(Object.entries(constants.signals).map(([name, n]) => [n, name]));
const errnoNames = new Map(Object.entries(constants.errno).map(([name, n]) => [n, name]));

/** 'SIGSEGV' for 11; 'SIG<n>' for a number this platform does not name. */
export function signalName(signal: number): string {
  return signalNames.get(signal) ?? `SIG${signal}`;
}

function errnoName(errno: number): string {
  return errnoNames.get(errno) ?? `errno ${errno}`;
}

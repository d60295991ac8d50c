import type { Containment } from './cgroups.js';
// What a sandboxed run is asked to do and what it reports: a plain description, no verdicts.

/** The bounds of one sandboxed run. Every field is enforced inside the sandbox. */
export interface SandboxLimits {
  /** Wall-clock time from the command's start; past it the whole process tree is killed. */
  wallTimeMs: number;
  /** CPU time of the command (RLIMIT_CPU, enforced at the next whole second, reported exactly). */
  cpuTimeMs: number;
  /** Memory of the run: of all its processes together with a memory cgroup, else RLIMIT_AS per
   * process (address space; see addressSpaceBytes). */
  memoryBytes: number;
  /**
   * The bound when it must differ from memoryBytes: a JVM reserves far more address space than
   * it uses and needs memory beyond its heap, so Java runs bound the heap with -Xmx and get this
   * larger bound (see jvm.ts).
   */
  addressSpaceBytes?: number;
  /** Processes and threads the command may have at once, itself included (RLIMIT_NPROC). */
  maxProcesses: number;
  /** Largest file the command may write (RLIMIT_FSIZE; the writer gets SIGXFSZ). */
  maxFileBytes: number;
  /** Bytes captured from stdout and from stderr, each; past it the run is stopped. */
  outputBytes: number;
  /** Size of the private /tmp (and of /dev/shm), which live in memory; default maxFileBytes. */
  tmpBytes?: number;
  /** Cores the run may keep busy at once (a cgroup's CPU quota); default 1. */
  cpus?: number;
}

/** One command in a fresh sandbox of its own (see runSandboxed). */
export interface SandboxSpec {
  /** Host folder whose files are copied into the sandbox's /work (the command's cwd). Nothing is
   * ever written back: what the command makes stays in the sandbox and goes with it. */
  workDir: string;
  /** argv; the first word is looked up on the sandbox's PATH (/usr/bin:/bin) or is a path. */
  command: string[];
  stdin?: string | Buffer;
  /** Added to the sandbox's small clean environment (PATH, HOME=/tmp, LANG=C.UTF-8). */
  env?: Record<string, string>;
  limits: SandboxLimits;
  /** Aborting kills the whole process tree; runSandboxed then rejects with SandboxCancelled. */
  signal?: AbortSignal;
}

/** What happened in one sandboxed run; classifyRun turns it into a verdict. */
export interface SandboxResult {
  /** The command's exit code; null when it was ended by a signal. */
  exitCode: number | null;
  /** The signal that ended the command ('SIGSEGV', 'SIGKILL'...), or null. */
  signal: string | null;
  /** The command's wall time, from its start to its end. */
  wallTimeMs: number;
  /** User + system CPU time of all the run's processes. */
  cpuTimeMs: number;
  /** The run's peak memory: all its processes together, page cache, tmpfs and memfds included
   * (cgroup); without cgroups, the largest resident set of one process. */
  peakMemoryBytes: number;
  /** Captured output, each at most limits.outputBytes, byte for byte. */
  stdout: Buffer;
  stderr: Buffer;
  /** The wall-time limit ended the run. */
  timedOut: boolean;
  /** The command used more CPU time than limits.cpuTimeMs. */
  cpuTimeExceeded: boolean;
  /**
   * The command ended abnormally because it ran out of memory: the memory cgroup's OOM killer
   * ended it, or an allocation failed (the runtime said so on stderr: std::bad_alloc,
   * MemoryError, OutOfMemoryError...), or, without cgroups, its peak reached 90% of the limit.
   */
  memoryExceeded: boolean;
  /** stdout or stderr passed limits.outputBytes and the run was stopped. */
  outputExceeded: boolean;
  /** The command tried to write a file past limits.maxFileBytes (SIGXFSZ or EFBIG). */
  fileSizeExceeded: boolean;
  /** /work (or the test's copy of it) was full when the run ended: its byte or file limit. */
  workDirFull: boolean;
  /** Why the command could not be started inside the sandbox ('ENOENT', 'EACCES'), or null. */
  execError: string | null;
}

/** How runSandboxed finds its parts and whom it runs as; all optional. */
export interface SandboxOptions {
  /** The bubblewrap binary; default `bwrap` on PATH. */
  bwrapPath?: string;
  /** The launcher built by scripts/build-sandbox-helper.sh; default .tools/bin in the checkout. */
  launcherPath?: string;
  /**
   * Host uid (and gid) the sandbox runs as when zinc runs as root; default 2000000. Ignored
   * otherwise: an unprivileged zinc runs the sandbox as itself.
   */
  sandboxUid?: number;
  /** How runs are contained; default: detected once per process (see cgroups.ts). */
  containment?: Containment;
}

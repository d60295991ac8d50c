// What a sandboxed run is asked to do and what it reports: a plain description, no verdicts.

/** The bounds of one sandboxed run. Every field is enforced inside the sandbox. */
export interface SandboxLimits {
  /** Wall-clock time from the command's start; past it the whole process tree is killed. */
  wallTimeMs: number;
  /** CPU time of the command (RLIMIT_CPU, enforced at the next whole second, reported exactly). */
  cpuTimeMs: number;
  /** Memory of each process: RLIMIT_AS, i.e. address space (see addressSpaceBytes). */
  memoryBytes: number;
  /**
   * RLIMIT_AS when it must differ from memoryBytes: a JVM reserves far more address space than
   * it uses, so Java runs bound the heap with -Xmx and get a larger address space (see jvm.ts).
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
}

/** A host path shown read-only inside the sandbox. */
export interface SandboxBind {
  hostPath: string;
  sandboxPath: string;
}

/** One command to run in a fresh sandbox. */
export interface SandboxSpec {
  /**
   * Host directory shown read-write at /work inside (the command's cwd). Nothing else of the
   * host's files is visible but the system directories and readOnlyBinds. When zinc runs as
   * root the directory is handed (chowned, recursively) to the sandbox user, and every folder
   * above it must be searchable by others (o+x), as under os.tmpdir(); see createSandboxWorkDir.
   */
  workDir: string;
  /** argv; the first word is looked up on the sandbox's PATH (/usr/bin:/bin) or is a path. */
  command: string[];
  stdin?: string | Buffer;
  /** Added to the sandbox's small clean environment (PATH, HOME=/tmp, LANG=C.UTF-8). */
  env?: Record<string, string>;
  limits: SandboxLimits;
  /** Share the host's network; off by default (a private network with only loopback). */
  network?: boolean;
  readOnlyBinds?: SandboxBind[];
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
  /** User + system CPU time of the command and the children it waited for. */
  cpuTimeMs: number;
  /** Largest resident set of the command or of one of the children it waited for. */
  peakMemoryBytes: number;
  /** Captured output, each at most limits.outputBytes, byte for byte. */
  stdout: Buffer;
  stderr: Buffer;
  /** The wall-time limit ended the run. */
  timedOut: boolean;
  /** The command used more CPU time than limits.cpuTimeMs. */
  cpuTimeExceeded: boolean;
  /**
   * The command ended abnormally because it ran out of memory: its allocation failed against
   * RLIMIT_AS (the runtime said so on stderr: std::bad_alloc, MemoryError, OutOfMemoryError,
   * "Cannot allocate memory"...) or its peak memory reached 90% of the limit.
   */
  memoryExceeded: boolean;
  /** stdout or stderr passed limits.outputBytes and the run was stopped. */
  outputExceeded: boolean;
  /** The command tried to write a file past limits.maxFileBytes (SIGXFSZ or EFBIG). */
  fileSizeExceeded: boolean;
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
}

// The bubblewrap command line of one sandbox: namespaces, read-only system mounts, the launcher.
import { systemMountArgs } from './host-layout.js';

/** Where the work directory appears inside, and the command's cwd. */
export const SANDBOX_WORK_DIR = '/work';
/** The uid and gid the command has inside (the user namespace maps them to the host's). */
export const SANDBOX_UID = 1000;
export const SANDBOX_GID = 1000;
/** The fd of the launcher's control socket, the same in bwrap and in the launcher. */
export const CONTROL_FD = 3;
/** The fd bwrap writes its JSON status to (the host pid of the sandbox's pid 1). */
export const STATUS_FD = 4;
/** The fd bwrap reads the first data file from; the others follow on the next fds. */
export const FIRST_DATA_FD = 5;
/** Where the launcher mounts each test's copy of /work before the test's namespace takes it. */
const RUNS_DIR = '/.zinc/runs';
const LAUNCHER_INSIDE = '/.zinc/launcher';
const DEFAULT_PATH = '/usr/bin:/bin';

/** A file bwrap copies from a pipe into the sandbox (it never exists on the host's disk). */
export interface SandboxDataFile {
  sandboxPath: string;
  perms: string;
  content: Buffer;
}

/** The launcher and a synthetic passwd, group and hosts: the host's own accounts are never
 * shown. */
export function sandboxDataFiles(launcher: Buffer): SandboxDataFile[] {
  const files: SandboxDataFile[] = [
    { sandboxPath: LAUNCHER_INSIDE, perms: '0555', content: launcher },
    {
      sandboxPath: '/etc/passwd',
      perms: '0444',
      content: Buffer.from(
        'root:x:0:0:root:/root:/usr/sbin/nologin\n' +
          `sandbox:x:${SANDBOX_UID}:${SANDBOX_GID}:sandbox:/tmp:/bin/sh\n` +
          'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n',
      ),
    },
    {
      sandboxPath: '/etc/group',
      perms: '0444',
      content: Buffer.from(`root:x:0:\nsandbox:x:${SANDBOX_GID}:\nnogroup:x:65534:\n`),
    },
  ];
  files.push({
    sandboxPath: '/etc/hosts',
    perms: '0444',
    content: Buffer.from('127.0.0.1\tlocalhost sandbox\n::1\tlocalhost ip6-localhost\n'),
  });
  return files;
}

/** What one sandbox (one delivery) is started with. */
export interface BwrapPlan {
  /** Bytes and files /work may hold, for the build and for each test's copy alike. */
  workBytes: number;
  workFiles: number;
  /** The sandbox's cgroup folders, if any: `controller=fd` (the fd in bwrap and the launcher). */
  cgroups: string[];
}

/** bwrap's argv for one sandbox: namespaces, the system's read-only mounts (data file i is read
 * from fd FIRST_DATA_FD + i), then the launcher, which makes /work and every run's mounts. */
export function buildBwrapArgs(plan: BwrapPlan, dataFiles: SandboxDataFile[]): string[] {
  const args = [
    // Every namespace, the user one explicitly (needed for --disable-userns): the sandbox gets
    // its own pids, mounts, IPC, hostname and a network with only loopback.
    '--unshare-all',
    '--unshare-user',
    '--disable-userns',
    '--uid',
    String(SANDBOX_UID),
    '--gid',
    String(SANDBOX_GID),
    '--hostname',
    'sandbox',
    // The launcher mounts /work and each run's fresh /work copy, /tmp and /dev/shm in mount
    // namespaces of its own; it drops this capability (and every other) before a run starts.
    '--cap-add',
    'CAP_SYS_ADMIN',
    // The launcher is the pid namespace's init: bwrap then exits only once every process of the
    // sandbox is gone, and no run can kill the launcher.
    '--as-pid-1',
    '--die-with-parent',
    '--new-session',
    '--json-status-fd',
    String(STATUS_FD),
    ...systemMountArgs(),
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--dir',
    '/tmp',
    '--dir',
    '/dev/shm',
    '--dir',
    SANDBOX_WORK_DIR,
    '--dir',
    RUNS_DIR,
  ];
  dataFiles.forEach((file, i) => {
    args.push('--perms', file.perms, '--ro-bind-data', String(FIRST_DATA_FD + i), file.sandboxPath);
  });
  // The root and /dev are tmpfs that bwrap built; read-only, so nothing can fill them.
  args.push('--remount-ro', '/dev', '--remount-ro', '/', '--chdir', '/');
  args.push('--clearenv', '--setenv', 'PATH', DEFAULT_PATH);
  args.push(
    '--',
    LAUNCHER_INSIDE,
    String(CONTROL_FD),
    String(Math.floor(plan.workBytes)),
    String(Math.floor(plan.workFiles)),
    ...plan.cgroups,
  );
  return args;
}

/** The environment of every run: a small clean one, plus what the run adds. */
export function runEnvironment(extra: Record<string, string> | undefined): string[] {
  const env: Record<string, string> = {
    PATH: DEFAULT_PATH,
    HOME: '/tmp',
    TMPDIR: '/tmp',
    LANG: 'C.UTF-8',
    ...extra,
  };
  return Object.entries(env).map(([name, value]) => `${name}=${value}`);
}

/** Open files per process: a compiler or a JVM needs a few hundred at most. */
export const MAX_OPEN_FILES = 1024;

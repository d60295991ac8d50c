// The bubblewrap command line of one run: namespaces, mounts, environment, then the launcher.
import { systemMountArgs } from './host-layout.js';
import type { SandboxSpec } from './types.js';

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
/** Open files per process: a compiler or a JVM needs a few hundred at most. */
const MAX_OPEN_FILES = 1024;
const LAUNCHER_INSIDE = '/.zinc/launcher';
const DEFAULT_PATH = '/usr/bin:/bin';

/** A file bwrap copies from a pipe into the sandbox (it never exists on the host's disk). */
export interface SandboxDataFile {
  sandboxPath: string;
  perms: string;
  content: Buffer;
}

/** The launcher and a synthetic passwd, group (and hosts when there is no network): the host's
 * own accounts are never shown. */
export function sandboxDataFiles(launcher: Buffer, network: boolean): SandboxDataFile[] {
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
  if (!network) {
    files.push({
      sandboxPath: '/etc/hosts',
      perms: '0444',
      content: Buffer.from('127.0.0.1\tlocalhost sandbox\n::1\tlocalhost ip6-localhost\n'),
    });
  }
  return files;
}

/** bwrap's argv for `spec`: namespaces, mounts (data file i is read from fd FIRST_DATA_FD + i),
 * environment, then the launcher with its limits, then spec.command. */
export function buildBwrapArgs(spec: SandboxSpec, dataFiles: SandboxDataFile[]): string[] {
  const { limits } = spec;
  const network = spec.network === true;
  const tmpBytes = String(limits.tmpBytes ?? limits.maxFileBytes);
  const args = [
    // Every namespace, the user one explicitly (needed for --disable-userns): the command gets
    // its own pids, mounts, IPC, hostname and (unless network) a network with only loopback.
    '--unshare-all',
    '--unshare-user',
    ...(network ? ['--share-net'] : []),
    '--disable-userns',
    '--uid',
    String(SANDBOX_UID),
    '--gid',
    String(SANDBOX_GID),
    '--hostname',
    'sandbox',
    // The launcher is the pid namespace's init: bwrap then exits only once every process of the
    // sandbox is gone, and the command cannot kill the launcher.
    '--as-pid-1',
    '--die-with-parent',
    '--new-session',
    '--json-status-fd',
    String(STATUS_FD),
    ...systemMountArgs(network),
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--size',
    tmpBytes,
    '--tmpfs',
    '/dev/shm',
    '--size',
    tmpBytes,
    '--tmpfs',
    '/tmp',
    '--bind',
    spec.workDir,
    SANDBOX_WORK_DIR,
  ];
  for (const bind of spec.readOnlyBinds ?? [])
    args.push('--ro-bind', bind.hostPath, bind.sandboxPath);
  dataFiles.forEach((file, i) => {
    args.push('--perms', file.perms, '--ro-bind-data', String(FIRST_DATA_FD + i), file.sandboxPath);
  });
  // The root and /dev are tmpfs that bwrap built; read-only, so nothing can fill them.
  args.push('--remount-ro', '/dev', '--remount-ro', '/', '--chdir', SANDBOX_WORK_DIR);

  const env: Record<string, string> = {
    PATH: DEFAULT_PATH,
    HOME: '/tmp',
    TMPDIR: '/tmp',
    LANG: 'C.UTF-8',
    ...spec.env,
  };
  args.push('--clearenv');
  for (const [name, value] of Object.entries(env)) args.push('--setenv', name, value);

  const addressSpace = limits.addressSpaceBytes ?? limits.memoryBytes;
  args.push(
    '--',
    LAUNCHER_INSIDE,
    String(CONTROL_FD),
    String(Math.ceil(limits.wallTimeMs)),
    String(Math.floor(addressSpace)),
    String(Math.max(1, Math.ceil(limits.cpuTimeMs / 1000))),
    String(limits.maxProcesses),
    String(Math.floor(limits.maxFileBytes)),
    String(MAX_OPEN_FILES),
    '--',
    ...spec.command,
  );
  return args;
}

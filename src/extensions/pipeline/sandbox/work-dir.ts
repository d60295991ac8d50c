// Work directories: made fresh for each delivery, handed to the sandbox user, reachable by it.
import { lchown, mkdtemp, readdir, realpath, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { InvalidSandboxSpecError, SandboxUnavailableError } from './errors.js';

/** Host uid zinc runs sandboxes as when it runs as root: no account has it, so nothing of the
 * host belongs to it, and RLIMIT_NPROC (never enforced on root) applies. */
export const DEFAULT_SANDBOX_UID = 2_000_000;

/** Whom bubblewrap runs as on the host. */
export interface SandboxIdentity {
  uid: number;
  gid: number;
  /** zinc is root and drops to `uid` (otherwise it runs bwrap as itself). */
  switchUser: boolean;
}

/** The host identity of a sandbox: a dedicated uid when zinc is root, zinc's own otherwise. */
export function sandboxIdentity(sandboxUid: number | undefined): SandboxIdentity {
  const own = process.getuid?.() ?? 0;
  if (own !== 0) return { uid: own, gid: process.getgid?.() ?? own, switchUser: false };
  const uid = sandboxUid ?? DEFAULT_SANDBOX_UID;
  return { uid, gid: uid, switchUser: true };
}

/** A fresh, empty work directory under the system's temporary folder. */
export async function createSandboxWorkDir(prefix = 'zinc-sandbox-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Removes a work directory and everything the sandbox left in it. */
export async function removeSandboxWorkDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Makes `workDir` usable by the sandbox user: checks that it can reach it and, when zinc drops
 * to another uid, hands the directory and everything in it to that uid. */
export async function prepareWorkDir(workDir: string, identity: SandboxIdentity): Promise<void> {
  let stats;
  try {
    stats = await stat(workDir);
  } catch (error) {
    throw new InvalidSandboxSpecError(`work dir ${workDir} cannot be used: ${String(error)}`);
  }
  if (!stats.isDirectory()) {
    throw new InvalidSandboxSpecError(`work dir ${workDir} is not a directory`);
  }
  if (!identity.switchUser) return;
  await checkReachable(workDir, identity);
  await chownTree(workDir, identity.uid, identity.gid);
}

/** Checks that the sandbox user can read `hostPath` (a read-only bind) and every folder above. */
export async function checkBindSource(hostPath: string, identity: SandboxIdentity): Promise<void> {
  try {
    await stat(hostPath);
  } catch (error) {
    throw new InvalidSandboxSpecError(
      `read-only bind ${hostPath} cannot be used: ${String(error)}`,
    );
  }
  if (!identity.switchUser) return;
  await checkReachable(hostPath, identity);
  const real = await realpath(hostPath);
  const stats = await stat(real);
  const needed = stats.isDirectory() ? 0o5 : 0o4;
  if (!permits(stats, identity, needed)) {
    throw new SandboxUnavailableError(
      `read-only bind ${hostPath} is not readable by the sandbox user (uid ${identity.uid}): ` +
        `mode ${modeText(stats.mode)}, owner ${stats.uid}`,
    );
  }
}

/** bwrap (running as the sandbox uid) must be able to search every folder above `path`. */
async function checkReachable(path: string, identity: SandboxIdentity): Promise<void> {
  const real = await realpath(path);
  for (let dir = dirname(real); ; dir = dirname(dir)) {
    const stats = await stat(dir);
    if (!permits(stats, identity, 0o1)) {
      throw new SandboxUnavailableError(
        `${path} is not reachable by the sandbox user (uid ${identity.uid}): ${dir} has mode ` +
          `${modeText(stats.mode)} and owner ${stats.uid}; its folders need o+x ` +
          `(put work dirs under os.tmpdir() or a folder with mode 0711)`,
      );
    }
    if (dir === dirname(dir)) return;
  }
}

function permits(
  stats: { mode: number; uid: number; gid: number },
  identity: SandboxIdentity,
  bits: number,
): boolean {
  if (stats.uid === identity.uid) return ((stats.mode >> 6) & bits) === bits;
  if (stats.gid === identity.gid) return ((stats.mode >> 3) & bits) === bits;
  return (stats.mode & bits) === bits;
}

function modeText(mode: number): string {
  return `0${(mode & 0o7777).toString(8)}`;
}

/** lchown, never following a symlink a previous run may have planted. */
async function chownTree(dir: string, uid: number, gid: number): Promise<void> {
  await lchown(dir, uid, gid);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await chownTree(path, uid, gid);
    else await lchown(path, uid, gid);
  }
}

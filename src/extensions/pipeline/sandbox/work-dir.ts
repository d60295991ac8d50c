// Who a sandbox runs as on the host, and host folders given to it: made, and removed whatever is
// inside them.
import { chmod, lstat, mkdtemp, readdir, rm, rmdir, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

/** A fresh, empty folder under the system's temporary folder. */
export async function createSandboxWorkDir(prefix = 'zinc-sandbox-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Removes a folder and everything in it, folders of mode 000 or 500, FIFOs and sockets
 * included; never follows a symlink. (Sandboxed runs never write to the host: only zinc's own
 * files are ever in such a folder.) */
export async function removeSandboxWorkDir(dir: string): Promise<void> {
  try {
    await rm(dir, { recursive: true, force: true });
    return;
  } catch {
    // A folder without write or search permission, or a path too long: go folder by folder.
  }
  await removeTree(dir);
}

async function removeTree(path: string): Promise<void> {
  let stats;
  try {
    stats = await lstat(path);
  } catch {
    return;
  }
  if (!stats.isDirectory()) {
    await unlink(path);
    return;
  }
  await chmod(path, 0o700);
  for (const name of await readdir(path)) await removeTree(join(path, name));
  await rmdir(path);
}

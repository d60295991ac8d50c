// Which parts of the host's system directories a sandbox sees, read from this host once.
import { lstatSync, readdirSync, readlinkSync } from 'node:fs';

/** Top-level entries that hold programs and libraries: a symlink into /usr on merged-/usr
 * systems (Debian 12), a real directory elsewhere. */
const SYSTEM_ROOT_ENTRIES = ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32'];

/** What of /etc the toolchains need: the dynamic linker's cache, alternatives (java, cc), the
 * time zone. Not passwd, shadow or anything else about the host. */
const ETC_ALWAYS = ['ld.so.cache', 'ld.so.conf', 'ld.so.conf.d', 'alternatives', 'localtime'];

/** Configuration that Debian's JDKs and Pythons keep in /etc (jvm.cfg, security, sitecustomize). */
const ETC_TOOLCHAIN = /^(java-\d+-openjdk|python3(\.\d+)?)$/;

let cached: string[] | undefined;

/** bwrap arguments that show the host's /usr (without /usr/local: the sandbox's PATH is
 * /usr/bin:/bin, so no toolchain it runs lives there), its /bin-like entries and the few /etc
 * files the toolchains need, all read-only. */
export function systemMountArgs(): string[] {
  cached ??= readHostLayout();
  return cached;
}

/** The host trees a sandbox shows (read-only): zinc's own data must live elsewhere. */
export function exposedHostTrees(): string[] {
  const trees = ['/usr'];
  for (const name of SYSTEM_ROOT_ENTRIES) {
    if (entryKind(`/${name}`) === 'directory') trees.push(`/${name}`);
  }
  return trees;
}

function readHostLayout(): string[] {
  const system = ['--ro-bind', '/usr', '/usr'];
  if (entryKind('/usr/local') === 'directory') {
    system.push('--tmpfs', '/usr/local', '--remount-ro', '/usr/local');
  }
  for (const name of SYSTEM_ROOT_ENTRIES) {
    const path = `/${name}`;
    const kind = entryKind(path);
    if (kind === 'symlink') system.push('--symlink', readlinkSync(path), path);
    else if (kind === 'directory') system.push('--ro-bind', path, path);
  }
  let etcNames: string[] = [];
  try {
    etcNames = readdirSync('/etc');
  } catch {
    // No /etc at all: the sandbox then gets only the synthetic passwd, group and hosts.
  }
  const etc = [...ETC_ALWAYS, ...etcNames.filter((name) => ETC_TOOLCHAIN.test(name)).sort()];
  for (const name of etc) system.push('--ro-bind-try', `/etc/${name}`, `/etc/${name}`);
  return system;
}

function entryKind(path: string): 'symlink' | 'directory' | 'absent' {
  try {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) return 'symlink';
    return stat.isDirectory() ? 'directory' : 'absent';
  } catch {
    return 'absent';
  }
}

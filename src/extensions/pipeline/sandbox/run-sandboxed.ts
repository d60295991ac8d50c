// runSandboxed: one command in a sandbox of its own, on a copy of a host folder's files.
import { InvalidSandboxSpecError } from '../../../failures.js';
import { lstat, readFile, readdir } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { SandboxFile } from './protocol.js';
import { openSandbox } from './session.js';
import type { SandboxOptions, SandboxResult, SandboxSpec } from './types.js';
import { validateRun } from './validate-spec.js';

export { defaultLauncherPath } from './session.js';

/**
 * Runs `spec.command` in a fresh sandbox whose /work holds a copy of `spec.workDir`'s files, and
 * describes what happened. A student's failure (crash, timeout, too much output) is a result;
 * throws SandboxUnavailableError when the sandbox itself could not run, SandboxCancelledError when
 * `spec.signal` aborted the run (after its processes are gone), InvalidSandboxSpecError for a spec
 * that cannot be run. A delivery's several commands share one sandbox: see openSandbox.
 */
export async function runSandboxed(
  spec: SandboxSpec,
  options: SandboxOptions = {},
): Promise<SandboxResult> {
  if (!isAbsolute(spec.workDir)) {
    throw new InvalidSandboxSpecError(
      `sandbox spec workDir: must be an absolute path, got '${spec.workDir}'`,
    );
  }
  validateRun(spec);
  const files = await readHostFiles(spec.workDir);
  const sandbox = await openSandbox({ files }, options);
  try {
    return await sandbox.run({
      command: spec.command,
      limits: spec.limits,
      ...(spec.stdin === undefined ? {} : { stdin: spec.stdin }),
      ...(spec.env === undefined ? {} : { env: spec.env }),
      ...(spec.signal === undefined ? {} : { signal: spec.signal }),
    });
  } finally {
    await sandbox.close();
  }
}

/** The regular files under `dir` with their permission bits; symlinks are not followed. */
async function readHostFiles(dir: string): Promise<SandboxFile[]> {
  const out: SandboxFile[] = [];
  const walk = async (folder: string, prefix: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch (error) {
      throw new InvalidSandboxSpecError(`work dir ${folder} cannot be read: ${String(error)}`);
    }
    for (const entry of entries) {
      const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      const host = join(folder, entry.name);
      if (entry.isDirectory()) await walk(host, path);
      else if (entry.isFile()) {
        const stats = await lstat(host);
        out.push({ path, content: await readFile(host), mode: stats.mode & 0o755 });
      }
    }
  };
  await walk(dir, '');
  return out;
}

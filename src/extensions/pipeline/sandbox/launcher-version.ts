// Which launcher this zinc speaks to. The control socket's frames (protocol.ts) change with
// launcher.c, so a launcher built from another launcher.c (a worker upgraded without rebuilding
// it) would misread zinc and fail every delivery with a sandbox that "did not answer". The
// build script compiles the sha256 of launcher.c into the binary; zinc refuses a binary that
// carries another, naming the fix.
import { readFileSync } from 'node:fs';
import { SandboxUnavailableError } from '../../../failures.js';

/**
 * The sha256 of the launcher.c this code was written against. Change it with launcher.c (the
 * launcher-version test prints the new value): that is the launcher's version.
 */
export const LAUNCHER_SOURCE_SHA256 =
  '6a64b71447186c594c20217fc639b7543a31ee5196b3d3a9a8664ed38c7c956c';

const MARKER = Buffer.from('zinc-sandbox-launcher-source=');

/** The launcher.c sha256 a launcher binary was built from, or null (built before the marker). */
export function launcherSourceOf(binary: Buffer): string | null {
  const at = binary.indexOf(MARKER);
  if (at < 0) return null;
  const end = binary.indexOf(0x3b /* ; */, at + MARKER.length);
  if (end < 0 || end - at - MARKER.length > 64) return null;
  return binary.subarray(at + MARKER.length, end).toString('latin1');
}

/** What is wrong with the launcher at `path` for this zinc, or null when it is the right one. */
export function launcherProblem(binary: Buffer, path: string): string | null {
  const source = launcherSourceOf(binary);
  if (source === LAUNCHER_SOURCE_SHA256) return null;
  const built =
    source === null || source === 'unknown'
      ? 'an older launcher.c (it carries no source hash)'
      : `another launcher.c (sha256 ${source.slice(0, 12)}…, this zinc needs ${LAUNCHER_SOURCE_SHA256.slice(0, 12)}…)`;
  return `the sandbox launcher ${path} was built from ${built}; rebuild it for this zinc with scripts/build-sandbox-helper.sh`;
}

/** Throws SandboxUnavailable (kind `launcher`) unless `binary`, read from `path`, is the right
 * launcher (a search of the binary zinc reads anyway to send it into the sandbox). */
export function requireLauncher(binary: Buffer, path: string): void {
  const problem = launcherProblem(binary, path);
  if (problem !== null) throw new SandboxUnavailableError(problem, 'launcher');
}

/** The problem with the launcher at `path`, for a worker's start and `zinc doctor`: null when
 * it is the right one, or when there is none (the first sandbox names a missing launcher). */
export function launcherProblemAt(path: string): string | null {
  let binary: Buffer;
  try {
    binary = readFileSync(path);
  } catch {
    return null;
  }
  return launcherProblem(binary, path);
}

// Where zinc's own files are: the checkout (for .tools and scripts) and the data directory.
import { DataDirExposedError } from '../failures.js';
import { existsSync, mkdirSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The zinc checkout: the nearest folder above this file that holds package.json. */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the zinc checkout (no package.json above)');
    dir = parent;
  }
  return dir;
}

/** The subdirectories of a data directory; each embedded part keeps to its own. */
export function dataPaths(dataDir: string) {
  return {
    root: dataDir,
    temporal: join(dataDir, 'temporal'),
    database: join(dataDir, 'db'),
    /** The socket folder and state file of the process serving the embedded database. */
    databaseSocket: join(dataDir, 'db-socket'),
    databaseServer: join(dataDir, 'db-server.json'),
    objects: join(dataDir, 'objects'),
    /** What the grading pipelines' build stages made, by content (the pipeline's build cache). */
    buildCache: join(dataDir, 'build-cache'),
    /** Logs of CLI commands (the SDK's messages, kept off the user's terminal). */
    logs: join(dataDir, 'logs'),
  };
}

/**
 * The host trees every zinc sandbox shows its runs read-only (the pipeline extension's host
 * layout binds these and nothing else of the host's disk): zinc's data and checkout must not be
 * under them, or student code could read them.
 */
export const SANDBOX_EXPOSED_TREES = [
  '/usr',
  '/bin',
  '/sbin',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
];

/**
 * Makes the data dir (mode 0700 when zinc creates it: it holds every delivery and report) after
 * checking that neither it nor the checkout lies inside a tree the sandbox exposes.
 */
export function prepareDataDir(dataDir: string): void {
  checkOutsideSandbox('data dir', dataDir);
  checkOutsideSandbox('zinc checkout', projectRoot());
  if (!existsSync(dataDir)) mkdirSync(dataDir, { recursive: true, mode: 0o700 });
}

/** Throws DataDirExposedError when `path` (`what` in the message) lies in a tree every grading
 * sandbox shows to student code. */
export function checkOutsideSandbox(what: string, path: string): void {
  const real = realPathOrSelf(path);
  const tree = SANDBOX_EXPOSED_TREES.find((t) => real === t || real.startsWith(`${t}/`));
  if (tree !== undefined) {
    throw new DataDirExposedError(
      `the ${what} ${path} is inside ${tree}, which every grading sandbox shows to student ` +
        `code; move it elsewhere (e.g. --data-dir /var/lib/zinc)`,
    );
  }
}

function realPathOrSelf(path: string): string {
  // The nearest existing folder decides where a path that does not exist yet would be.
  for (let dir = resolve(path), rest = ''; ;) {
    try {
      return join(realpathSync(dir), rest);
    } catch {
      const parent = dirname(dir);
      if (parent === dir) return resolve(path);
      rest = join(basename(dir), rest);
      dir = parent;
    }
  }
}

// Where zinc's own files are: the checkout (for .tools and scripts) and the data directory.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
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
    objects: join(dataDir, 'objects'),
  };
}

// Reads a folder of config assets: every regular file's relative path and sha256.
import { AssetDirError } from '../../../failures.js';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { AssetDigest } from './version-id.js';

/**
 * Lists every file under `dir` with its `/`-separated relative path and sha256, sorted by path.
 * Symbolic links and special files are refused: an asset must be the bytes that were reviewed,
 * not whatever a link points to when the config is graded.
 */
export async function readAssetDir(dir: string): Promise<AssetDigest[]> {
  const top = await lstat(dir).catch((err: NodeJS.ErrnoException) => {
    throw new AssetDirError(`assets folder ${dir} cannot be read: ${err.code ?? err.message}`);
  });
  if (!top.isDirectory()) throw new AssetDirError(`assets folder ${dir} is not a folder`);
  const out: AssetDigest[] = [];
  const walk = async (folder: string): Promise<void> => {
    const entries = await readdir(folder, { withFileTypes: true });
    for (const entry of entries) {
      const full = join(folder, entry.name);
      const path = relative(dir, full).split(sep).join('/');
      if (entry.isSymbolicLink()) {
        throw new AssetDirError(
          `assets folder ${dir}: ${path} is a symbolic link; assets must be regular files`,
        );
      }
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) out.push({ path, sha256: await sha256File(full) });
      else throw new AssetDirError(`assets folder ${dir}: ${path} is not a regular file`);
    }
  };
  await walk(dir);
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

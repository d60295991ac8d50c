// The embedded object store: one file per key under a root folder (the data dir's objects/).
// A key's '/'-separated parts become folders, so keys are validated before they touch a path.
import {
  ObjectKeyConflictError,
  ObjectNotFoundError,
  ObjectStoreUnavailableError,
  UnsafeKeyError,
} from '../failures.js';
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { assertSafeKey, assertSafePrefix, compareKeys } from './object-keys.js';
import { type ObjectStore } from './object-store.js';

// Writes go to a temporary file beside the target, then rename over it. The name is short
// (a key's own name may already be 255 bytes) and reserved, so listings can skip leftovers.
const TEMP_PREFIX = '.zinc-tmp-';
const TEMP_NAME = /^\.zinc-tmp-[0-9a-f]{16}$/;

function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** Creates a store that keeps each object as a file under `rootDir` (created when missing). */
export function createDiskObjectStore(rootDir: string): ObjectStore {
  const root = resolve(rootDir);
  const inside = root.endsWith(sep) ? root : root + sep;

  function unavailable(action: string, key: string, err: unknown): ObjectStoreUnavailableError {
    return new ObjectStoreUnavailableError(
      `disk object store ${root}: cannot ${action} ${JSON.stringify(key)}: ${(err as Error).message}`,
      { cause: err },
    );
  }

  /** The file of `key`, after checking it stays inside the root whatever the key holds. */
  function fileOf(key: string): string {
    assertSafeKey(key);
    const parts = key.split('/');
    if (parts.some((part) => TEMP_NAME.test(part))) {
      throw new UnsafeKeyError(
        `unsafe key ${JSON.stringify(key)}: names like "${TEMP_PREFIX}<hex>" are reserved for the disk store's temporary files`,
      );
    }
    const file = resolve(root, ...parts);
    if (!file.startsWith(inside)) {
      throw new UnsafeKeyError(`unsafe key ${JSON.stringify(key)}: it resolves outside ${root}`);
    }
    return file;
  }

  /** The folder of a prefix ('' is the root itself), checked the same way. */
  function folderOf(prefix: string): string {
    assertSafePrefix(prefix);
    if (prefix === '') return root;
    return fileOf(prefix.slice(0, -1));
  }

  async function put(key: string, body: Uint8Array | string): Promise<void> {
    const file = fileOf(key);
    const temp = join(dirname(file), TEMP_PREFIX + randomBytes(8).toString('hex'));
    try {
      await mkdir(dirname(file), { recursive: true });
      const handle = await open(temp, 'wx');
      try {
        await handle.writeFile(body);
        // Flushed before the rename, so a crash leaves the old object or the new one, never a
        // renamed but empty file.
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, file);
    } catch (err) {
      await rm(temp, { force: true }).catch(() => undefined);
      const code = errorCode(err);
      if (code === 'ENOTDIR' || code === 'EEXIST') {
        throw new ObjectKeyConflictError(
          `disk object store ${root}: cannot store ${JSON.stringify(key)}: a part of its path is already an object`,
          { cause: err },
        );
      }
      if (code === 'EISDIR') {
        throw new ObjectKeyConflictError(
          `disk object store ${root}: cannot store ${JSON.stringify(key)}: it is a folder holding other objects`,
          { cause: err },
        );
      }
      throw unavailable('store', key, err);
    }
  }

  async function get(key: string): Promise<Buffer> {
    const file = fileOf(key);
    try {
      return await readFile(file);
    } catch (err) {
      const code = errorCode(err);
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') {
        throw new ObjectNotFoundError(key);
      }
      throw unavailable('read', key, err);
    }
  }

  async function exists(key: string): Promise<boolean> {
    const file = fileOf(key);
    try {
      return (await stat(file)).isFile();
    } catch (err) {
      const code = errorCode(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') return false;
      throw unavailable('check', key, err);
    }
  }

  async function remove(key: string): Promise<void> {
    const file = fileOf(key);
    try {
      await unlink(file);
    } catch (err) {
      const code = errorCode(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      // A folder of other keys is not an object: nothing to remove (Linux says EISDIR, macOS EPERM).
      if ((code === 'EISDIR' || code === 'EPERM') && (await isFolder(file))) return;
      throw unavailable('delete', key, err);
    }
  }

  async function isFolder(path: string): Promise<boolean> {
    try {
      return (await stat(path)).isDirectory();
    } catch {
      return false;
    }
  }

  /** Every key in `folder` (which is `prefix` on disk), skipping temporary files and links. */
  async function walk(folder: string, prefix: string, into: string[]): Promise<void> {
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch (err) {
      const code = errorCode(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw unavailable('list', prefix, err);
    }
    for (const entry of entries) {
      if (TEMP_NAME.test(entry.name)) continue;
      if (entry.isDirectory()) {
        await walk(join(folder, entry.name), `${prefix}${entry.name}/`, into);
      } else if (entry.isFile()) {
        into.push(prefix + entry.name);
      }
    }
  }

  async function list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    await walk(folderOf(prefix), prefix, keys);
    return keys.sort(compareKeys);
  }

  async function deletePrefix(prefix: string): Promise<number> {
    if (prefix === '') {
      throw new UnsafeKeyError(
        `unsafe prefix "": deletePrefix needs a folder; "" would remove every object in ${root}`,
      );
    }
    const folder = folderOf(prefix);
    // "a/" when "a" is an object: nothing is under the prefix, and "a" itself must stay.
    if (!(await isFolder(folder))) return 0;
    const keys = await list(prefix);
    try {
      await rm(folder, { recursive: true, force: true });
    } catch (err) {
      throw unavailable('delete', prefix, err);
    }
    return keys.length;
  }

  return {
    put,
    get,
    exists,
    delete: remove,
    list,
    deletePrefix,
    close: () => Promise.resolve(),
  };
}

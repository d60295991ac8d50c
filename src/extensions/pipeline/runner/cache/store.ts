// The build cache on the pipeline worker's disk: one file per key, written by the worker only
// (temp file, then rename), checked against its content hash on every read, bounded in size with
// the least recently used entries evicted first. Sandboxes never see it: their files are copied
// into /work over the launcher's control socket.
import { createHash, randomBytes } from 'node:crypto';
import {
  mkdir,
  readFile,
  readdir,
  rename,
  stat,
  unlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { safeRelativePath } from '../../../../platform/object-keys.js';
import { checkOutsideSandbox } from '../../../../platform/paths.js';
import { buildCacheEvents, type BuildCacheResult } from '../../metrics.js';
import type { StageReport } from '../../report/types.js';
import type { SandboxFile } from '../../sandbox/index.js';

/** The first bytes of an entry file; the number is the format version (see BUILD_CACHE_FORMAT). */
const MAGIC = 'zinc-build-cache 1';
/** Temporary files older than this are a crashed writer's, and go at the next scan. */
const STALE_TEMP_MS = 60 * 60 * 1000;
/** Eviction frees down to this share of the bound, so it does not run on every store. */
const EVICT_TO = 0.9;
/** No single entry may take more than this share of the cache. */
const ENTRY_SHARE = 0.25;
/** ...nor more than this (a build that fills /work is built again instead). */
const MAX_ENTRY_BYTES = 64 * 1024 * 1024;

/** What one build left: its stages' reports and /work as it was before the first test. */
export interface CachedBuild {
  key: string;
  /** When the build ran (ISO 8601). */
  builtAt: string;
  /** The reports of the build stages that ran, as they were then. */
  reports: StageReport[];
  /** /work's folders and files. */
  files: SandboxFile[];
}

export interface BuildCacheStoreOptions {
  /** The cache's folder (created 0700); never inside a tree the sandbox shows. */
  dir: string;
  maxBytes: number;
}

interface EntryMeta {
  key: string;
  builtAt: string;
  reports: StageReport[];
  files: Array<{ path: string; mode: number; size: number; folder?: true }>;
}

/** The entry store: get (checked), put (atomic), evict (LRU by last use). */
export function createBuildCacheStore(options: BuildCacheStoreOptions) {
  const { dir, maxBytes } = options;
  checkOutsideSandbox('build cache', dir);
  const tempDir = join(dir, 'tmp');
  const entryLimit = Math.min(MAX_ENTRY_BYTES, Math.floor(maxBytes * ENTRY_SHARE));
  let ready: Promise<void> | undefined;
  /** Bytes in the cache as this process knows it (scanned once, then kept up to date). */
  let total: number | undefined;
  let evicting: Promise<void> | null = null;

  const count = (result: BuildCacheResult) => buildCacheEvents.inc({ result });
  const entryPath = (key: string) => join(dir, key.slice(0, 2), key);

  function prepare(): Promise<void> {
    ready ??= mkdir(tempDir, { recursive: true, mode: 0o700 }).then(() => undefined);
    return ready;
  }

  /** Every entry with its size and last use; stale temporary files are removed on the way. */
  async function scan(): Promise<Array<{ path: string; size: number; used: number }>> {
    const out: Array<{ path: string; size: number; used: number }> = [];
    for (const shard of await readdir(dir)) {
      const folder = join(dir, shard);
      const names = await readdir(folder).catch(() => [] as string[]);
      for (const name of names) {
        const path = join(folder, name);
        const stats = await stat(path).catch(() => null);
        if (stats === null || !stats.isFile()) continue;
        if (shard === 'tmp') {
          if (Date.now() - stats.mtimeMs > STALE_TEMP_MS) await unlink(path).catch(() => {});
          continue;
        }
        out.push({ path, size: stats.size, used: stats.mtimeMs });
      }
    }
    return out;
  }

  async function evict(): Promise<void> {
    const entries = await scan();
    total = entries.reduce((sum, entry) => sum + entry.size, 0);
    if (total <= maxBytes) return;
    entries.sort((a, b) => a.used - b.used);
    for (const entry of entries) {
      if (total <= maxBytes * EVICT_TO) break;
      await unlink(entry.path).catch(() => {});
      total -= entry.size;
      count('evicted');
    }
  }

  /** Drops an entry that failed its check. */
  async function drop(key: string): Promise<null> {
    count('corrupt');
    await unlink(entryPath(key)).catch(() => {});
    return null;
  }

  return {
    /** The largest entry kept, in bytes of /work's files. */
    entryLimit,

    /** The entry under `key`, checked; null when there is none or it failed its check (then it
     * is removed, and the build runs again). */
    async get(key: string): Promise<CachedBuild | null> {
      let data: Buffer;
      try {
        data = await readFile(entryPath(key));
      } catch {
        count('miss');
        return null;
      }
      const entry = decode(key, data);
      if (entry === null) return drop(key);
      const now = new Date();
      await utimes(entryPath(key), now, now).catch(() => {}); // its last use, for eviction
      count('hit');
      return entry;
    },

    /** Stores `entry` (replacing any under its key); false when it is larger than entryLimit. */
    async put(entry: CachedBuild): Promise<boolean> {
      const size = entry.files.reduce((sum, file) => sum + file.content.length, 0);
      if (size > entryLimit) {
        count('uncacheable');
        return false;
      }
      await prepare();
      const data = encode(entry);
      const temp = join(tempDir, `${entry.key}.${process.pid}.${randomBytes(6).toString('hex')}`);
      await writeFile(temp, data, { mode: 0o600, flag: 'wx' });
      try {
        await mkdir(join(dir, entry.key.slice(0, 2)), { recursive: true, mode: 0o700 });
        await rename(temp, entryPath(entry.key));
      } catch (error) {
        await unlink(temp).catch(() => {});
        throw error;
      }
      count('stored');
      if (total === undefined) {
        evicting ??= evict().finally(() => (evicting = null));
        await evicting;
      } else {
        total += data.length;
        if (total > maxBytes) {
          evicting ??= evict().finally(() => (evicting = null));
          await evicting;
        }
      }
      return true;
    },

    /** Counts a build that could not be kept (a limit hit, or /work held more than files). */
    uncacheable(): void {
      count('uncacheable');
    },
  };
}

export type BuildCacheStore = ReturnType<typeof createBuildCacheStore>;

/** `MAGIC sha256\n`, then a u32 length, the metadata (JSON), and the files' contents in order. */
function encode(entry: CachedBuild): Buffer {
  const meta: EntryMeta = {
    key: entry.key,
    builtAt: entry.builtAt,
    reports: entry.reports,
    files: entry.files.map((file) => ({
      path: file.path,
      mode: file.mode ?? 0o644,
      size: file.content.length,
      ...(file.folder === true ? { folder: true as const } : {}),
    })),
  };
  const json = Buffer.from(JSON.stringify(meta), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length);
  const body = Buffer.concat([length, json, ...entry.files.map((file) => file.content)]);
  const digest = createHash('sha256').update(body).digest('hex');
  return Buffer.concat([Buffer.from(`${MAGIC} ${digest}\n`, 'latin1'), body]);
}

/** The entry in `data` when its hash, key and sizes check out; null otherwise. */
function decode(key: string, data: Buffer): CachedBuild | null {
  const newline = data.indexOf(0x0a);
  if (newline < 0 || newline > 200) return null;
  const [magic, digest] = splitHeader(data.toString('latin1', 0, newline));
  if (magic !== MAGIC) return null;
  const body = data.subarray(newline + 1);
  if (createHash('sha256').update(body).digest('hex') !== digest) return null;
  if (body.length < 4) return null;
  const jsonLength = body.readUInt32LE(0);
  if (4 + jsonLength > body.length) return null;
  let meta: EntryMeta;
  try {
    meta = JSON.parse(body.toString('utf8', 4, 4 + jsonLength)) as EntryMeta;
  } catch {
    return null;
  }
  if (meta.key !== key || !Array.isArray(meta.files) || !Array.isArray(meta.reports)) return null;
  let at = 4 + jsonLength;
  const files: SandboxFile[] = [];
  for (const file of meta.files) {
    if (!Number.isSafeInteger(file.size) || file.size < 0 || at + file.size > body.length) {
      return null;
    }
    if (!isSafePath(file.path)) return null;
    const content = Buffer.from(body.subarray(at, at + file.size));
    at += file.size;
    files.push({
      path: file.path,
      content,
      mode: file.mode,
      ...(file.folder === true ? { folder: true } : {}),
    });
  }
  if (at !== body.length) return null;
  return { key, builtAt: meta.builtAt, reports: meta.reports, files };
}

function isSafePath(path: unknown): boolean {
  if (typeof path !== 'string') return false;
  try {
    return safeRelativePath(path) === path;
  } catch {
    return false;
  }
}

function splitHeader(line: string): [string, string] {
  const space = line.lastIndexOf(' ');
  return [line.slice(0, space), line.slice(space + 1)];
}

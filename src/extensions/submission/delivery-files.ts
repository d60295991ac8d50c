// A delivery's files, from loose files or a zip/tar(.gz) archive, checked against the limits.
// Hostile archives are expected: absolute paths, "..", links, devices, zip bombs, invisible or
// non-UTF-8 names and look-alike twins are refused (delivery-names.ts has the name rules).
import { DeliveryRejectedError } from '../../failures.js';
import { createHash } from 'node:crypto';
import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import * as tarStream from 'tar-stream';
import { safeRelativePath } from '../../platform/object-keys.js';
import {
  decodeName,
  nameProblem,
  printableName,
  quotedBytes,
  quotedName,
  twinKey,
  twinProblem,
} from './delivery-names.js';

/** Limits on one delivery (from the `submission.limits` config section). */
export interface DeliveryLimits {
  maxFiles: number;
  maxTotalBytes: number;
  maxFileBytes: number;
  /** Unpacked bytes per archive byte; more is treated as an archive bomb. */
  maxExpansionRatio: number;
  /** Deliveries one student may make to one collection (absent or 0: no quota). */
  maxDeliveriesPerStudent?: number;
  /** Bytes one student's deliveries to one collection may add up to (absent or 0: no quota). */
  maxBytesPerStudent?: number;
}

export interface DeliveryFile {
  path: string;
  content: Buffer;
}

export interface ManifestEntry {
  path: string;
  size: number;
  sha256: string;
}

const MiB = 1024 * 1024;

function describeBytes(n: number): string {
  return n >= MiB ? `${(n / MiB).toFixed(1)} MiB` : `${n} bytes`;
}

/**
 * The paths of one delivery as its entries arrive, refusing at the first rule broken: unsafe
 * or invisible names, a path twice, a file that is also a folder, case-fold or NFC/NFD twins,
 * and the limits. Files and folders (named or implied by a file's path) count alike against
 * `maxFiles`, so the same tree counts the same whether it came as a zip, a tar or a folder.
 */
export class DeliveryTree {
  private entries = 0;
  private total = 0;
  /** Every file and folder seen, by `twinKey`. */
  private readonly seen = new Map<string, { path: string; folder: boolean }>();
  constructor(
    private readonly limits: DeliveryLimits,
    private readonly where: string,
  ) {}

  /** Checks a file's path and size; returns the path normalised (no leading "./"). */
  file(raw: string, size: number): string {
    const path = this.checkedName(raw);
    this.add(path, false, path);
    if (size > this.limits.maxFileBytes) {
      throw new DeliveryRejectedError(
        `${this.where}${printableName(path)} is ${describeBytes(size)}, over the limit of ${describeBytes(this.limits.maxFileBytes)} for one file`,
      );
    }
    this.total += size;
    if (this.total > this.limits.maxTotalBytes) {
      throw new DeliveryRejectedError(
        `${this.where}the files add up to more than ${describeBytes(this.limits.maxTotalBytes)} (limit for a delivery); refused at ${printableName(path)} (${describeBytes(size)})`,
      );
    }
    return path;
  }

  /** Checks a folder entry (`src/`, or `./`, the root, which is not counted). */
  folder(raw: string): void {
    const trimmed = raw.endsWith('/') ? raw.slice(0, -1) : raw;
    let rest = trimmed;
    while (rest.startsWith('./')) rest = rest.slice(2);
    if (rest === '' || rest === '.') return;
    const path = this.checkedName(trimmed);
    this.add(path, true, path);
  }

  private checkedName(raw: string): string {
    let path: string;
    try {
      path = safeRelativePath(raw);
    } catch (err) {
      throw new DeliveryRejectedError(`${this.where}${(err as Error).message}`);
    }
    const problem = nameProblem(path);
    if (problem !== undefined) {
      throw new DeliveryRejectedError(`${this.where}${quotedName(path)}: ${problem}`);
    }
    return path;
  }

  /** Records `path` and the folders above it; `at` is the entry being added, for messages. */
  private add(path: string, folder: boolean, at: string): void {
    const slash = path.lastIndexOf('/');
    if (slash !== -1) {
      // A folder already recorded as it is has its own parents recorded: stop climbing.
      const parent = path.slice(0, slash);
      const known = this.seen.get(twinKey(parent));
      if (!known?.folder || known.path !== parent) this.add(parent, true, at);
    }
    const key = twinKey(path);
    const before = this.seen.get(key);
    if (before) {
      if (before.path !== path) {
        throw new DeliveryRejectedError(`${this.where}${twinProblem(before.path, path)}`);
      }
      if (folder && before.folder) return;
      if (!folder && !before.folder) {
        throw new DeliveryRejectedError(`${this.where}${printableName(path)} appears twice`);
      }
      throw new DeliveryRejectedError(
        `${this.where}${quotedName(path)} is both a file and a folder`,
      );
    }
    this.seen.set(key, { path, folder });
    this.entries += 1;
    if (this.entries > this.limits.maxFiles) {
      throw new DeliveryRejectedError(
        `${this.where}has more than ${this.limits.maxFiles} files and folders (limit ${this.limits.maxFiles}; folders count too); refused at ${printableName(at)}`,
      );
    }
  }
}

/**
 * Validates loose files (paths, names and limits) and returns them sorted by path; `folders`
 * are folders that may hold no files (an imported folder's), checked and counted, not kept.
 */
export function checkFiles(
  files: DeliveryFile[],
  limits: DeliveryLimits,
  folders: string[] = [],
): DeliveryFile[] {
  if (files.length === 0) throw new DeliveryRejectedError('the delivery has no files');
  const tree = new DeliveryTree(limits, '');
  const checked = files.map((f) => ({
    path: tree.file(f.path, f.content.length),
    content: f.content,
  }));
  for (const folder of folders) tree.folder(folder);
  return checked.sort(byPath);
}

function byPath(a: { path: string }, b: { path: string }): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/** An entry's name from its bytes, refused (naming the bytes) when they are not UTF-8. */
function decodedName(raw: Buffer, where: string): string {
  const decoded = decodeName(raw);
  if ('problem' in decoded) {
    throw new DeliveryRejectedError(`${where}${quotedBytes(raw)}: ${decoded.problem}`);
  }
  return decoded.name;
}

type ArchiveKind = 'zip' | 'tar' | 'tar.gz';

/** Recognises an archive by its content (zip, gzip, ustar magic), not by its name. */
export function archiveKind(content: Buffer): ArchiveKind | undefined {
  if (content.length >= 4 && content.readUInt32LE(0) === 0x04034b50) return 'zip';
  if (content.length >= 4 && content.readUInt32LE(0) === 0x06054b50) return 'zip'; // empty zip
  if (content.length >= 2 && content[0] === 0x1f && content[1] === 0x8b) return 'tar.gz';
  if (content.length >= 262 && content.subarray(257, 262).toString('latin1') === 'ustar')
    return 'tar';
  return undefined;
}

/** Unpacks a zip, tar or tar.gz archive into checked files, enforcing every limit as it goes. */
export async function readArchive(
  name: string,
  content: Buffer,
  limits: DeliveryLimits,
): Promise<DeliveryFile[]> {
  const kind = archiveKind(content);
  const where = `archive ${printableName(name)}: `;
  if (!kind) throw new DeliveryRejectedError(`${where}not a zip, tar or tar.gz archive`);
  // Unpacked bytes may not exceed the ratio, nor the delivery limit (whichever is lower).
  const budget = Math.min(
    limits.maxTotalBytes,
    Math.max(content.length, 1) * limits.maxExpansionRatio,
  );
  const files =
    kind === 'zip'
      ? await readZip(content, limits, where, budget)
      : await readTar(content, kind === 'tar.gz', limits, where, budget);
  if (files.length === 0) throw new DeliveryRejectedError(`${where}holds no files`);
  return files.sort(byPath);
}

function expansionError(where: string, archiveBytes: number, limits: DeliveryLimits): Error {
  return new DeliveryRejectedError(
    `${where}unpacks to more than ${limits.maxExpansionRatio} times its size of ${describeBytes(archiveBytes)} (expansion ratio limit), or past the delivery limit of ${describeBytes(limits.maxTotalBytes)}`,
  );
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;

async function readZip(
  content: Buffer,
  limits: DeliveryLimits,
  where: string,
  budget: number,
): Promise<DeliveryFile[]> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(
      content,
      { lazyEntries: true, decodeStrings: false, validateEntrySizes: true },
      (err, zipFile) =>
        err ? reject(new DeliveryRejectedError(`${where}${err.message}`)) : resolve(zipFile),
    ),
  );
  const tree = new DeliveryTree(limits, where);
  const files: DeliveryFile[] = [];
  let unpacked = 0;
  try {
    for (;;) {
      const entry = await new Promise<yauzl.Entry | undefined>((resolve, reject) => {
        zip.once('entry', resolve);
        zip.once('end', () => resolve(undefined));
        zip.once('error', reject);
        zip.readEntry();
      });
      zip.removeAllListeners('entry').removeAllListeners('end').removeAllListeners('error');
      if (!entry) break;
      // Names are read as bytes: UTF-8 or refused, whatever the entry's language flag says.
      const rawName = decodedName(entry.fileName as unknown as Buffer, where);
      const mode = (entry.externalFileAttributes >>> 16) & S_IFMT;
      if (rawName.endsWith('/') || mode === S_IFDIR) {
        tree.folder(rawName);
        continue;
      }
      if (mode !== 0 && mode !== S_IFREG) {
        const what = mode === 0o120000 ? 'a symbolic link' : 'not a regular file';
        throw new DeliveryRejectedError(`${where}${printableName(rawName)} is ${what}`);
      }
      const path = tree.file(rawName, entry.uncompressedSize);
      unpacked += entry.uncompressedSize;
      if (unpacked > budget) throw expansionError(where, content.length, limits);
      const stream = await new Promise<Readable>((resolve, reject) =>
        zip.openReadStream(entry, (err, s) => (err ? reject(err) : resolve(s))),
      );
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      files.push({ path, content: Buffer.concat(chunks) });
    }
  } catch (err) {
    if (err instanceof DeliveryRejectedError) throw err;
    throw new DeliveryRejectedError(`${where}${(err as Error).message}`);
  } finally {
    zip.close();
  }
  return files;
}

async function readTar(
  content: Buffer,
  gzipped: boolean,
  limits: DeliveryLimits,
  where: string,
  budget: number,
): Promise<DeliveryFile[]> {
  const tree = new DeliveryTree(limits, where);
  const files: DeliveryFile[] = [];
  // latin1 keeps a header's name bytes as they are, to be checked as UTF-8 here (a pax `path`
  // record arrives decoded already; bytes that were not UTF-8 show there as U+FFFD).
  // (`filenameEncoding` is an option of tar-stream that its type declarations leave out.)
  const extract = tarStream.extract({ filenameEncoding: 'latin1' } as Parameters<
    typeof tarStream.extract
  >[0]);
  let unpacked = 0;
  const consume = (async () => {
    for await (const entry of extract) {
      const { type, size = 0 } = entry.header;
      const pax = entry.header.pax as { path?: string } | null | undefined;
      const name = pax?.path
        ? entry.header.name
        : decodedName(Buffer.from(entry.header.name, 'latin1'), where);
      if (type === 'directory') {
        entry.resume();
        tree.folder(name);
        continue;
      }
      if (type !== 'file' && type !== 'contiguous-file') {
        const what =
          type === 'symlink'
            ? 'a symbolic link'
            : type === 'link'
              ? 'a hard link'
              : `a ${type} entry, not a regular file`;
        throw new DeliveryRejectedError(`${where}${printableName(name)} is ${what}`);
      }
      const path = tree.file(name, size);
      unpacked += size;
      if (unpacked > budget) throw expansionError(where, content.length, limits);
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      files.push({ path, content: Buffer.concat(chunks) });
    }
  })();
  const source = Readable.from([content]);
  try {
    if (gzipped) {
      // The gunzipped stream is counted too: a bomb is stopped before it fills memory.
      let gunzipped = 0;
      const gunzip = createGunzip();
      gunzip.on('data', (chunk: Buffer) => {
        gunzipped += chunk.length;
        if (gunzipped > budget + 1024 * 1024)
          gunzip.destroy(expansionError(where, content.length, limits));
      });
      await Promise.all([pipeline(source, gunzip, extract), consume]);
    } else {
      await Promise.all([pipeline(source, extract), consume]);
    }
  } catch (err) {
    extract.destroy();
    if (err instanceof DeliveryRejectedError) throw err;
    throw new DeliveryRejectedError(`${where}${(err as Error).message}`);
  }
  return files;
}

/** The manifest (path, size, sha256 of each file) and the delivery's own sha256 and size. */
export function manifestOf(files: DeliveryFile[]): {
  manifest: ManifestEntry[];
  sha256: string;
  totalSize: number;
} {
  const manifest = files.map((f) => ({
    path: f.path,
    size: f.content.length,
    sha256: createHash('sha256').update(f.content).digest('hex'),
  }));
  const whole = createHash('sha256');
  for (const entry of manifest) whole.update(`${entry.path}\u0000${entry.sha256}\n`);
  return {
    manifest,
    sha256: whole.digest('hex'),
    totalSize: manifest.reduce((sum, e) => sum + e.size, 0),
  };
}

// A delivery's files, from loose files or a zip/tar(.gz) archive, checked against the limits.
// Hostile archives are expected: absolute paths, "..", links, devices and zip bombs are refused.
import { createHash } from 'node:crypto';
import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import * as tarStream from 'tar-stream';
import { safeRelativePath } from '../../platform/object-keys.js';

/** Limits on one delivery (from the `submission.limits` config section). */
export interface DeliveryLimits {
  maxFiles: number;
  maxTotalBytes: number;
  maxFileBytes: number;
  /** Unpacked bytes per archive byte; more is treated as an archive bomb. */
  maxExpansionRatio: number;
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

/** A delivery that breaks a rule; the message says which file, its size and the limit. */
export class DeliveryRejectedError extends Error {
  override readonly name = 'DeliveryRejected';
}

const MiB = 1024 * 1024;

function describeBytes(n: number): string {
  return n >= MiB ? `${(n / MiB).toFixed(1)} MiB` : `${n} bytes`;
}

/** Tracks counts and sizes while files arrive, refusing at the first limit crossed. */
class LimitTracker {
  private files = 0;
  private total = 0;
  constructor(
    private readonly limits: DeliveryLimits,
    private readonly where: string,
  ) {}

  file(path: string, size: number): void {
    this.files += 1;
    if (this.files > this.limits.maxFiles) {
      throw new DeliveryRejectedError(
        `${this.where}has more than ${this.limits.maxFiles} files (limit ${this.limits.maxFiles}); refused at ${path}`,
      );
    }
    if (size > this.limits.maxFileBytes) {
      throw new DeliveryRejectedError(
        `${this.where}${path} is ${describeBytes(size)}, over the limit of ${describeBytes(this.limits.maxFileBytes)} for one file`,
      );
    }
    this.total += size;
    if (this.total > this.limits.maxTotalBytes) {
      throw new DeliveryRejectedError(
        `${this.where}the files add up to more than ${describeBytes(this.limits.maxTotalBytes)} (limit for a delivery); refused at ${path} (${describeBytes(size)})`,
      );
    }
  }
}

function checkedPath(raw: string, where: string): string {
  try {
    return safeRelativePath(raw);
  } catch (err) {
    throw new DeliveryRejectedError(`${where}${(err as Error).message}`);
  }
}

function checkDuplicates(files: DeliveryFile[], where: string): void {
  const seen = new Set<string>();
  for (const file of files) {
    if (seen.has(file.path)) throw new DeliveryRejectedError(`${where}${file.path} appears twice`);
    seen.add(file.path);
  }
}

/** Validates loose files (paths and limits) and returns them sorted by path. */
export function checkFiles(files: DeliveryFile[], limits: DeliveryLimits): DeliveryFile[] {
  if (files.length === 0) throw new DeliveryRejectedError('the delivery has no files');
  const tracker = new LimitTracker(limits, '');
  const checked = files.map((f) => {
    const path = checkedPath(f.path, '');
    tracker.file(path, f.content.length);
    return { path, content: f.content };
  });
  checkDuplicates(checked, '');
  return checked.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
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
  const where = `archive ${name}: `;
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
  checkDuplicates(files, where);
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
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
  const tracker = new LimitTracker(limits, where);
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
      const rawName = (entry.fileName as unknown as Buffer).toString('utf8');
      const mode = (entry.externalFileAttributes >>> 16) & S_IFMT;
      if (rawName.endsWith('/') || mode === S_IFDIR) continue;
      if (mode !== 0 && mode !== S_IFREG) {
        const what = mode === 0o120000 ? 'a symbolic link' : 'not a regular file';
        throw new DeliveryRejectedError(`${where}${rawName} is ${what}`);
      }
      const path = checkedPath(rawName, where);
      tracker.file(path, entry.uncompressedSize);
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
  const tracker = new LimitTracker(limits, where);
  const files: DeliveryFile[] = [];
  const extract = tarStream.extract();
  let unpacked = 0;
  const consume = (async () => {
    for await (const entry of extract) {
      const { name, type, size = 0 } = entry.header;
      if (type === 'directory') {
        entry.resume();
        continue;
      }
      if (type !== 'file' && type !== 'contiguous-file') {
        const what =
          type === 'symlink'
            ? 'a symbolic link'
            : type === 'link'
              ? 'a hard link'
              : `a ${type} entry, not a regular file`;
        throw new DeliveryRejectedError(`${where}${name} is ${what}`);
      }
      const path = checkedPath(name, where);
      tracker.file(path, size);
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

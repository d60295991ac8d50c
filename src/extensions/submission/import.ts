// `zinc import`: a folder with one entry per delivery becomes a collection's deliveries.
// Entries are `<studentId>` or `<studentId>@<ISO-8601 time>`, each a folder or an archive.
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DeliveryRejectedError, type DeliveryFile } from './delivery-files.js';
import type { SubmissionService } from './service.js';

export interface ImportOptions {
  course: string;
  activity: string;
  collection: string;
  /** The window of a collection created by this import; default: the deliveries' own span. */
  startAt?: Date;
  stopAt?: Date;
}

export interface ImportSummary {
  collectionId: string;
  imported: number;
  skipped: number;
  rejected: Array<{ entry: string; reason: string }>;
}

/** An import that cannot start at all (the folder is missing, a flag is wrong). */
export class ImportError extends Error {
  override readonly name = 'ImportError';
}

const ARCHIVE_SUFFIX = /\.(zip|tar|tar\.gz|tgz)$/i;
const STUDENT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

interface Entry {
  entry: string;
  studentId: string;
  submittedAt: Date;
  source: { kind: 'folder'; path: string } | { kind: 'archive'; path: string };
}

/** Reads every regular file under `dir` (relative paths); links and special files are refused. */
async function readFolder(
  dir: string,
  prefix = '',
): Promise<{ files: DeliveryFile[]; newest: number }> {
  const files: DeliveryFile[] = [];
  let newest = 0;
  for (const name of (await readdir(dir)).sort()) {
    const full = join(dir, name);
    const rel = prefix + name;
    const info = await lstat(full);
    if (info.isSymbolicLink()) throw new DeliveryRejectedError(`${rel} is a symbolic link`);
    if (info.isDirectory()) {
      const inner = await readFolder(full, `${rel}/`);
      files.push(...inner.files);
      newest = Math.max(newest, inner.newest);
    } else if (info.isFile()) {
      files.push({ path: rel, content: await readFile(full) });
      newest = Math.max(newest, info.mtimeMs);
    } else {
      throw new DeliveryRejectedError(`${rel} is not a regular file`);
    }
  }
  return { files, newest };
}

/** Parses an entry name; the reason when it is not `<studentId>[@<time>]`. */
function parseEntry(name: string, mtime: Date, isArchive: boolean): Omit<Entry, 'source'> | string {
  const base = isArchive ? name.replace(ARCHIVE_SUFFIX, '') : name;
  const at = base.indexOf('@');
  const studentId = at === -1 ? base : base.slice(0, at);
  if (!STUDENT_ID.test(studentId)) {
    return `"${studentId}" is not a student ID (letters, digits, ".", "_" or "-", at most 128)`;
  }
  let submittedAt = mtime;
  if (at !== -1) {
    const text = base.slice(at + 1);
    submittedAt = new Date(text);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(submittedAt.getTime())) {
      return `"${text}" is not an ISO-8601 time such as 2026-09-30T23:59:00Z`;
    }
  }
  return { entry: name, studentId, submittedAt };
}

/** Imports the folder's deliveries; running it again on the same input adds nothing. */
export async function importDeliveries(
  service: SubmissionService,
  dir: string,
  options: ImportOptions,
): Promise<ImportSummary> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (err) {
    throw new ImportError(`cannot read the import folder ${dir}: ${(err as Error).message}`);
  }
  const rejected: ImportSummary['rejected'] = [];
  const entries: Entry[] = [];
  for (const name of names) {
    if (name.startsWith('.')) continue; // .DS_Store and friends
    const full = join(dir, name);
    const info = await lstat(full);
    const isArchive = info.isFile() && ARCHIVE_SUFFIX.test(name);
    if (!info.isDirectory() && !isArchive) {
      rejected.push({
        entry: name,
        reason: 'not a folder or a .zip, .tar, .tar.gz or .tgz archive',
      });
      continue;
    }
    let mtime = info.mtime;
    if (info.isDirectory()) {
      try {
        const { newest } = await readFolder(full);
        if (newest > 0) mtime = new Date(newest);
      } catch (err) {
        rejected.push({ entry: name, reason: (err as Error).message });
        continue;
      }
    }
    const parsed = parseEntry(name, mtime, isArchive);
    if (typeof parsed === 'string') {
      rejected.push({ entry: name, reason: parsed });
      continue;
    }
    entries.push({ ...parsed, source: { kind: isArchive ? 'archive' : 'folder', path: full } });
  }

  const { store } = service;
  const course = await store.ensureCourse({ code: options.course });
  const activity = await store.ensureActivity(course.id, options.activity);
  const times = entries.map((e) => e.submittedAt.getTime());
  const startAt = options.startAt ?? new Date(times.length ? Math.min(...times) : Date.now());
  let stopAt = options.stopAt ?? new Date(times.length ? Math.max(...times) : Date.now());
  if (stopAt.getTime() <= startAt.getTime()) stopAt = new Date(startAt.getTime() + 1000);
  const collection = await store.ensureCollection(activity.id, options.collection, startAt, stopAt);

  let imported = 0;
  let skipped = 0;
  for (const entry of entries) {
    try {
      await store.ensureUser({ id: entry.studentId });
      if (!(await store.getMemberRole(course.id, entry.studentId))) {
        await store.setMember(course.id, entry.studentId, 'student');
      }
      const content =
        entry.source.kind === 'archive'
          ? { archive: { name: entry.entry, content: await readFile(entry.source.path) } }
          : { files: (await readFolder(entry.source.path)).files };
      const result = await service.deliver({
        collectionId: collection.id,
        userId: entry.studentId,
        submittedAt: entry.submittedAt,
        ...content,
      });
      if (result.inserted) imported += 1;
      else skipped += 1;
    } catch (err) {
      if ((err as Error).name !== 'DeliveryRejected') throw err;
      rejected.push({ entry: entry.entry, reason: (err as Error).message });
    }
  }
  rejected.sort((a, b) => (a.entry < b.entry ? -1 : a.entry > b.entry ? 1 : 0));
  return { collectionId: collection.id, imported, skipped, rejected };
}

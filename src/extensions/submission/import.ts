// `zinc import`: a folder with one entry per delivery becomes a collection's deliveries.
// Entries are `<studentId>` or `<studentId>@<ISO-8601 time>`, each a folder or an archive.
import { DeliveryRejectedError, ImportError } from '../../failures.js';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DeliveryTree, type DeliveryFile, type DeliveryLimits } from './delivery-files.js';
import {
  decodeName,
  printableBytes,
  printableName,
  quotedBytes,
  quotedName,
} from './delivery-names.js';
import type { SubmissionService } from './service.js';
import { OPEN_STOP } from './constants.js';

export interface ImportOptions {
  course: string;
  activity: string;
  collection: string;
  /**
   * The window of a collection created by this import; default: open from the earliest delivery
   * (or now), with no stop time (OPEN_STOP). An existing collection's window is left as it is.
   */
  startAt?: Date;
  stopAt?: Date;
}

export interface ImportSummary {
  collectionId: string;
  imported: number;
  skipped: number;
  rejected: Array<{ entry: string; reason: string }>;
}

const ARCHIVE_SUFFIX = /\.(zip|tar|tar\.gz|tgz)$/i;
const STUDENT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

interface Entry {
  entry: string;
  studentId: string;
  submittedAt: Date;
  source: { kind: 'folder'; path: string } | { kind: 'archive'; path: string };
}

interface FolderContent {
  files: DeliveryFile[];
  /** Every folder under the root, empty ones included. */
  folders: string[];
  /** The newest file's modification time (ms), 0 when there are no files. */
  newest: number;
}

/**
 * Walks a delivery folder: every regular file and folder under it (relative paths), checked
 * against the delivery rules while walking (names read as bytes, twins, limits), so a hostile
 * or huge folder is refused before its files are read; links and special files are refused.
 * With `read`, the files' contents too (else they are left empty).
 */
async function readFolder(
  root: string,
  limits: DeliveryLimits,
  read: boolean,
): Promise<FolderContent> {
  const tree = new DeliveryTree(limits, '');
  const out: FolderContent = { files: [], folders: [], newest: 0 };
  const walk = async (dir: string, prefix: string): Promise<void> => {
    const names = await readdir(dir, { encoding: 'buffer' });
    for (const raw of names.sort((a, b) => Buffer.compare(a, b))) {
      const decoded = decodeName(raw);
      if ('problem' in decoded) {
        const shown = quotedBytes(Buffer.concat([Buffer.from(prefix), raw]));
        throw new DeliveryRejectedError(`${shown}: ${decoded.problem}`);
      }
      const rel = prefix + decoded.name;
      const full = join(dir, decoded.name);
      const info = await lstat(full);
      if (info.isSymbolicLink()) {
        throw new DeliveryRejectedError(`${printableName(rel)} is a symbolic link`);
      }
      if (info.isDirectory()) {
        tree.folder(rel);
        out.folders.push(rel);
        await walk(full, `${rel}/`);
      } else if (info.isFile()) {
        tree.file(rel, info.size);
        out.files.push({ path: rel, content: read ? await readFile(full) : Buffer.alloc(0) });
        out.newest = Math.max(out.newest, info.mtimeMs);
      } else {
        throw new DeliveryRejectedError(`${printableName(rel)} is not a regular file`);
      }
    }
  };
  await walk(root, '');
  return out;
}

/** Parses an entry name; the reason when it is not `<studentId>[@<time>]`. */
function parseEntry(name: string, mtime: Date, isArchive: boolean): Omit<Entry, 'source'> | string {
  const base = isArchive ? name.replace(ARCHIVE_SUFFIX, '') : name;
  const at = base.indexOf('@');
  const studentId = at === -1 ? base : base.slice(0, at);
  if (!STUDENT_ID.test(studentId)) {
    return `${quotedName(studentId)} is not a student ID (letters, digits, ".", "_" or "-", at most 128)`;
  }
  let submittedAt = mtime;
  if (at !== -1) {
    const text = base.slice(at + 1);
    submittedAt = new Date(text);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(submittedAt.getTime())) {
      return `${quotedName(text)} is not an ISO-8601 time such as 2026-09-30T23:59:00Z`;
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
  let raws: Buffer[];
  try {
    raws = (await readdir(dir, { encoding: 'buffer' })).sort((a, b) => Buffer.compare(a, b));
  } catch (err) {
    throw new ImportError(`cannot read the import folder ${dir}: ${(err as Error).message}`);
  }
  const rejected: ImportSummary['rejected'] = [];
  const entries: Entry[] = [];
  const { limits } = service;
  for (const raw of raws) {
    if (raw[0] === 0x2e) continue; // .DS_Store and friends
    const decoded = decodeName(raw);
    if ('problem' in decoded) {
      rejected.push({ entry: printableBytes(raw), reason: decoded.problem });
      continue;
    }
    const name = decoded.name;
    const full = join(dir, name);
    const info = await lstat(full);
    const isArchive = info.isFile() && ARCHIVE_SUFFIX.test(name);
    if (!info.isDirectory() && !isArchive) {
      rejected.push({
        entry: printableName(name),
        reason: 'not a folder or a .zip, .tar, .tar.gz or .tgz archive',
      });
      continue;
    }
    let mtime = info.mtime;
    if (info.isDirectory()) {
      try {
        const { newest } = await readFolder(full, limits, false);
        if (newest > 0) mtime = new Date(newest);
      } catch (err) {
        rejected.push({ entry: printableName(name), reason: (err as Error).message });
        continue;
      }
    }
    const parsed = parseEntry(name, mtime, isArchive);
    if (typeof parsed === 'string') {
      rejected.push({ entry: printableName(name), reason: parsed });
      continue;
    }
    entries.push({ ...parsed, source: { kind: isArchive ? 'archive' : 'folder', path: full } });
  }

  const { store } = service;
  const course = await store.ensureCourse({ code: options.course });
  const activity = await store.ensureActivity(course.id, options.activity);
  // A new collection opens at its earliest delivery (or now) and, without --stop, stays open
  // (OPEN_STOP) until staff give it a deadline with `zinc collections set-window`.
  const times = entries.map((e) => e.submittedAt.getTime());
  const startAt = options.startAt ?? new Date(Math.min(Date.now(), ...times));
  let stopAt = options.stopAt ?? new Date(OPEN_STOP);
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
      const folder =
        entry.source.kind === 'folder'
          ? await readFolder(entry.source.path, limits, true)
          : undefined;
      const content = folder
        ? { files: folder.files, folders: folder.folders }
        : { archive: { name: entry.entry, content: await readFile(entry.source.path) } };
      const result = await service.deliver({
        collectionId: collection.id,
        userId: entry.studentId,
        submittedAt: entry.submittedAt,
        ...content,
      });
      if (result.inserted) imported += 1;
      else skipped += 1;
    } catch (err) {
      const name = (err as Error).name;
      if (name !== 'DeliveryRejected' && name !== 'DeliveryQuotaExceeded') throw err;
      rejected.push({ entry: entry.entry, reason: (err as Error).message });
    }
  }
  rejected.sort((a, b) => (a.entry < b.entry ? -1 : a.entry > b.entry ? 1 : 0));
  return { collectionId: collection.id, imported, skipped, rejected };
}

// Builds real zip and tar archives for tests, including hostile ones no honest tool would write.
import { gzipSync } from 'node:zlib';
import yazl from 'yazl';
import * as tarStream from 'tar-stream';

export interface ArchiveEntry {
  name: string;
  content?: string | Buffer;
  /** Unix mode bits including the file type, e.g. 0o120777 for a symbolic link. */
  mode?: number;
}

/** A zip of the entries; names are written byte for byte (see `rename` for hostile names). */
export async function makeZip(entries: ArchiveEntry[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const e of entries) {
    zip.addBuffer(Buffer.from(e.content ?? ''), e.name, e.mode ? { mode: e.mode } : {});
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Replaces every occurrence of a name with another of the same byte length (headers included). */
export function rename(archive: Buffer, from: string, to: string): Buffer {
  const a = Buffer.from(from);
  const b = Buffer.from(to);
  if (a.length !== b.length) throw new Error('rename needs names of equal length');
  const out = Buffer.from(archive);
  let at = out.indexOf(a);
  while (at !== -1) {
    b.copy(out, at);
    at = out.indexOf(a, at + 1);
  }
  return out;
}

export interface TarEntry {
  name: string;
  content?: string | Buffer;
  type?: tarStream.Header['type'];
  linkname?: string;
}

/** A tar (optionally gzipped) of the entries, with any names and entry types. */
export async function makeTar(entries: TarEntry[], gzip = false): Promise<Buffer> {
  const pack = tarStream.pack();
  const done = (async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of pack) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  })();
  for (const e of entries) {
    const content = Buffer.from(e.content ?? '');
    const type = e.type ?? 'file';
    const header = {
      name: e.name,
      type,
      size: type === 'file' ? content.length : 0,
      ...(e.linkname ? { linkname: e.linkname } : {}),
    };
    if (type === 'file') pack.entry(header, content);
    else pack.entry(header, '');
  }
  pack.finalize();
  const tar = await done;
  return gzip ? gzipSync(tar) : tar;
}

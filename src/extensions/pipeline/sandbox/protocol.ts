// The frames zinc and the sandbox launcher exchange on the control socket (see launcher.c):
// a type byte, a little-endian u32 length, the payload.

/** A file sent into the sandbox's /work. */
export interface SandboxFile {
  /** Relative, `/`-separated, already checked (no `..`, no absolute path). */
  path: string;
  content: Buffer;
  /** Permission bits; default 0644, or 0755 for a file starting with `#!`. */
  mode?: number;
  /** A folder (content empty), as a build cache's snapshot of /work has them; default a file. */
  folder?: boolean;
}

/** S_IFDIR: an F frame's mode with it names a folder. */
const FOLDER_BIT = 0o40000;

/** What one run asks of the launcher (limits already resolved to what it enforces). */
export interface RunFrame {
  isolated: boolean;
  wallMs: number;
  addressSpaceBytes: number;
  cpuSeconds: number;
  processes: number;
  fileBytes: number;
  openFiles: number;
  outputBytes: number;
  tmpBytes: number;
  strictMemory: boolean;
  argv: string[];
  env: string[];
  stdin: Buffer;
}

/** One frame as read. */
export interface Frame {
  type: string;
  payload: Buffer;
}

function frame(type: string, parts: Buffer[]): Buffer {
  const payload = Buffer.concat(parts);
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeUInt32LE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

function u32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32LE(value);
  return out;
}

function u64(value: number): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(BigInt(Math.max(0, Math.floor(value))));
  return out;
}

function str(text: string): Buffer[] {
  const bytes = Buffer.from(text, 'utf8');
  return [u32(bytes.length), bytes];
}

/** The mode a file gets in /work. */
export function fileMode(file: SandboxFile): number {
  if (file.mode !== undefined) return file.mode & (file.folder === true ? 0o777 : 0o755);
  const script = file.content.length >= 2 && file.content[0] === 0x23 && file.content[1] === 0x21;
  return script ? 0o755 : 0o644;
}

/** An F frame: files for /work. */
export function encodeFiles(files: readonly SandboxFile[]): Buffer {
  const parts: Buffer[] = [];
  for (const file of files) {
    const mode = file.folder === true ? FOLDER_BIT | fileMode(file) : fileMode(file);
    parts.push(...str(file.path), u32(mode), u64(file.content.length), file.content);
  }
  return frame('F', parts);
}

/** An R frame: one run. */
export function encodeRun(run: RunFrame): Buffer {
  const parts: Buffer[] = [
    Buffer.from([(run.isolated ? 1 : 0) | (run.strictMemory ? 2 : 0)]),
    u64(run.wallMs),
    u64(run.addressSpaceBytes),
    u64(run.cpuSeconds),
    u64(run.processes),
    u64(run.fileBytes),
    u64(run.openFiles),
    u64(run.outputBytes),
    u64(run.tmpBytes),
    u32(run.argv.length),
  ];
  for (const word of run.argv) parts.push(...str(word));
  parts.push(u32(run.env.length));
  for (const entry of run.env) parts.push(...str(entry));
  parts.push(run.stdin);
  return frame('R', parts);
}

/** An S frame (stop the current run) or an L frame (list /work). */
export function encodeBare(type: 'S' | 'L'): Buffer {
  return frame(type, []);
}

/** A G frame: snapshot /work (at most `maxBytes` of file content). */
export function encodeSnapshot(maxBytes: number): Buffer {
  return frame('G', [u64(maxBytes)]);
}

/** The launcher's `g` answer: /work's folders and files, or why it cannot be cached. */
export function parseSnapshot(
  payload: Buffer,
): { ok: true; files: SandboxFile[] } | { ok: false; reason: string } {
  if (payload[0] !== 1) return { ok: false, reason: payload.subarray(1).toString('utf8') };
  const files: SandboxFile[] = [];
  let at = 1;
  while (at < payload.length) {
    const kind = String.fromCharCode(payload[at]!);
    const pathLength = payload.readUInt32LE(at + 1);
    const path = payload.toString('utf8', at + 5, at + 5 + pathLength);
    at += 5 + pathLength;
    const mode = payload.readUInt32LE(at);
    const size = Number(payload.readBigUInt64LE(at + 4));
    at += 12;
    const content = Buffer.from(payload.subarray(at, at + size));
    at += size;
    files.push(kind === 'd' ? { path, content, mode, folder: true } : { path, content, mode });
  }
  return { ok: true, files };
}

/** Splits the launcher's byte stream into frames. */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);
  /** Chunks of a frame longer than `pending`, joined once it is complete (a snapshot). */
  private parts: Buffer[] = [];
  private partsLength = 0;
  private needed = 0;

  /** Feeds bytes; returns the frames they complete. */
  push(chunk: Buffer): Frame[] {
    if (this.needed > 0) {
      this.parts.push(chunk);
      this.partsLength += chunk.length;
      if (this.partsLength < this.needed) return [];
      this.pending = Buffer.concat(this.parts, this.partsLength);
      this.parts = [];
      this.partsLength = 0;
      this.needed = 0;
    } else {
      this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    }
    const out: Frame[] = [];
    while (this.pending.length >= 5) {
      const length = this.pending.readUInt32LE(1);
      if (this.pending.length < 5 + length) {
        if (length > 65536) {
          this.needed = 5 + length;
          this.parts = [this.pending];
          this.partsLength = this.pending.length;
          this.pending = Buffer.alloc(0);
        }
        break;
      }
      out.push({
        type: String.fromCharCode(this.pending[0] ?? 0),
        payload: this.pending.subarray(5, 5 + length),
      });
      this.pending = this.pending.subarray(5 + length);
    }
    return out;
  }
}

/** The launcher's `d` frame. */
export interface RunDone {
  exitCode: number | null;
  signal: number;
  wallTimeMs: number;
  cpuTimeMs: number;
  maxRssBytes: number;
  stop: 'none' | 'wall' | 'request' | 'output';
  workFull: boolean;
}

/** Parses `exit=.. signal=.. wall_us=.. user_us=.. sys_us=.. maxrss_kb=.. stop=.. work_full=..`. */
export function parseDone(text: string): RunDone {
  const values = new Map(text.split(' ').map((field) => field.split('=') as [string, string]));
  const num = (key: string) => Number(values.get(key) ?? 0);
  const exit = num('exit');
  const stop = values.get('stop');
  return {
    exitCode: exit >= 0 ? exit : null,
    signal: num('signal'),
    wallTimeMs: num('wall_us') / 1000,
    cpuTimeMs: (num('user_us') + num('sys_us')) / 1000,
    maxRssBytes: num('maxrss_kb') * 1024,
    stop: stop === 'wall' || stop === 'request' || stop === 'output' ? stop : 'none',
    workFull: values.get('work_full') === '1',
  };
}

// The frames zinc and the sandbox launcher exchange on the control socket (see launcher.c):
// a type byte, a little-endian u32 length, the payload.

/** A file sent into the sandbox's /work. */
export interface SandboxFile {
  /** Relative, `/`-separated, already checked (no `..`, no absolute path). */
  path: string;
  content: Buffer;
  /** Permission bits; default 0644, or 0755 for a file starting with `#!`. */
  mode?: number;
}

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
  if (file.mode !== undefined) return file.mode & 0o755;
  const script = file.content.length >= 2 && file.content[0] === 0x23 && file.content[1] === 0x21;
  return script ? 0o755 : 0o644;
}

/** An F frame: files for /work. */
export function encodeFiles(files: readonly SandboxFile[]): Buffer {
  const parts: Buffer[] = [];
  for (const file of files) {
    parts.push(...str(file.path), u32(fileMode(file)), u64(file.content.length), file.content);
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

/** Splits the launcher's byte stream into frames. */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);

  /** Feeds bytes; returns the frames they complete. */
  push(chunk: Buffer): Frame[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const out: Frame[] = [];
    while (this.pending.length >= 5) {
      const length = this.pending.readUInt32LE(1);
      if (this.pending.length < 5 + length) break;
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

// Reads what the launcher says on its control socket (protocol in launcher.c).
import { constants } from 'node:os';

/** How the launcher's command ended, as it measured it. */
export interface LauncherDone {
  exitCode: number | null;
  signal: string | null;
  wallTimeMs: number;
  cpuTimeMs: number;
  peakMemoryBytes: number;
  /** 'wall': the launcher's wall-time limit; 'request': zinc asked it to stop. */
  stop: 'none' | 'wall' | 'request';
}

/** Everything the launcher said during one run. */
export interface LauncherReport {
  ready: boolean;
  setupError: string | null;
  execError: string | null;
  done: LauncherDone | null;
}

/** Accumulates the control socket's bytes and parses them line by line. */
export class LauncherReportReader {
  readonly report: LauncherReport = { ready: false, setupError: null, execError: null, done: null };
  private pending = '';

  /** Feeds bytes read from the control socket. */
  push(chunk: Buffer): void {
    this.pending += chunk.toString('latin1');
    let newline: number;
    while ((newline = this.pending.indexOf('\n')) >= 0) {
      this.parseLine(this.pending.slice(0, newline));
      this.pending = this.pending.slice(newline + 1);
    }
  }

  private parseLine(line: string): void {
    const [word, ...rest] = line.split(' ');
    if (word === 'ready') this.report.ready = true;
    else if (word === 'setup-error') {
      this.report.setupError = `${rest[0] ?? 'launcher'}: ${errnoName(Number(rest[1]))}`;
    } else if (word === 'exec-error') this.report.execError = errnoName(Number(rest[0]));
    else if (word === 'done') this.report.done = parseDone(rest);
  }
}

function parseDone(fields: string[]): LauncherDone {
  const values = new Map(fields.map((field) => field.split('=') as [string, string]));
  const num = (key: string) => Number(values.get(key) ?? 0);
  const exit = num('exit');
  const stop = values.get('stop');
  return {
    exitCode: exit >= 0 ? exit : null,
    signal: num('signal') > 0 ? signalName(num('signal')) : null,
    wallTimeMs: num('wall_us') / 1000,
    cpuTimeMs: (num('user_us') + num('sys_us')) / 1000,
    peakMemoryBytes: num('maxrss_kb') * 1024,
    stop: stop === 'wall' || stop === 'request' ? stop : 'none',
  };
}

const signalNames = new Map(Object.entries(constants.signals).map(([name, n]) => [n, name]));
const errnoNames = new Map(Object.entries(constants.errno).map(([name, n]) => [n, name]));

/** 'SIGSEGV' for 11; 'SIG<n>' for a number this platform does not name. */
export function signalName(signal: number): string {
  return signalNames.get(signal) ?? `SIG${signal}`;
}

function errnoName(errno: number): string {
  return errnoNames.get(errno) ?? `errno ${errno}`;
}

// Output comparison as a stdioTest does it: line by line, after diff_ignore_flags, byte-exact
// otherwise. A missing newline at the very end is never a difference ("5/6" equals "5/6\n").
import type { DiffIgnoreFlag } from '../config/types.js';

/** One line of an output: what it is compared as, what a diff shows, and its line number. */
export interface ComparableLine {
  /** The line's bytes as latin1 (one char per byte, so equality is byte equality), normalised. */
  key: string;
  /** The line for display: UTF-8, invalid bytes replaced. */
  text: string;
  /** 1-based, in the original output (BLANK_LINES may drop lines in between). */
  lineNo: number;
}

// Whitespace as GNU diff's C locale sees it: ASCII only, so every byte sequence compares the same.
const TRAILING_SPACE = /[ \t\r\f\v]+$/;
const SPACE_RUN = /[ \t\r\f\v]+/g;
const BLANK = /^[ \t\r\f\v]*$/;

/** Splits `bytes` into lines and normalises each as `flags` say (GNU diff -Z, -b, -w, -B). */
export function comparableLines(bytes: Buffer, flags: readonly DiffIgnoreFlag[]): ComparableLine[] {
  const lines: ComparableLine[] = [];
  let start = 0;
  let lineNo = 0;
  while (start < bytes.length) {
    const newline = bytes.indexOf(0x0a, start);
    const end = newline === -1 ? bytes.length : newline;
    const raw = bytes.subarray(start, end);
    lineNo += 1;
    start = end + 1;
    const latin1 = raw.toString('latin1');
    if (flags.includes('BLANK_LINES') && BLANK.test(latin1)) continue;
    lines.push({ key: normalise(latin1, flags), text: raw.toString('utf8'), lineNo });
  }
  return lines;
}

function normalise(line: string, flags: readonly DiffIgnoreFlag[]): string {
  if (flags.includes('ALL_SPACE')) return line.replace(SPACE_RUN, '');
  if (flags.includes('SPACE_CHANGE'))
    return line.replace(TRAILING_SPACE, '').replace(SPACE_RUN, ' ');
  if (flags.includes('TRAILING_WHITESPACE')) return line.replace(TRAILING_SPACE, '');
  return line;
}

/** Whether two outputs are the same once `flags` are applied. */
export function sameLines(expected: ComparableLine[], actual: ComparableLine[]): boolean {
  return (
    expected.length === actual.length && expected.every((line, i) => line.key === actual[i]!.key)
  );
}

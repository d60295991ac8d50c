// A unified diff of two outputs (expected → actual) for WRONG_OUTPUT, bounded in time and size:
// the common head and tail are skipped in linear time, and the middle is diffed exactly when
// small enough (LCS), else shown as one replaced block.
import type { ComparableLine } from './compare.js';

/** Largest middle section (lines × lines) diffed exactly; a 2000 × 2000 table is 16 MB. */
const MAX_LCS_CELLS = 4_000_000;
const CONTEXT = 3;

type Op = { kind: ' ' | '-' | '+'; a: number; b: number };

/**
 * The unified diff from `expected` to `actual`, compared by key and shown by text; stops adding
 * lines once it is `maxChars` long (the report caps it anyway). Empty when they are the same.
 */
export function unifiedDiff(
  expected: ComparableLine[],
  actual: ComparableLine[],
  maxChars: number,
): string {
  const ops = editScript(expected, actual);
  const out: string[] = ['--- expected', '+++ actual'];
  let length = out.join('\n').length;
  let i = 0;
  while (i < ops.length && length <= maxChars) {
    if (ops[i]!.kind === ' ') {
      i += 1;
      continue;
    }
    // A hunk: from CONTEXT lines before this change to CONTEXT lines after the last change
    // that is at most 2 * CONTEXT equal lines from the previous one.
    const start = Math.max(0, i - CONTEXT);
    let end = i;
    let lastChange = i;
    while (end < ops.length) {
      if (ops[end]!.kind !== ' ') lastChange = end;
      else if (end - lastChange > 2 * CONTEXT) break;
      end += 1;
    }
    end = Math.min(ops.length, lastChange + CONTEXT + 1);
    const hunk = ops.slice(start, end);
    out.push(hunkHeader(hunk, expected, actual));
    for (const op of hunk) {
      const line = op.kind === '+' ? actual[op.b]! : expected[op.a]!;
      out.push(`${op.kind}${line.text}`);
      length += line.text.length + 2;
      if (length > maxChars) break;
    }
    i = end;
  }
  return ops.some((op) => op.kind !== ' ') ? `${out.join('\n')}\n` : '';
}

function hunkHeader(hunk: Op[], expected: ComparableLine[], actual: ComparableLine[]): string {
  const side = (lines: ComparableLine[], first: number, count: number): string => {
    if (count === 0) return `${first > 0 ? lines[first - 1]!.lineNo : 0},0`;
    return `${lines[first]!.lineNo},${count}`;
  };
  const aCount = hunk.filter((op) => op.kind !== '+').length;
  const bCount = hunk.filter((op) => op.kind !== '-').length;
  return `@@ -${side(expected, hunk[0]!.a, aCount)} +${side(actual, hunk[0]!.b, bCount)} @@`;
}

/** Every line of both sides as kept, removed or added, in order; `a`/`b` are each side's
 * position (for an added line `a` is where it goes in `expected`, and the other way round). */
function editScript(a: ComparableLine[], b: ComparableLine[]): Op[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head]!.key === b[head]!.key) head += 1;
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail]!.key === b[b.length - 1 - tail]!.key
  ) {
    tail += 1;
  }
  const ops: Op[] = [];
  for (let k = 0; k < head; k++) ops.push({ kind: ' ', a: k, b: k });
  ops.push(...middleScript(a, b, head, a.length - tail, b.length - tail));
  for (let k = tail; k > 0; k--) {
    ops.push({ kind: ' ', a: a.length - k, b: b.length - k });
  }
  return ops;
}

/** The edit script of a[from..aEnd) against b[from..bEnd): exact (LCS) when small enough. */
function middleScript(
  a: ComparableLine[],
  b: ComparableLine[],
  from: number,
  aEnd: number,
  bEnd: number,
): Op[] {
  const n = aEnd - from;
  const m = bEnd - from;
  const ops: Op[] = [];
  if (n * m > MAX_LCS_CELLS || n === 0 || m === 0) {
    for (let i = 0; i < n; i++) ops.push({ kind: '-', a: from + i, b: from });
    for (let j = 0; j < m; j++) ops.push({ kind: '+', a: aEnd, b: from + j });
    return ops;
  }
  // lcs[i * (m + 1) + j]: length of the longest common subsequence of a[i..] and b[j..].
  const width = m + 1;
  const lcs = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * width + j] =
        a[from + i]!.key === b[from + j]!.key
          ? lcs[(i + 1) * width + j + 1]! + 1
          : Math.max(lcs[(i + 1) * width + j]!, lcs[i * width + j + 1]!);
    }
  }
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[from + i]!.key === b[from + j]!.key) {
      ops.push({ kind: ' ', a: from + i, b: from + j });
      i += 1;
      j += 1;
    } else if (j >= m || (i < n && lcs[(i + 1) * width + j]! >= lcs[i * width + j + 1]!)) {
      ops.push({ kind: '-', a: from + i, b: from + j });
      i += 1;
    } else {
      ops.push({ kind: '+', a: from + i, b: from + j });
      j += 1;
    }
  }
  return ops;
}

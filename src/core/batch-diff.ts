// What a regrade changed: two batches of one collection compared student by student (`zinc
// batch diff <old> <new>`, GET /api/batches/:new/diff?against=<old>). The rows are the batches'
// result rows (batch-results.ts), so a score or headline verdict here is the one the results
// and the gradebook show.
import { BadRequestError, BatchNotFoundError } from '../failures.js';
import { batchResults, type ResultRow, type ResultSources } from './batch-results.js';
import { csvField } from './results-csv.js';

/** How a student's result moved from the old batch to the new. */
export type DiffChange = 'improved' | 'worsened' | 'changed' | 'only-in-old' | 'only-in-new';

export const DIFF_CHANGES: readonly DiffChange[] = [
  'improved',
  'worsened',
  'changed',
  'only-in-old',
  'only-in-new',
];

/** One student whose result differs between the batches (or who is in only one of them). */
export interface DiffRow {
  student: string;
  /** improved or worsened: the score went up or down; changed: the verdict (or a missing score) changed. */
  change: DiffChange;
  oldVerdict: string | null;
  newVerdict: string | null;
  oldScore: number | null;
  newScore: number | null;
  /** newScore - oldScore; null unless both are scores. */
  delta: number | null;
  /** The new batch's maximum score (the old one's for a student only in the old batch). */
  maxScore: number | null;
  oldDelivery: string | null;
  newDelivery: string | null;
}

/** How many students moved each way. */
export interface DiffCounts {
  /** Students in both batches whose score or verdict changed (improved and worsened included). */
  changed: number;
  improved: number;
  worsened: number;
  unchanged: number;
  onlyInOld: number;
  onlyInNew: number;
}

/** Two batches compared. */
export interface BatchDiff {
  collectionId: string;
  oldBatchId: string;
  newBatchId: string;
  /** True while either batch runs: rows may still change. */
  partial: boolean;
  counts: DiffCounts;
  rows: DiffRow[];
}

/** The row of a student in both batches, or null when nothing changed. */
function compare(before: ResultRow, after: ResultRow): DiffRow | null {
  if (before.score === after.score && before.verdict === after.verdict) return null;
  const delta = before.score !== null && after.score !== null ? after.score - before.score : null;
  return {
    student: after.student,
    change: delta === null || delta === 0 ? 'changed' : delta > 0 ? 'improved' : 'worsened',
    oldVerdict: before.verdict,
    newVerdict: after.verdict,
    oldScore: before.score,
    newScore: after.score,
    delta,
    maxScore: after.maxScore,
    oldDelivery: before.delivery,
    newDelivery: after.delivery,
  };
}

/** The row of a student in one batch only. */
function alone(row: ResultRow, side: 'old' | 'new'): DiffRow {
  const old = side === 'old';
  return {
    student: row.student,
    change: old ? 'only-in-old' : 'only-in-new',
    oldVerdict: old ? row.verdict : null,
    newVerdict: old ? null : row.verdict,
    oldScore: old ? row.score : null,
    newScore: old ? null : row.score,
    delta: null,
    maxScore: row.maxScore,
    oldDelivery: old ? row.delivery : null,
    newDelivery: old ? null : row.delivery,
  };
}

/**
 * Compares two recorded batches of one collection. BatchNotFoundError naming an unknown batch;
 * BadRequestError naming both batches and their collections when they differ.
 */
export async function diffBatches(
  deps: ResultSources,
  oldBatchId: string,
  newBatchId: string,
): Promise<BatchDiff> {
  const [oldRecord, newRecord] = await Promise.all([
    deps.batches.get(oldBatchId),
    deps.batches.get(newBatchId),
  ]);
  const unknown = [oldRecord ? null : oldBatchId, newRecord ? null : newBatchId].filter(Boolean);
  if (unknown.length > 0) {
    throw new BatchNotFoundError(
      unknown.length === 1
        ? `batch ${unknown[0]} does not exist`
        : `batches ${unknown.join(' and ')} do not exist`,
    );
  }
  if (oldRecord!.collectionId !== newRecord!.collectionId) {
    throw new BadRequestError(
      `batches ${oldBatchId} (collection ${oldRecord!.collectionId}) and ${newBatchId} (collection ${newRecord!.collectionId}) are of different collections; compare two batches of one collection`,
    );
  }
  const [before, after] = await Promise.all([
    batchResults(deps, oldBatchId),
    batchResults(deps, newBatchId),
  ]);
  const oldRows = new Map(before.rows.map((r) => [r.student, r]));
  const newRows = new Map(after.rows.map((r) => [r.student, r]));
  const counts: DiffCounts = {
    changed: 0,
    improved: 0,
    worsened: 0,
    unchanged: 0,
    onlyInOld: 0,
    onlyInNew: 0,
  };
  const rows: DiffRow[] = [];
  for (const [student, row] of newRows) {
    const was = oldRows.get(student);
    if (!was) {
      counts.onlyInNew++;
      rows.push(alone(row, 'new'));
      continue;
    }
    const diff = compare(was, row);
    if (!diff) {
      counts.unchanged++;
      continue;
    }
    counts.changed++;
    if (diff.change === 'improved') counts.improved++;
    if (diff.change === 'worsened') counts.worsened++;
    rows.push(diff);
  }
  for (const [student, row] of oldRows) {
    if (newRows.has(student)) continue;
    counts.onlyInOld++;
    rows.push(alone(row, 'old'));
  }
  rows.sort((a, b) => (a.student < b.student ? -1 : a.student > b.student ? 1 : 0));
  return {
    collectionId: newRecord!.collectionId,
    oldBatchId,
    newBatchId,
    partial: before.partial || after.partial,
    counts,
    rows,
  };
}

/** The CSV columns of a diff. */
export const DIFF_COLUMNS = [
  'student',
  'change',
  'old_verdict',
  'new_verdict',
  'old_score',
  'new_score',
  'delta',
  'max_score',
  'old_delivery',
  'new_delivery',
] as const;

/** A diff's rows as CSV with a header line (spreadsheet-safe cells, as results CSV). */
export function diffToCsv(rows: readonly DiffRow[]): string {
  const lines = rows.map((r) =>
    [
      r.student,
      r.change,
      r.oldVerdict,
      r.newVerdict,
      r.oldScore,
      r.newScore,
      r.delta,
      r.maxScore,
      r.oldDelivery,
      r.newDelivery,
    ]
      .map(csvField)
      .join(','),
  );
  return `${[DIFF_COLUMNS.map(csvField).join(','), ...lines].join('\n')}\n`;
}

// A batch's results, one row per delivery (graded or ERRORED): what `zinc batch results` prints
// and `GET /api/batches/:id/results` returns, as JSON or CSV; and the tally of the same rows that
// the batch's summary reports, so the two always agree. A delivery with a stored report is
// graded, whatever its attempts ended with.
import { BatchNotFoundError } from '../failures.js';
import type { ReportStore } from '../extensions/pipeline/index.js';
import type { SubmissionStore } from '../extensions/submission/index.js';
import type { BatchCounters } from '../workflows/grading/types.js';
import { headlineVerdict } from '../workflows/grading/verdicts.js';
import type { BatchStore } from './batch-store.js';

/** Where a batch's results are read from: the core's batches, the extensions' stores. */
export interface ResultSources {
  batches: BatchStore;
  reports: ReportStore;
  submissions: Pick<SubmissionStore, 'getDeliveries'>;
}

export interface ResultRow {
  student: string;
  delivery: string;
  submittedAt: string;
  score: number | null;
  maxScore: number | null;
  verdict: string;
  verdicts: Record<string, number>;
  reportKey: string | null;
}

/** Text a spreadsheet would read as a formula (or that hides one behind a tab or CR). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * RFC 4180 field quoting; a text cell that a spreadsheet would take for a formula gets a
 * leading `'` (OWASP's CSV-injection advice), so a student ID like `=HYPERLINK(...)` stays text.
 * Numbers are written as they are (a negative score is a number, not a formula).
 */
export function csvField(value: string | number | null): string {
  let text = value === null ? '' : String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Rows as CSV with a header line. */
export function toCsv(rows: ResultRow[]): string {
  const header = [
    'student',
    'delivery',
    'submitted_at',
    'score',
    'max_score',
    'verdict_summary',
    'report_key',
  ];
  const lines = rows.map((r) =>
    [
      r.student,
      r.delivery,
      r.submittedAt,
      r.score,
      r.maxScore,
      r.verdict === 'ERRORED'
        ? 'ERRORED'
        : Object.entries(r.verdicts)
            .map(([k, v]) => `${k}:${v}`)
            .join(' '),
      r.reportKey,
    ]
      .map(csvField)
      .join(','),
  );
  return `${[header.join(','), ...lines].join('\n')}\n`;
}

/**
 * One row per delivery of a recorded batch, by student: its report's score and verdicts, or
 * ERRORED; BatchNotFoundError when no batch has this ID.
 */
export async function batchResultRows(deps: ResultSources, batchId: string): Promise<ResultRow[]> {
  if (!(await deps.batches.get(batchId)))
    throw new BatchNotFoundError(`batch ${batchId} does not exist`);
  const { reports, failures } = await resultSources(deps, batchId);
  const ids = [...reports.map((r) => r.deliveryId), ...failures.map((f) => f.deliveryId)];
  const deliveries = new Map((await deps.submissions.getDeliveries(ids)).map((d) => [d.id, d]));
  const out: ResultRow[] = reports.map((r) => ({
    student: deliveries.get(r.deliveryId)?.userId ?? '',
    delivery: r.deliveryId,
    submittedAt: deliveries.get(r.deliveryId)?.submittedAt ?? '',
    score: r.score,
    maxScore: r.maxScore,
    verdict: headlineVerdict(r.verdicts),
    verdicts: r.verdicts,
    reportKey: r.reportKey,
  }));
  for (const f of failures) {
    out.push({
      student: f.userId,
      delivery: f.deliveryId,
      submittedAt: deliveries.get(f.deliveryId)?.submittedAt ?? '',
      score: null,
      maxScore: null,
      verdict: 'ERRORED',
      verdicts: {},
      reportKey: null,
    });
  }
  return out.sort((a, b) => (a.student < b.student ? -1 : a.student > b.student ? 1 : 0));
}

/** A batch's results before they are rows: its reports, and the failures of deliveries that
 * have no report (a stored report wins over a failure recorded for the same delivery). */
async function resultSources(deps: Omit<ResultSources, 'submissions'>, batchId: string) {
  const reports = await deps.reports.listForBatch(batchId);
  const graded = new Set(reports.map((r) => r.deliveryId));
  const failures = (await deps.batches.listFailures(batchId, null, 1_000_000)).filter(
    (f) => !graded.has(f.deliveryId),
  );
  return { reports, failures };
}

/** The counters of a batch's result rows, and the deliveries that have a report. */
export type BatchTally = Omit<BatchCounters, 'total'> & { graded: ReadonlySet<string> };

/**
 * What the batch's result rows add up to: done, errored and counts by headline verdict
 * (ERRORED included), and which deliveries have a report. The summary is made from this.
 */
export async function batchTally(
  deps: Omit<ResultSources, 'submissions'>,
  batchId: string,
): Promise<BatchTally> {
  const { reports, failures } = await resultSources(deps, batchId);
  const counts: Record<string, number> = {};
  for (const r of reports) {
    const verdict = headlineVerdict(r.verdicts);
    counts[verdict] = (counts[verdict] ?? 0) + 1;
  }
  if (failures.length > 0) counts.ERRORED = failures.length;
  return {
    done: reports.length + failures.length,
    errored: failures.length,
    counts,
    graded: new Set(reports.map((r) => r.deliveryId)),
  };
}

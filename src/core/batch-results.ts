// A batch's results, one row per delivery (graded or ERRORED): what `zinc batch results` prints
// and `GET /api/batches/:id/results` returns, as JSON or CSV.
import type { Queryable } from '../platform/database.js';
import type { ObjectStore } from '../platform/object-store.js';
import { createReportStore } from '../extensions/pipeline/report-store.js';
import { createSubmissionStore } from '../extensions/submission/store.js';
import { headlineVerdict } from '../workflows/grading/verdicts.js';
import { createBatchStore } from './batch-store.js';
import { BatchNotFoundError } from './batch-status.js';

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

/** RFC 4180 field quoting. */
function csvField(value: string | number | null): string {
  const text = value === null ? '' : String(value);
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
export async function batchResultRows(
  deps: { db: Queryable; objects: ObjectStore },
  batchId: string,
): Promise<ResultRow[]> {
  const batches = createBatchStore(deps.db);
  if (!(await batches.get(batchId)))
    throw new BatchNotFoundError(`batch ${batchId} does not exist`);
  const reports = await createReportStore(deps).listForBatch(batchId);
  const failures = await batches.listFailures(batchId, null, 1_000_000);
  const graded = new Set(reports.map((r) => r.deliveryId));
  const ids = [
    ...reports.map((r) => r.deliveryId),
    ...failures.filter((f) => !graded.has(f.deliveryId)).map((f) => f.deliveryId),
  ];
  const deliveries = new Map(
    (await createSubmissionStore(deps.db).getDeliveries(ids)).map((d) => [d.id, d]),
  );
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
    if (graded.has(f.deliveryId)) continue;
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

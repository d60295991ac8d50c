// `zinc batch results <batchId> --format csv|json`: one row per delivery of a batch.
import type { Command } from 'commander';
import { createBatchStore } from '../../core/batch-store.js';
import { createReportStore } from '../../extensions/pipeline/report-store.js';
import { createSubmissionStore } from '../../extensions/submission/store.js';
import { headlineVerdict } from '../../workflows/grading/verdicts.js';
import { configFrom } from '../context.js';
import { withPlatform } from '../platform-context.js';
import { BatchNotFoundError } from './grade.js';

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

export function registerResults(batch: Command): void {
  batch
    .command('results <batchId>')
    .description(
      'one row per delivery: student, delivery, submitted at, score, max score, verdicts, report key',
    )
    .option('--format <format>', 'csv or json', 'csv')
    .action(async (batchId: string, opts: { format: string }, command: Command) => {
      if (opts.format !== 'csv' && opts.format !== 'json') {
        command.error(`zinc batch results: --format must be csv or json, not "${opts.format}"`);
      }
      const rows = await withPlatform(configFrom(command), async ({ db, objects }) => {
        const batches = createBatchStore(db);
        if (!(await batches.get(batchId)))
          throw new BatchNotFoundError(`batch ${batchId} does not exist`);
        const reports = await createReportStore({ db, objects }).listForBatch(batchId);
        const failures = await batches.listFailures(batchId, null, 1_000_000);
        const graded = new Set(reports.map((r) => r.deliveryId));
        const ids = [
          ...reports.map((r) => r.deliveryId),
          ...failures.filter((f) => !graded.has(f.deliveryId)).map((f) => f.deliveryId),
        ];
        const deliveries = new Map(
          (await createSubmissionStore(db).getDeliveries(ids)).map((d) => [d.id, d]),
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
      });
      process.stdout.write(
        opts.format === 'json' ? `${JSON.stringify(rows, null, 2)}\n` : toCsv(rows),
      );
    });
}

// Results as CSV, for a spreadsheet: a batch's (`zinc batch results`, `GET
// /api/batches/:id/results`) and a collection's gradebook. One line per student with the
// headline verdict, score, raw points, lateness, identical deliveries and the reason a row has
// no score, then one column per test (its points). Cells a spreadsheet would run as a formula
// are neutralised (OWASP's CSV-injection advice) and every field is quoted as RFC 4180 asks.
import type { ResultRow } from './batch-results.js';

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

/** A lateness in words a TA reads at a glance: `45s`, `3h 20m`, `2d 1h`. */
export function formatLateness(secs: number | null): string {
  if (secs === null) return '';
  if (secs < 60) return `${secs}s`;
  const mins = Math.ceil(secs / 60);
  const [d, h, m] = [Math.floor(mins / 1440), Math.floor((mins % 1440) / 60), mins % 60];
  if (d > 0) return h > 0 ? `${d}d ${h}h` : `${d}d`;
  if (h > 0) return m > 0 ? `${h}h ${m}m` : `${h}h`;
  return `${m}m`;
}

/** The columns before the tests', in order. */
export const RESULT_COLUMNS = [
  'student',
  'verdict',
  'score',
  'max_score',
  'points',
  'max_points',
  'late',
  'late_by',
  'identical_group',
  'identical_to',
  'reason',
  'submitted_at',
  'delivery',
  'batch',
] as const;

/** Rows as CSV with a header line; a test column per test any row has, in first-seen order. */
export function toCsv(rows: readonly ResultRow[]): string {
  const tests: string[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    for (const t of row.tests) {
      if (seen.has(t.test)) continue;
      seen.add(t.test);
      tests.push(t.test);
    }
  }
  const lines = rows.map((r) => {
    const points = new Map(r.tests.map((t) => [t.test, t.points]));
    return [
      r.student,
      r.verdict,
      r.score,
      r.maxScore,
      r.points,
      r.maxPoints,
      r.late ? 'late' : '',
      formatLateness(r.lateBySecs),
      r.identicalGroup,
      r.identicalTo.join(' '),
      r.reason,
      r.submittedAt,
      r.delivery,
      r.batchId,
      ...tests.map((t) => points.get(t) ?? null),
    ]
      .map(csvField)
      .join(',');
  });
  return `${[[...RESULT_COLUMNS, ...tests].map(csvField).join(','), ...lines].join('\n')}\n`;
}

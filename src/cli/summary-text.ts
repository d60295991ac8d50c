// A batch in words, as `zinc grade`, `zinc batch watch` and `zinc batch status` print it: the
// summary of an ended batch, the progress of a running one. Loads nothing else, so a command
// that only reads a batch's record can print it at once.
import type { BatchOutageWait, BatchProgress, BatchSummary } from '../workflows/grading/types.js';

/** The summary as a TA reads it. */
export function formatSummary(s: BatchSummary): string {
  const lines = [
    `Batch ${s.batchId}: ${s.status}${s.reason ? ` (${s.reason})` : ''}`,
    `  collection ${s.collectionId}, config ${s.configVersion ?? '-'}, requested by ${s.requestedBy}`,
    `  ${s.done} of ${s.total} deliveries graded, ${s.errored} errored; ${s.startedAt} to ${s.finishedAt}`,
    '',
    '  VERDICT                  DELIVERIES',
    ...Object.entries(s.counts)
      .sort(([, a], [, b]) => b - a)
      .map(([verdict, n]) => `  ${verdict.padEnd(24)} ${String(n).padStart(10)}`),
  ];
  if (s.stats && s.stats.reports > 0) {
    lines.push(
      '',
      `  Scores: mean ${s.stats.meanPercent?.toFixed(1)}%, median ${s.stats.medianPercent?.toFixed(1)}% over ${s.stats.reports} reports`,
    );
    const max = Math.max(...s.stats.histogram, 1);
    s.stats.histogram.forEach((n, i) => {
      const label = `${i * 10}-${i === 9 ? 100 : i * 10 + 9}%`.padStart(8);
      lines.push(`  ${label} ${'#'.repeat(Math.round((n / max) * 30)).padEnd(30)} ${n}`);
    });
  }
  if (s.failures.length > 0) {
    lines.push(
      '',
      `  ERRORED (${s.errored}${s.errored > s.failures.length ? `, last ${s.failures.length} shown` : ''}):`,
    );
    for (const f of s.failures) lines.push(`    ${f.userId} ${f.deliveryId}: ${f.reason}`);
    lines.push(`  Grade them again with: zinc batch regrade-failed ${s.batchId}`);
  }
  if (s.identical && s.identical.length > 0) {
    lines.push('', '  IDENTICAL DELIVERIES (byte for byte; a hint for staff, not a verdict):');
    for (const g of s.identical) lines.push(`    group ${g.group}: ${g.students.join(', ')}`);
  }
  if (s.summaryKey) lines.push('', `  Summary document: ${s.summaryKey}`);
  return `${lines.join('\n')}\n`;
}

/** An outage a batch waits out, in words: "waiting for object storage since 01:02:03 UTC (3 deliveries held)". */
export function formatOutageWait(w: BatchOutageWait): string {
  const since = /T(\d\d:\d\d:\d\d)/.exec(w.since)?.[1] ?? w.since;
  return `waiting for ${w.service} since ${since} UTC (${w.held} ${w.held === 1 ? 'delivery' : 'deliveries'} held)`;
}

/** A running batch's progress: the status line, why it waits (if it does), counts by verdict. */
export function formatProgress(
  p: Pick<
    BatchProgress,
    'batchId' | 'status' | 'queuePosition' | 'done' | 'total' | 'inFlight' | 'errored' | 'counts'
  > & { waiting?: BatchOutageWait | null | undefined },
  stuck: string | null,
): string {
  return (
    `Batch ${p.batchId}: ${p.status}${p.queuePosition ? ` (#${p.queuePosition} in line for a running slot)` : ''}, ${p.done}/${p.total} done, ${p.inFlight} in flight, ${p.errored} errored\n` +
    (p.waiting ? `  ${formatOutageWait(p.waiting)}\n` : '') +
    (stuck ? `  WAITING: ${stuck}\n` : '') +
    Object.entries(p.counts)
      .map(([k, v]) => `  ${k.padEnd(24)} ${v}\n`)
      .join('')
  );
}

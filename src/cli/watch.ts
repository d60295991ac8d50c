// Watching a batch: a live progress line (done/total, rate, time left, counts by verdict) until
// it ends, then its summary.
import type { BatchHandle } from '../core/batch-client.js';
import { batchResult } from '../core/batch-status.js';
import { progressQuery } from '../workflows/grading/batch-grading.js';
import type { BatchProgress, BatchSummary } from '../workflows/grading/types.js';
import { formatOutageWait } from './summary-text.js';

export { batchResult } from '../core/batch-status.js';
export { formatSummary } from './summary-text.js';

function formatDuration(secs: number): string {
  if (!Number.isFinite(secs) || secs < 0) return '--:--';
  const s = Math.round(secs);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const mm = String(m).padStart(h > 0 ? 2 : 1, '0');
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(s % 60).padStart(2, '0')}`;
}

/** One progress line: bar, done/total, rate, time left, counts by verdict. */
export function progressLine(p: BatchProgress, elapsedSecs: number, doneAtStart: number): string {
  const width = 24;
  const fraction = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
  const filled = Math.round(fraction * width);
  const rate = elapsedSecs > 0 ? (p.done - doneAtStart) / elapsedSecs : 0;
  const left = rate > 0 ? (p.total - p.done) / rate : Number.NaN;
  const counts = Object.entries(p.counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k} ${v}`)
    .join('  ');
  const state =
    p.status === 'running'
      ? ''
      : ` [${p.status.toUpperCase()}${p.queuePosition ? ` #${p.queuePosition} in line` : ''}]`;
  const outage = p.waiting ? `  [${formatOutageWait(p.waiting)}]` : '';
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.done}/${p.total} ${Math.floor(fraction * 100)}%  ${rate.toFixed(1)}/s  left ${formatDuration(left)}  in flight ${p.inFlight}${state}${outage}  ${counts}`;
}

/** What `watchBatch` may be given beyond the handle. */
export interface WatchOptions {
  out?: NodeJS.WriteStream;
  quiet?: boolean;
  intervalMs?: number;
  /** Why the batch makes no progress, in words (src/core/queue-health.ts), or null. */
  stuck?: () => Promise<string | null>;
  /** The summary of a batch terminated or timed out (src/core/batch-reconciler.ts). */
  outside?: () => Promise<BatchSummary | null>;
  /** The whole summary of a brief one (batches from v5; src/core/brief-batches.ts). */
  expand?: (brief: BatchSummary) => Promise<BatchSummary>;
}

/** How often the (costlier) stuck check runs while watching. */
const STUCK_CHECK_MS = 5_000;
/** How long one progress query may take before the watcher says it failed. */
const QUERY_DEADLINE_MS = 5_000;

function errorText(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}

/**
 * Polls the progress query until the batch ends, drawing the line on `out`; returns the
 * summary. A failed query is shown (and asked again), never swallowed; so is why the batch
 * waits, when it waits on a missing or busy worker.
 */
export async function watchBatch(
  handle: BatchHandle,
  options: WatchOptions = {},
): Promise<BatchSummary> {
  const out = options.out ?? process.stderr;
  const tty = out.isTTY === true;
  const started = Date.now();
  let doneAtStart: number | undefined;
  let lastPrinted = 0;
  let lastKey = '';
  let settled = false;
  let stuck: string | null = null;
  let stuckCheckedAt = 0;
  const result = batchResult(handle, undefined, options.outside, options.expand).finally(() => {
    settled = true;
  });
  // Off a terminal: a line every 5 s, and at once when what it says changes kind.
  const show = (line: string, key: string): void => {
    if (options.quiet) return;
    if (tty) out.write(`\r\u001b[2K${line}`);
    else if (key !== lastKey || Date.now() - lastPrinted >= 5_000) {
      out.write(`${line}\n`);
      lastPrinted = Date.now();
    }
    lastKey = key;
  };
  while (!settled) {
    if (options.stuck && Date.now() - stuckCheckedAt >= STUCK_CHECK_MS) {
      stuckCheckedAt = Date.now();
      stuck = await options.stuck().catch(() => stuck);
    }
    try {
      // Bounded: a query with no core worker to answer it would wait for the RPC's deadline.
      const progress = await handle.client.withDeadline(Date.now() + QUERY_DEADLINE_MS, () =>
        handle.query(progressQuery),
      );
      doneAtStart ??= progress.done;
      const line = progressLine(progress, (Date.now() - started) / 1000, doneAtStart);
      show(
        stuck ? `${line.trimEnd()}  WAITING: ${stuck}` : line,
        `progress ${stuck} ${progress.waiting?.service}`,
      );
    } catch (err) {
      // Between runs (continue-as-new) this passes at once; a core worker that is down does
      // not, and the user should see why the line stopped moving.
      if (!settled) {
        const text = errorText(err);
        show(`progress query failed: ${text} (trying again)`, `failed ${text}`);
      }
    }
    await Promise.race([
      result.catch(() => undefined),
      new Promise((r) => setTimeout(r, options.intervalMs ?? 500)),
    ]);
  }
  if (tty && !options.quiet) out.write('\n');
  return result;
}

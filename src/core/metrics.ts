// The core's business metrics (prom-client's default registry, served by every process's
// /metrics): deliveries that stayed ERRORED, batches running now and how long batches took.
// Labels are bounded: a course code, a batch status; never a student, delivery or batch ID.
import { Counter, Gauge, Histogram, register } from 'prom-client';

/** Deliveries that stayed ERRORED after every retry (infrastructure failures), by course code. */
export const deliveriesErrored = new Counter({
  name: 'zinc_deliveries_errored_total',
  help: 'Deliveries that stayed ERRORED after every retry of their pipeline (infrastructure failures), by course code',
  labelNames: ['course'] as const,
});

/** Wall-clock time of a batch from its start to its end, by the status it ended with. */
export const batchDuration = new Histogram({
  name: 'zinc_batch_duration_seconds',
  help: 'How long a batch ran, from its start to its end, by the status it ended with',
  labelNames: ['status'] as const,
  buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600],
});

let runningSource: (() => Promise<number>) | undefined;

// Read from the database at each scrape, not counted up and down in this process: a batch may
// start on one core worker and end on another, and a restart must not lose the count.
const batchesRunning = new Gauge({
  name: 'zinc_batches_running',
  help: 'Batches whose status is running now (every core process reports the same database count: aggregate with max)',
  registers: [],
  async collect() {
    if (!runningSource) return;
    try {
      this.set(await runningSource());
    } catch {
      // A scrape while the database is away keeps the last value rather than failing.
    }
  },
});

/**
 * Serves `zinc_batches_running` from `count` in this process's /metrics (a process that serves
 * the core calls it; others do not report the gauge at all).
 */
export function observeRunningBatches(count: () => Promise<number>): void {
  if (runningSource === undefined) register.registerMetric(batchesRunning);
  runningSource = count;
}

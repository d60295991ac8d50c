// What the commands that only read (`zinc batch list`, `batch status`, `collections list`,
// `deliveries list`, `audit`) read: the database and the object store alone, through the
// process that serves the embedded database (`zinc up`), the configured PostgreSQL, or the
// embedded database opened here. They start no Temporal server and build none of zinc's
// components, so they answer at once. A batch that runs is asked for live progress only when a
// Temporal server already runs (`temporalRunning`); otherwise its record answers.
import type { ZincConfig } from '../config/index.js';
import type { BatchRecord, BatchStore } from '../core/batch-store.js';
import type { BatchListing } from '../core/batch-status.js';
import type { SubmissionRecords } from '../extensions/submission/records.js';
import type { Platform } from '../platform/platform.js';
import type { BatchStatus, BatchSummary } from '../workflows/grading/types.js';

export interface Records {
  platform: Platform;
  batches: BatchStore;
  submissions: SubmissionRecords;
}

/** Runs `fn` over the database and object store, closing them afterwards. */
export async function withRecords<T>(
  config: ZincConfig,
  fn: (records: Records) => Promise<T>,
): Promise<T> {
  const [platformModule, migrations, batchStore, coreSchema, submission] = await Promise.all([
    import('../platform/platform.js'),
    import('../platform/migrations.js'),
    import('../core/batch-store.js'),
    import('../core/schema.js'),
    import('../extensions/submission/records.js'),
  ]);
  const platform = await platformModule.openPlatform(config);
  try {
    // The schemas these reads use, brought up to date as every zinc process does (in the
    // components' order; nothing to do once any zinc process has).
    await migrations.migrate(
      platform.db,
      coreSchema.CORE_COMPONENT,
      coreSchema.CORE_MIGRATIONS_DIR,
    );
    await migrations.migrate(
      platform.db,
      submission.SUBMISSION_SCHEMA.component,
      submission.SUBMISSION_SCHEMA.dir,
    );
    return await fn({
      platform,
      batches: batchStore.createBatchStore(platform.db),
      submissions: submission.submissionRecords(platform.db),
    });
  } finally {
    await platform.close();
  }
}

/** Whether a Temporal server runs for this configuration: the configured one, or `zinc up`'s. */
export async function temporalRunning(config: ZincConfig): Promise<boolean> {
  if (config.temporal.host_port !== undefined) return true;
  const { runningDevServer } = await import('../temporal/embedded.js');
  return (await runningDevServer(config.data_dir)) !== undefined;
}

const UNFINISHED: readonly BatchStatus[] = ['queued', 'running', 'paused'];

/** Whether the record says the batch has not ended. */
export function unfinished(record: BatchRecord): boolean {
  return UNFINISHED.includes(record.status);
}

/** A batch record as a line of `zinc batch list`. */
export function listingOf(record: BatchRecord): BatchListing {
  return {
    batchId: record.id,
    status: record.status,
    collectionId: record.collectionId,
    config: record.configVersion ?? '',
    requestedBy: record.requestedBy,
    startedAt: record.startedAt,
  };
}

/** The summary document of an ended batch (what its workflow returned); null when there is none. */
export async function storedSummary(
  records: Records,
  record: BatchRecord,
): Promise<BatchSummary | null> {
  if (!record.summaryKey) return null;
  const { isFailure } = await import('../failures.js');
  try {
    const text = (await records.platform.objects.get(record.summaryKey)).toString('utf8');
    return JSON.parse(text) as BatchSummary;
  } catch (err) {
    if (isFailure(err, 'ObjectNotFound')) return null;
    throw err;
  }
}

/** An ended batch's summary from its record alone (no summary document was written). */
export async function summaryOfRecord(
  records: Records,
  record: BatchRecord,
): Promise<BatchSummary> {
  const failures = await records.batches.listFailures(record.id, null, 50);
  return {
    batchId: record.id,
    collectionId: record.collectionId,
    configVersion: record.configVersion,
    requestedBy: record.requestedBy,
    status: record.status,
    reason: record.failureReason,
    total: record.total,
    done: record.done,
    errored: record.errored,
    counts: record.counts,
    failures: failures.map(({ deliveryId, userId, reason }) => ({ deliveryId, userId, reason })),
    stats: null,
    summaryKey: null,
    startedAt: record.startedAt,
    finishedAt: record.finishedAt ?? record.updatedAt,
  };
}

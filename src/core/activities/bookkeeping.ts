// The core's batch bookkeeping on zinc-core-default: the batch record, its failures, its
// summary document and `batch.completed` event, and the audit log.
import type { ReportStore } from '../../extensions/pipeline/index.js';
import type { SubmissionStore } from '../../extensions/submission/index.js';
import type { Database } from '../../platform/database.js';
import { eventId, recordEvent } from '../../platform/event-outbox.js';
import { objectKey } from '../../platform/object-keys.js';
import type { ObjectStore } from '../../platform/object-store.js';
import type {
  BatchCounters,
  BatchFailure,
  BatchStatus,
  BatchSummary,
} from '../../workflows/grading/types.js';
import { batchTally } from '../batch-results.js';
import { createBatchStore, type AuditEntry, type BatchStore } from '../batch-store.js';
import { batchDuration, deliveriesErrored } from '../metrics.js';

export interface BookkeepingDeps {
  /** The database `batches` is over: FinishBatch records its event in the record's transaction. */
  db: Database;
  batches: BatchStore;
  /** The pipeline extension's reports, read for a batch's summary. */
  reports: ReportStore;
  /** The submission extension's deliveries, read for the summary's identical deliveries. */
  submissions: Pick<SubmissionStore, 'getDeliveries'>;
  objects: ObjectStore;
  /** The code of a collection's course (a metrics label); null when unknown. */
  courseCodeOf?: (collectionId: string) => Promise<string | null>;
}

/** Where a batch's summary document is stored. */
export function summaryKey(batchId: string): string {
  return objectKey('batches', batchId, 'summary.json');
}

/** A delivery to grade again, in the shape the workflow pages through. */
export interface ErroredDelivery {
  id: string;
  userId: string;
  objectKey: string;
}

/** The core's bookkeeping activities, closed over its stores. */
export function createBookkeepingActivities(deps: BookkeepingDeps) {
  const { batches } = deps;
  /** The batch's course code for a metric label; 'unknown' rather than fail the activity. */
  const courseOfBatch = async (batchId: string): Promise<string> => {
    try {
      const batch = await batches.get(batchId);
      const code = batch ? await deps.courseCodeOf?.(batch.collectionId) : null;
      return code ?? 'unknown';
    } catch {
      return 'unknown';
    }
  };
  return {
    /** Records the start of a batch (idempotent) and audits it. */
    async RecordBatchStart(
      input: Omit<Parameters<BatchStore['recordStart']>[0], 'id'> & { batchId: string },
    ): Promise<void> {
      const existed = await batches.get(input.batchId);
      await batches.recordStart({ ...input, id: input.batchId });
      if (!existed) {
        await batches.audit({
          actor: input.requestedBy,
          action: 'batch.start',
          target: input.batchId,
          outcome: 'started',
          details: {
            collectionId: input.collectionId,
            configVersion: input.configVersion,
            total: input.total,
            concurrency: input.concurrency,
            sourceBatchId: input.sourceBatchId,
          },
        });
      }
    },

    /** Stores the batch's status and counters. */
    async RecordBatchProgress(input: {
      batchId: string;
      status: BatchStatus;
      counters: BatchCounters;
    }): Promise<void> {
      await batches.recordProgress(input.batchId, input.status, input.counters);
    },

    /** Remembers a delivery that stayed ERRORED after every retry. */
    async RecordDeliveryErrored(input: {
      batchId: string;
      failure: BatchFailure & { deliveryKey: string };
    }): Promise<void> {
      await batches.recordFailure(input.batchId, input.failure);
      deliveriesErrored.inc({ course: await courseOfBatch(input.batchId) });
    },

    /** A page of another batch's ERRORED deliveries, for `regrade-failed`. */
    async ListErroredDeliveries(input: {
      batchId: string;
      after: string | null;
      limit: number;
    }): Promise<{ deliveries: ErroredDelivery[]; next: string | null; total: number }> {
      const page = await batches.listFailures(input.batchId, input.after, input.limit);
      const last = page[page.length - 1];
      return {
        deliveries: page.map((f) => ({
          id: f.deliveryId,
          userId: f.userId,
          objectKey: f.deliveryKey,
        })),
        next: page.length === input.limit && last ? last.deliveryId : null,
        total: await batches.countFailures(input.batchId),
      };
    },

    /** Appends to the audit log (pause, resume, cancel...). */
    async RecordAudit(entry: AuditEntry): Promise<void> {
      await batches.audit(entry);
    },

    /**
     * Ends the batch: writes the summary document, completes the record, records the
     * `batch.completed` event (the outbox's relay publishes it) and audits the outcome. Retried calls rewrite the same document. The
     * counters are those of the batch's result rows (a delivery with a stored report is graded,
     * even if the workflow counted it ERRORED), so the summary and the results always agree.
     */
    async FinishBatch(
      counted: Omit<BatchSummary, 'summaryKey' | 'startedAt' | 'finishedAt'>,
    ): Promise<BatchSummary> {
      const key = summaryKey(counted.batchId);
      const { graded, ...tally } = await batchTally(deps, counted.batchId);
      const input = {
        ...counted,
        ...tally,
        failures: counted.failures.filter((f) => !graded.has(f.deliveryId)),
      };
      // The record, its summary document and the `batch.completed` event commit together. A
      // retry rewrites the document and records no second event: there is one per batch.
      const summary = await deps.db.transaction(async (tx) => {
        const store = createBatchStore(tx);
        // A batch refused before it was recorded (unknown collection...) still gets a record.
        await store.recordStart({
          id: input.batchId,
          collectionId: input.collectionId,
          configVersion: input.configVersion,
          requestedBy: input.requestedBy,
          sourceBatchId: null,
          concurrency: 0,
          includeTest: false,
          total: input.total,
          startedAt: new Date().toISOString(),
        });
        const record = await store.recordFinish(
          input.batchId,
          input.status,
          input,
          key,
          input.reason,
        );
        const ended: BatchSummary = {
          ...input,
          summaryKey: key,
          startedAt: record.startedAt,
          finishedAt: record.finishedAt ?? record.updatedAt,
        };
        await deps.objects.put(key, JSON.stringify(ended, null, 2), {
          contentType: 'application/json',
        });
        await recordEvent(tx, {
          subject: 'batch.completed',
          id: eventId('batch.completed', input.batchId),
          data: {
            batchId: input.batchId,
            collectionId: input.collectionId,
            status: input.status,
            total: input.total,
            done: input.done,
            errored: input.errored,
            counts: input.counts,
            summaryKey: key,
          },
        });
        return ended;
      });
      // A retry after a lost completion must not audit the end twice.
      if (await batches.hasAudit(input.batchId, 'batch.finish')) return summary;
      const took = (Date.parse(summary.finishedAt) - Date.parse(summary.startedAt)) / 1000;
      if (Number.isFinite(took) && took >= 0) batchDuration.observe({ status: input.status }, took);
      await batches.audit({
        actor: 'zinc',
        action: 'batch.finish',
        target: input.batchId,
        outcome: input.status,
        details: { done: input.done, errored: input.errored, reason: input.reason },
      });
      return summary;
    },
  };
}

export type BookkeepingActivities = ReturnType<typeof createBookkeepingActivities>;

// The core's batch bookkeeping on zinc-core-default: the batch record, its failures, its
// summary document and `batch.completed` event, and the audit log.
import type { ReportStore } from '../../extensions/pipeline/index.js';
import type { SubmissionStore } from '../../extensions/submission/index.js';
import type { Database } from '../../platform/database.js';
import { eventId, recordEvent } from '../../platform/event-outbox.js';
import { objectKey } from '../../platform/object-keys.js';
import type { ObjectStore } from '../../platform/object-store.js';
import { failureText } from '../../workflows/grading/failure-text.js';
import {
  isFailureCode,
  type BatchCounters,
  type BatchFailure,
  type BatchStatus,
  type BatchSummary,
  type FailureCode,
  type KeptFailure,
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
  submissions: Pick<SubmissionStore, 'getDeliveries' | 'hashesOf'>;
  objects: ObjectStore;
  /** The code of a collection's course (a metrics label); null when unknown. */
  courseCodeOf?: (collectionId: string) => Promise<string | null>;
}

/** Where a batch's summary document is stored. */
export function summaryKey(batchId: string): string {
  return objectKey('batches', batchId, 'summary.json');
}

/** A delivery to grade again, in the shape the workflow pages through (v5: the ID alone). */
export interface ErroredDelivery {
  id: string;
  userId?: string;
  objectKey?: string;
}

/** What FinishBatch is given: the workflow's counts and end, and (v5) how to answer. */
export type FinishInput = Omit<
  BatchSummary,
  'summaryKey' | 'startedAt' | 'finishedAt' | 'failures' | 'brief'
> & {
  failures: KeptFailure[];
  /** v5: answer a brief summary (no students, failure reasons or steering words). */
  brief?: boolean;
  /** v5: the stored steering reason whose words end `reason` (`cancelled by ta: <words>`). */
  reasonId?: string;
};

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

    /**
     * Remembers a delivery that stayed ERRORED after every retry. A FailureCode (v5) gets its
     * student, object key and readable reason here, from the database, not from the history.
     */
    async RecordDeliveryErrored(input: {
      batchId: string;
      failure: (BatchFailure & { deliveryKey: string }) | FailureCode;
    }): Promise<void> {
      const { failure } = input;
      if (isFailureCode(failure)) {
        const [delivery] = await deps.submissions.getDeliveries([failure.deliveryId]);
        await batches.recordFailure(input.batchId, {
          deliveryId: failure.deliveryId,
          userId: delivery?.userId ?? '(unknown delivery)',
          deliveryKey: delivery?.objectKey ?? '',
          reason: failureText(failure),
        });
      } else {
        await batches.recordFailure(input.batchId, failure);
      }
      deliveriesErrored.inc({ course: await courseOfBatch(input.batchId) });
    },

    /** A page of another batch's ERRORED deliveries, for `regrade-failed`. */
    async ListErroredDeliveries(input: {
      batchId: string;
      after: string | null;
      limit: number;
      /** v5: delivery IDs alone (no student, no object key). */
      idsOnly?: boolean;
    }): Promise<{ deliveries: ErroredDelivery[]; next: string | null; total: number }> {
      const page = await batches.listFailures(input.batchId, input.after, input.limit);
      const last = page[page.length - 1];
      return {
        deliveries: page.map((f) =>
          input.idsOnly
            ? { id: f.deliveryId }
            : { id: f.deliveryId, userId: f.userId, objectKey: f.deliveryKey },
        ),
        next: page.length === input.limit && last ? last.deliveryId : null,
        total: await batches.countFailures(input.batchId),
      };
    },

    /** Appends to the audit log (pause, resume, cancel...); a v5 `reasonId` becomes its words. */
    async RecordAudit(entry: AuditEntry): Promise<void> {
      const { reasonId, ...details } = (entry.details ?? {}) as { reasonId?: unknown };
      if (typeof reasonId !== 'string') return batches.audit(entry);
      const reason = await batches.steeringReason(reasonId);
      await batches.audit({
        ...entry,
        details: reason === null ? details : { ...details, reason },
      });
    },

    /**
     * Ends the batch: writes the summary document, completes the record, records the
     * `batch.completed` event (the outbox's relay publishes it) and audits the outcome. Retried calls rewrite the same document. The
     * counters are those of the batch's result rows (a delivery with a stored report is graded,
     * even if the workflow counted it ERRORED), so the summary and the results always agree.
     */
    async FinishBatch(finish: FinishInput): Promise<BatchSummary> {
      const { brief, reasonId, ...counted } = finish;
      const key = summaryKey(counted.batchId);
      const tally = await batchTally(deps, counted.batchId);
      const words = reasonId ? await batches.steeringReason(reasonId) : null;
      // v5 keeps codes in the workflow: the student and the words of each are in the database.
      const graded = await deps.reports.reported(
        counted.batchId,
        counted.failures.map((f) => f.deliveryId),
      );
      const kept = counted.failures.filter((f) => !graded.has(f.deliveryId));
      const known = await batches.failuresOf(
        counted.batchId,
        kept.filter(isFailureCode).map((f) => f.deliveryId),
      );
      const input = {
        ...counted,
        ...tally,
        reason: words && counted.reason ? `${counted.reason}: ${words}` : counted.reason,
        failures: kept.flatMap((f) =>
          isFailureCode(f)
            ? known.filter((k) => k.deliveryId === f.deliveryId)
            : [{ deliveryId: f.deliveryId, userId: f.userId, reason: f.reason }],
        ),
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
      // v5: what the workflow's history keeps; the whole summary is the stored document.
      const answer = brief ? briefSummary(summary, counted.reason) : summary;
      // A retry after a lost completion must not audit the end twice.
      if (await batches.hasAudit(input.batchId, 'batch.finish')) return answer;
      const took = (Date.parse(summary.finishedAt) - Date.parse(summary.startedAt)) / 1000;
      if (Number.isFinite(took) && took >= 0) batchDuration.observe({ status: input.status }, took);
      await batches.audit({
        actor: 'zinc',
        action: 'batch.finish',
        target: input.batchId,
        outcome: input.status,
        details: { done: input.done, errored: input.errored, reason: input.reason },
      });
      return answer;
    },
  };
}

/**
 * A summary as a v5 workflow returns it (into its history): counts, stats and keys, but no
 * student, failure reason or steering words; `reason` as the workflow itself wrote it.
 */
function briefSummary(summary: BatchSummary, reason: string | null): BatchSummary {
  const { identical: _identical, ...rest } = summary;
  return { ...rest, reason, failures: [], brief: true };
}

export type BookkeepingActivities = ReturnType<typeof createBookkeepingActivities>;

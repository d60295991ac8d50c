// A batch as the API shows it: live progress from the workflow while it runs, the record and
// summary document from the database and object storage after it has ended.
import { BatchNotFoundError, isFailure } from '../failures.js';
import { z } from 'zod';
import type { BatchRecord } from '../core/batch-store.js';
import { batchResult, findBatch } from '../core/batch-status.js';
import { expandSummary, failuresToShow } from '../core/brief-batches.js';
import type { BatchLocation } from '../core/batch-status.js';
import { progressQuery } from '../workflows/grading/batch-grading.js';
import { whyBatchWaits } from '../core/queue-health.js';
import { endedOutsideSummary, reconcileBatch } from '../core/batch-reconciler.js';
import { BATCH_STATUSES } from '../workflows/grading/types.js';
import type { BatchProgress, BatchSummary } from '../workflows/grading/types.js';
import type { ApiContext } from './context.js';
import { identicalGroupSchema } from './results-view.js';

const failureSchema = z.object({ deliveryId: z.string(), userId: z.string(), reason: z.string() });

export const batchViewSchema = z.object({
  batchId: z.string(),
  collectionId: z.string(),
  configVersion: z.string().nullable(),
  status: z
    .enum(BATCH_STATUSES)
    .describe('queued: recorded, waiting for a running slot (grading.max_running_batches)'),
  queuePosition: z
    .number()
    .nullable()
    .describe('while queued: 1 when no queued batch is ahead of it; otherwise null'),
  live: z.boolean().describe('true: progress from the running workflow; false: the stored record'),
  total: z.number(),
  done: z.number(),
  errored: z.number(),
  inFlight: z.number(),
  counts: z.record(z.string(), z.number()).describe('deliveries by headline verdict'),
  failures: z.array(failureSchema).describe('the most recent deliveries that stayed ERRORED'),
  requestedBy: z.string().nullable(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  reason: z.string().nullable(),
  stuck: z
    .string()
    .nullable()
    .describe(
      'while it runs: why it makes no progress, in words (no worker polls a queue it waits on, or deliveries waited past the schedule-to-start); null otherwise',
    ),
  waiting: z
    .object({
      service: z.enum(['object storage', 'database']),
      since: z.string().describe('when the batch began to wait (ISO)'),
      held: z.number().describe('deliveries held, to be graded again once the service is back'),
    })
    .nullable()
    .describe(
      'while object storage or the database is down: the batch starts no delivery and waits (an outage counts against no delivery); null otherwise',
    ),
  stats: z
    .object({
      reports: z.number(),
      meanPercent: z.number().nullable(),
      medianPercent: z.number().nullable(),
      histogram: z.array(z.number()),
    })
    .nullable(),
  identical: z
    .array(identicalGroupSchema)
    .nullable()
    .describe(
      'after it ended: groups of byte-identical deliveries of different students (a hint for staff, never a verdict); null while it runs',
    ),
});

export type BatchView = z.infer<typeof batchViewSchema>;

/** A batch found in the database, in Temporal, or both. */
export interface LocatedBatch {
  batchId: string;
  collectionId: string;
  record: BatchRecord | null;
  location: BatchLocation | null;
}

/** Finds a batch by its record or its workflow; BatchNotFoundError when neither exists. */
export async function locateBatch(ctx: ApiContext, batchId: string): Promise<LocatedBatch> {
  // While the database is down, a running batch still answers from its workflow.
  let unavailable: Error | undefined;
  const record = await ctx.batches.get(batchId).catch((err: unknown) => {
    if (!isFailure(err, 'DatabaseUnavailable')) throw err;
    unavailable = err;
    return null;
  });
  let location: BatchLocation | null = null;
  try {
    location = await findBatch(ctx.temporal, batchId);
  } catch (err) {
    if (!(err instanceof BatchNotFoundError) || !record) throw unavailable ?? err;
  }
  if (unavailable && !location?.running) throw unavailable;
  const collectionId = record?.collectionId ?? location?.collectionId;
  if (!collectionId) throw new BatchNotFoundError(`batch ${batchId} does not exist`);
  return { batchId, collectionId, record, location };
}

/** The progress query, asked again briefly while the workflow is between runs. */
async function liveProgress(batch: LocatedBatch): Promise<BatchProgress | null> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await batch.location!.handle.query(progressQuery);
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  return null;
}

async function storedSummary(ctx: ApiContext, key: string | null): Promise<BatchSummary | null> {
  if (!key) return null;
  try {
    return JSON.parse((await ctx.platform.objects.get(key)).toString('utf8')) as BatchSummary;
  } catch (err) {
    if (isFailure(err, 'ObjectNotFound')) return null;
    throw err;
  }
}

/** The batch as the API shows it. */
export async function describeBatch(ctx: ApiContext, batch: LocatedBatch): Promise<BatchView> {
  // A batch ended outside zinc (terminated, timed out) is reconciled on this first read.
  const record =
    batch.record && !batch.location?.running
      ? await reconcileBatch(ctx.zinc.core, ctx.temporal, batch.record)
      : batch.record;
  const base = {
    batchId: batch.batchId,
    collectionId: batch.collectionId,
    requestedBy: record?.requestedBy ?? batch.location?.requestedBy ?? null,
    startedAt: record?.startedAt ?? null,
    finishedAt: record?.finishedAt ?? null,
  };
  if (batch.location?.running) {
    const progress = await liveProgress(batch);
    if (progress) {
      return {
        ...base,
        configVersion: progress.configVersion,
        status: progress.status,
        queuePosition: progress.queuePosition ?? null,
        live: true,
        total: progress.total,
        done: progress.done,
        errored: progress.errored,
        inFlight: progress.inFlight,
        counts: progress.counts,
        failures: await failuresToShow(ctx.batches, batch.batchId, progress.failures),
        waiting: progress.waiting ?? null,
        reason: null,
        stats: null,
        identical: null,
        stuck: await whyBatchWaits(
          ctx.temporal,
          batch.location.handle,
          ctx.config.grading.schedule_to_start_secs,
        ).catch(() => null),
      };
    }
  }
  const summary = record
    ? await storedSummary(ctx, record.summaryKey)
    : await batchResult(
        batch.location!.handle,
        undefined,
        () => endedOutsideSummary(ctx.temporal, batch.batchId),
        (brief) => expandSummary(ctx.platform.objects, brief),
      );
  const failures =
    summary?.failures ??
    (record ? await ctx.batches.listFailures(batch.batchId, null, 50) : []).map((f) => ({
      deliveryId: f.deliveryId,
      userId: f.userId,
      reason: f.reason,
    }));
  return {
    ...base,
    configVersion: record?.configVersion ?? summary?.configVersion ?? null,
    status: record?.status ?? summary!.status,
    queuePosition: null,
    live: false,
    total: record?.total ?? summary!.total,
    done: record?.done ?? summary!.done,
    errored: record?.errored ?? summary!.errored,
    inFlight: 0,
    counts: record?.counts ?? summary!.counts,
    failures,
    requestedBy: base.requestedBy ?? summary?.requestedBy ?? null,
    startedAt: base.startedAt ?? summary?.startedAt ?? null,
    finishedAt: base.finishedAt ?? summary?.finishedAt ?? null,
    reason: record?.failureReason ?? summary?.reason ?? null,
    stats: summary?.stats ?? null,
    identical: summary?.identical ?? null,
    waiting: null,
    stuck: null,
  };
}

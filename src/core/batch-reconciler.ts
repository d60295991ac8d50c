// Batches that ended without their workflow writing the end: terminated from outside zinc
// (`temporal workflow terminate`, the Web UI, or `zinc batch terminate` when the workflow did not
// answer in time) or ended by the execution timeout (grading.batch_timeout_secs). Their record
// still says running; this writes their end (record, summary document, `batch.completed`, audit)
// from what the database holds. It runs on first read (batch status, the API) and every 30 s in
// the core process. Temporal cannot change a closed workflow's search attributes, so such a
// batch's ZincBatchStatus keeps its last value; listings read the workflow's own status instead.
import proto from '@temporalio/proto';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { ZincTemporalClient } from '../temporal/client.js';
import type { ObjectStore } from '../platform/object-store.js';
import type { BatchStatus, BatchSummary } from '../workflows/grading/types.js';
import type { BatchRecord, BatchStore } from './batch-store.js';

const CLOSE_EVENT =
  proto.temporal.api.enums.v1.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT;

/** How often the core looks for batches that ended outside zinc. */
export const RECONCILE_INTERVAL_MS = 30_000;

/** How a batch's workflow ended when the workflow could not say so itself. */
export interface OutsideEnding {
  status: Extract<BatchStatus, 'terminated' | 'timed_out'>;
  reason: string;
}

/** What reconciling needs of the core: its batch store and a way to write a batch's end. */
export interface ReconcileDeps {
  batches: Pick<BatchStore, 'listUnfinished'>;
  /** Writes the end of a recorded batch (record, summary, event, audit); returns the record. */
  recordEndedOutside(record: BatchRecord, ending: OutsideEnding): Promise<BatchRecord>;
}

function secondsOf(d: { seconds?: unknown } | null | undefined): number | null {
  return d?.seconds == null ? null : Number(d.seconds);
}

/**
 * How the batch's workflow ended, when it was terminated or timed out; null while it runs,
 * when it ended by itself, or when Temporal no longer knows it.
 */
export async function outsideEnding(
  temporal: ZincTemporalClient,
  batchId: string,
): Promise<OutsideEnding | null> {
  let info;
  try {
    info = await temporal.client.workflow.getHandle(batchId).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
  if (info.status.name === 'TIMED_OUT') {
    const secs = secondsOf(info.raw.executionConfig?.workflowExecutionTimeout);
    return {
      status: 'timed_out',
      reason: `timed out: the batch ran past its execution timeout${secs ? ` (${secs} s, grading.batch_timeout_secs)` : ''}`,
    };
  }
  if (info.status.name !== 'TERMINATED') return null;
  const history = await temporal.client.workflowService.getWorkflowExecutionHistory({
    namespace: temporal.namespace,
    execution: { workflowId: batchId, runId: info.runId },
    historyEventFilterType: CLOSE_EVENT,
  });
  const closed = history.history?.events?.[0]?.workflowExecutionTerminatedEventAttributes;
  const reason = closed?.reason?.trim();
  // zinc's own terminations already say who; others get the identity Temporal recorded.
  if (reason?.startsWith('terminated by ')) return { status: 'terminated', reason };
  const by = closed?.identity ? ` by ${closed.identity}` : '';
  return {
    status: 'terminated',
    reason: `terminated outside zinc${by}${reason ? `: ${reason}` : ''}`,
  };
}

/** Whether the record still says the batch runs. */
function unfinished(record: BatchRecord): boolean {
  return record.status === 'running' || record.status === 'paused';
}

/** The record as it should read now: its end written if its workflow ended outside zinc. */
export async function reconcileBatch(
  core: ReconcileDeps,
  temporal: ZincTemporalClient,
  record: BatchRecord,
): Promise<BatchRecord> {
  if (!unfinished(record)) return record;
  const ending = await outsideEnding(temporal, record.id);
  return ending ? core.recordEndedOutside(record, ending) : record;
}

/** Reconciles every batch the database thinks runs; returns how many it ended. */
export async function reconcileRunningBatches(
  core: ReconcileDeps,
  temporal: ZincTemporalClient,
): Promise<number> {
  let ended = 0;
  for (const record of await core.batches.listUnfinished()) {
    const after = await reconcileBatch(core, temporal, record);
    if (after.status !== record.status) ended += 1;
  }
  return ended;
}

/** Reconciles every `intervalMs` until stopped; a failed round is reported and tried again. */
export function startBatchReconciler(
  core: ReconcileDeps,
  temporal: ZincTemporalClient,
  options: { intervalMs?: number; onError?: (err: unknown) => void } = {},
): { stop(): Promise<void> } {
  let round: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const tick = (): void => {
    if (stopped) return;
    round = reconcileRunningBatches(core, temporal).catch((err: unknown) => options.onError?.(err));
  };
  const timer = setInterval(tick, options.intervalMs ?? RECONCILE_INTERVAL_MS);
  timer.unref();
  tick();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await round;
    },
  };
}

/** What reading an ended batch's summary needs: the core's stores, when this process has them. */
export interface SummarySources extends ReconcileDeps {
  batches: Pick<BatchStore, 'listUnfinished' | 'get'>;
  objects: Pick<ObjectStore, 'get'>;
}

/**
 * The summary of a batch whose workflow ended outside zinc: the reconciled record's summary
 * document when `core` is at hand, else what Temporal alone tells (status, reason, who, which
 * collection; counters zero, for the core to record within RECONCILE_INTERVAL_MS).
 */
export async function endedOutsideSummary(
  temporal: ZincTemporalClient,
  batchId: string,
  core?: SummarySources,
): Promise<BatchSummary | null> {
  const record = core ? await core.batches.get(batchId) : null;
  if (core && record) {
    const ended = await reconcileBatch(core, temporal, record);
    if (ended.summaryKey) {
      const text = (await core.objects.get(ended.summaryKey)).toString('utf8');
      return JSON.parse(text) as BatchSummary;
    }
  }
  const ending = await outsideEnding(temporal, batchId);
  if (!ending) return null;
  const info = await temporal.client.workflow.getHandle(batchId).describe();
  const attribute = (name: string): string => {
    const value = (info.searchAttributes[name] as unknown[] | undefined)?.[0];
    return typeof value === 'string' ? value : '';
  };
  return {
    batchId,
    collectionId: attribute('ZincCollectionId'),
    configVersion: attribute('ZincConfigId') || null,
    requestedBy: attribute('ZincRequestedBy'),
    status: ending.status,
    reason: `${ending.reason} (counts: see the batch record, which the core reconciles)`,
    total: 0,
    done: 0,
    errored: 0,
    counts: {},
    failures: [],
    stats: null,
    summaryKey: null,
    startedAt: info.startTime.toISOString(),
    finishedAt: (info.closeTime ?? new Date()).toISOString(),
  };
}

// What `zinc grade` and `zinc batch ...` do once they run (src/cli/commands/grade.ts defines
// them): start, watch and steer batches through Temporal, and read them there when their
// records cannot answer alone (src/cli/records.ts). Loaded only by a command that runs.
import { BatchEndedError, failureSpec } from '../../failures.js';
import type { Command } from 'commander';
import {
  checkTerminationThroughCore,
  startBatch,
  type BatchHandle,
} from '../../core/batch-client.js';
import {
  checkTerminationOrRefusal,
  type TerminationRequest,
} from '../../core/batch-termination.js';
import {
  findBatch,
  listBatches,
  steerBatch,
  steeringRequest,
  type BatchListing,
  type SteeringAction,
} from '../../core/batch-status.js';
import { progressQuery } from '../../workflows/grading/batch-grading.js';
import {
  isFailureCode,
  type BatchProgress,
  type BatchSummary,
} from '../../workflows/grading/types.js';
import type { ZincConfig } from '../../config/index.js';
import { actor } from '../actor.js';
import { withStack, type Stack } from '../stack.js';
import type { Zinc } from '../../main/zinc.js';
import { admitFromCli, reportRefusal } from '../admission.js';
import { withSpan } from '../../platform/tracing.js';
import { batchResult, formatSummary, watchBatch } from '../watch.js';
import { endedOutsideSummary, reconcileRunningBatches } from '../../core/batch-reconciler.js';
import { whyBatchWaits } from '../../core/queue-health.js';
import { expandSummary, failuresToShow } from '../../core/brief-batches.js';
import { coreReachable, withCore } from '../core-reach.js';
import { formatProgress } from '../summary-text.js';

function exitCodeOf(summary: BatchSummary): number {
  return summary.status === 'completed' ? 0 : 1;
}

/** Why the batch waits (src/core/queue-health.ts), for the progress line and status. */
function stuckCheck(stack: Stack, config: ZincConfig, handle: BatchHandle) {
  return () => whyBatchWaits(stack.temporal, handle, config.grading.schedule_to_start_secs);
}

/** The summary of a batch terminated or timed out, reconciled first when the core is at hand. */
function outsideSummary(stack: Stack, config: ZincConfig, batchId: string) {
  return async () =>
    (await withCore(stack, config, (zinc) =>
      endedOutsideSummary(stack.temporal, batchId, {
        ...zinc.core,
        objects: zinc.platform.objects,
      }),
    )) ?? (await endedOutsideSummary(stack.temporal, batchId));
}

/**
 * `fn` with the core's services, or undefined when they are out of reach: no database here, or
 * the database or object storage down (a batch status must still answer during an outage, from
 * what Temporal holds).
 */
async function withCoreIfUp<T>(
  stack: Stack,
  config: ZincConfig,
  fn: (zinc: Zinc) => Promise<T>,
): Promise<T | undefined> {
  try {
    return await withCore(stack, config, fn);
  } catch {
    return undefined;
  }
}

/**
 * The whole summary of a brief one (v5): its stored document, read through the core's services
 * when this process has them, else from object storage alone (beside a `zinc up` that holds the
 * database); the brief one when storage is out of reach too.
 */
function wholeSummary(stack: Stack, config: ZincConfig) {
  return async (brief: BatchSummary): Promise<BatchSummary> => {
    if (!brief.brief) return brief;
    const viaCore = await withCoreIfUp(stack, config, (zinc) =>
      expandSummary(zinc.platform.objects, brief),
    );
    if (viaCore) return viaCore;
    try {
      const { openObjectStore } = await import('../../platform/object-store-config.js');
      const objects = await openObjectStore(config.storage, config.data_dir);
      try {
        return await expandSummary(objects, brief);
      } finally {
        await objects.close();
      }
    } catch {
      return brief;
    }
  };
}

async function finish(
  stack: Stack,
  config: ZincConfig,
  handle: BatchHandle,
  json: boolean,
): Promise<void> {
  const summary = await watchBatch(handle, {
    quiet: json,
    stuck: stuckCheck(stack, config, handle),
    outside: outsideSummary(stack, config, handle.workflowId),
    expand: wholeSummary(stack, config),
  });
  process.stdout.write(json ? `${JSON.stringify(summary, null, 2)}\n` : formatSummary(summary));
  process.exitCode = exitCodeOf(summary);
}

async function existingHandle(stack: Stack, batchId: string): Promise<BatchHandle> {
  return (await findBatch(stack.temporal, batchId)).handle;
}

/**
 * With the stack in this process (no zinc up runs), waits until the batch's workflow has
 * recorded it (it then stops with this process): the commands that read the records find it.
 */
async function untilRecorded(stack: Stack, batchId: string): Promise<void> {
  if (!stack.inProcess) return;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (await stack.inProcess.zinc.core.batches.get(batchId)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function noWaitNote(stack: Stack, batchId: string): string {
  return stack.inProcess
    ? `Batch ${batchId} is recorded; no zinc up is running, so it goes on the next time zinc up (or zinc batch watch ${batchId}) runs.\n`
    : `Batch ${batchId} started; follow it with: zinc batch watch ${batchId}\n`;
}

export interface GradeOptions {
  configVersion?: string;
  concurrency?: number;
  includeTest?: boolean;
  /** Only these students' latest deliveries. */
  student?: string[];
  as?: string;
  wait: boolean;
  json?: boolean;
}

/** `zinc grade`: admit, start and (unless --no-wait) follow the batch. */
export async function grade(
  config: ZincConfig,
  collectionId: string,
  opts: GradeOptions,
): Promise<void> {
  await withStack(config, async (stack) => {
    const requestedBy = actor(opts, config);
    // The core decides before any workflow starts; a refusal starts nothing.
    const decision = await admitFromCli(stack, config, {
      collectionId,
      configVersion: opts.configVersion,
      requestedBy,
      ...(opts.student ? { studentIds: opts.student } : {}),
    });
    if (!decision.admitted) {
      reportRefusal('zinc grade', decision.refusal);
      return;
    }
    const only = decision.admission.deliveries;
    // The batch's trace starts with this span; its workflow and activities continue it.
    const { batchId, handle, existing } = await withSpan(
      'zinc grade',
      { 'zinc.collection_id': collectionId },
      () =>
        startBatch(stack.temporal, config.grading, {
          collectionId,
          configVersion: opts.configVersion,
          concurrency: opts.concurrency,
          includeTest: opts.includeTest,
          requestedBy,
          ...(only ? { source: { kind: 'deliveries' as const, deliveries: only } } : {}),
        }),
    );
    if (!opts.json) {
      process.stderr.write(
        existing
          ? `Batch ${batchId} is already running for this request; following it.\n`
          : `Batch ${batchId} started.\n`,
      );
    }
    if (!opts.wait) {
      await untilRecorded(stack, batchId);
      process.stdout.write(
        opts.json ? `${JSON.stringify({ batchId, existing })}\n` : noWaitNote(stack, batchId),
      );
      return;
    }
    await finish(stack, config, handle, opts.json ?? false);
  });
}

/** `zinc batch watch`. */
export async function watch(config: ZincConfig, batchId: string, json: boolean): Promise<void> {
  await withStack(config, async (stack) => {
    await finish(stack, config, await existingHandle(stack, batchId), json);
  });
}

/** `zinc batch status` through Temporal: live progress while it runs, else its summary. */
export async function statusThroughTemporal(
  config: ZincConfig,
  batchId: string,
  json: boolean,
): Promise<void> {
  await withStack(config, async (stack) => {
    const handle = await existingHandle(stack, batchId);
    const running = (await handle.describe()).status.name === 'RUNNING';
    const progress = running ? await handle.query(progressQuery) : undefined;
    const answer = progress
      ? {
          ...progress,
          // v5 keeps failure codes: the students and reasons are in the database.
          failures: progress.failures.some(isFailureCode)
            ? ((await withCoreIfUp(stack, config, (zinc) =>
                failuresToShow(zinc.core.batches, batchId, progress.failures),
              )) ?? progress.failures)
            : progress.failures,
          stuck: await stuckCheck(stack, config, handle)(),
        }
      : await batchResult(
          handle,
          undefined,
          outsideSummary(stack, config, batchId),
          wholeSummary(stack, config),
        );
    if (json) process.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
    else if (running) {
      const p = answer as BatchProgress & { stuck: string | null };
      process.stdout.write(formatProgress(p, p.stuck));
    } else process.stdout.write(formatSummary(answer as BatchSummary));
  });
}

/** `zinc batch list` through Temporal's visibility store (records reconciled first where reachable). */
export async function listThroughTemporal(
  config: ZincConfig,
  collectionId: string | undefined,
): Promise<BatchListing[]> {
  return withStack(config, async (stack) => {
    // Records of batches that ended outside zinc say so from this first read on.
    await withCore(stack, config, (zinc) => reconcileRunningBatches(zinc.core, stack.temporal));
    return listBatches(stack.temporal, { collectionId });
  });
}

/** `zinc batch pause|resume|cancel`. */
export async function steer(
  config: ZincConfig,
  command: Command,
  batchId: string,
  name: SteeringAction,
  opts: { as?: string; reason?: string },
): Promise<void> {
  const verbs = { pause: 'paused', resume: 'resumed', cancel: 'cancelled' } as const;
  await withStack(config, async (stack) => {
    const by = actor(opts, config);
    const location = await findBatch(stack.temporal, batchId);
    // As for zinc grade and the API: staff of the course only; a refusal is audited and changes
    // nothing.
    const request: TerminationRequest = {
      batchId,
      collectionId: location.collectionId,
      requestedBy: by,
      reason: opts.reason ?? '',
      action: name,
    };
    const decision =
      (await withCore(stack, config, (zinc) => checkTerminationOrRefusal(zinc.core, request))) ??
      (await checkTerminationThroughCore(stack.temporal, request));
    if (!decision.allowed) {
      process.stderr.write(`zinc batch ${name}: ${decision.refusal.message}\n`);
      process.exitCode = failureSpec(decision.refusal.failure)?.exit ?? 1;
      return;
    }
    if (!location.running) command.error(`zinc batch ${name}: batch ${batchId} has already ended`);
    try {
      const keep = coreReachable(stack, config)
        ? (words: string) =>
            withCore(stack, config, (zinc) =>
              zinc.core.batches.saveSteeringReason(batchId, by, words),
            ) as Promise<string>
        : undefined;
      await steerBatch(stack.temporal, batchId, name, await steeringRequest(by, opts.reason, keep));
    } catch (err) {
      if (!(err instanceof BatchEndedError)) throw err;
      command.error(`zinc batch ${name}: batch ${batchId} has already ended`);
    }
    process.stdout.write(`Batch ${batchId}: ${name} requested (it will be ${verbs[name]}).\n`);
  });
}

/** `zinc batch regrade-failed`. */
export async function regradeFailed(
  config: ZincConfig,
  sourceId: string,
  opts: { as?: string; wait: boolean; json?: boolean },
): Promise<void> {
  await withStack(config, async (stack) => {
    const source = await batchResult(
      await existingHandle(stack, sourceId),
      undefined,
      outsideSummary(stack, config, sourceId),
    );
    const request = {
      collectionId: source.collectionId,
      configVersion: source.configVersion ?? undefined,
      requestedBy: actor(opts, config),
    };
    const decision = await admitFromCli(stack, config, {
      ...request,
      sourceBatchId: sourceId,
    });
    if (!decision.admitted) {
      reportRefusal('zinc batch regrade-failed', decision.refusal);
      return;
    }
    if (source.errored === 0) {
      // Nothing to grade again: start no batch (an empty one would only add noise).
      process.stdout.write(
        opts.json
          ? `${JSON.stringify({ batchId: null, existing: false, errored: 0 })}\n`
          : `Batch ${sourceId} has no ERRORED deliveries: nothing to regrade.\n`,
      );
      return;
    }
    const { batchId, handle, existing } = await startBatch(stack.temporal, config.grading, {
      ...request,
      source: { kind: 'errored', batchId: sourceId },
    });
    if (!opts.json)
      process.stderr.write(
        `Batch ${batchId} ${existing ? 'is already running' : 'started'}: ${source.errored} ERRORED deliveries of ${sourceId}.\n`,
      );
    if (!opts.wait) {
      await untilRecorded(stack, batchId);
      process.stdout.write(
        opts.json ? `${JSON.stringify({ batchId, existing })}\n` : noWaitNote(stack, batchId),
      );
      return;
    }
    await finish(stack, config, handle, opts.json ?? false);
  });
}

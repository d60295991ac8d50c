// `zinc grade` and `zinc batch ...`: start, watch, steer and read batches.
import { BatchEndedError } from '../../failures.js';
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { startBatch, type BatchHandle } from '../../core/batch-client.js';
import { findBatch, listBatches, steerBatch, STEERING_ACTIONS } from '../../core/batch-status.js';
import { progressQuery } from '../../workflows/grading/batch-grading.js';
import type { BatchProgress, BatchSummary } from '../../workflows/grading/types.js';
import type { ZincConfig } from '../../config/index.js';
import { actor } from '../actor.js';
import { configFrom } from '../context.js';
import { withStack, type Stack } from '../stack.js';
import { admitFromCli, reportRefusal } from '../admission.js';
import { withSpan } from '../../platform/tracing.js';
import { batchResult, formatSummary, watchBatch } from '../watch.js';
import { endedOutsideSummary, reconcileRunningBatches } from '../../core/batch-reconciler.js';
import { whyBatchWaits } from '../../core/queue-health.js';
import { withCore } from '../core-reach.js';
import { registerBatchTerminate } from './batch-terminate.js';

/** A grading-config version ID (`cfg_` and 16 hex digits). */
const CONFIG_VERSION_ID = /^cfg_[0-9a-f]{16}$/;

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
  });
  process.stdout.write(json ? `${JSON.stringify(summary, null, 2)}\n` : formatSummary(summary));
  process.exitCode = exitCodeOf(summary);
}

async function existingHandle(stack: Stack, batchId: string): Promise<BatchHandle> {
  return (await findBatch(stack.temporal, batchId)).handle;
}

function noWaitNote(stack: Stack, batchId: string): string {
  return stack.inProcess
    ? `Batch ${batchId} is recorded; no zinc up is running, so it goes on the next time zinc up (or zinc batch watch ${batchId}) runs.\n`
    : `Batch ${batchId} started; follow it with: zinc batch watch ${batchId}\n`;
}

/** Registers `zinc grade` and `zinc batch ...`; returns the `batch` command. */
export function registerGradeCommands(program: Command): Command {
  program
    .command('grade <collectionId>')
    .description("grade every student's latest delivery in a collection, with a live progress bar")
    .option(
      '--config-version <version>',
      "grading-config version, attached to the collection (default: the collection's newest)",
    )
    .option('--concurrency <n>', 'deliveries graded at once', (v) => Number.parseInt(v, 10))
    .option('--include-test', 'also grade staff test deliveries')
    .option(
      '--as <user>',
      'who asks (must be staff of the course; default ZINC_USER or your login)',
    )
    .option('--no-wait', 'start the batch and return at once')
    .option('--json', 'print the final summary as JSON on stdout instead of the progress bar')
    .action(
      async (
        collectionId: string,
        opts: {
          configVersion?: string;
          concurrency?: number;
          includeTest?: boolean;
          as?: string;
          wait: boolean;
          json?: boolean;
        },
        command: Command,
      ) => {
        // `--config` is zinc's global option (the YAML configuration file), read before this
        // command sees it: say so when it was given a config version instead.
        const file = command.optsWithGlobals<{ config?: string }>().config;
        if (file && CONFIG_VERSION_ID.test(file) && !existsSync(file)) {
          command.error(
            `zinc grade: --config names zinc's configuration file; give a grading-config version with --config-version ${file}`,
          );
        }
        const config: ZincConfig = configFrom(command);
        if (
          opts.concurrency !== undefined &&
          (!Number.isInteger(opts.concurrency) || opts.concurrency < 1)
        ) {
          command.error('zinc grade: --concurrency must be a whole number of at least 1');
        }
        await withStack(config, async (stack) => {
          const requestedBy = actor(opts, config);
          // The core decides before any workflow starts; a refusal starts nothing.
          const decision = await admitFromCli(stack, config, {
            collectionId,
            configVersion: opts.configVersion,
            requestedBy,
          });
          if (!decision.admitted) {
            reportRefusal('zinc grade', decision.refusal);
            return;
          }
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
            process.stdout.write(
              opts.json ? `${JSON.stringify({ batchId, existing })}\n` : noWaitNote(stack, batchId),
            );
            return;
          }
          await finish(stack, config, handle, opts.json ?? false);
        });
      },
    );

  const batch = program
    .command('batch')
    .description('batches: list, status, watch, pause, resume, cancel, terminate, results');

  batch
    .command('watch <batchId>')
    .description('follow a batch until it ends')
    .option('--json', 'print the final summary as JSON')
    .action(async (batchId: string, opts: { json?: boolean }, command: Command) => {
      const config = configFrom(command);
      await withStack(config, async (stack) => {
        await finish(stack, config, await existingHandle(stack, batchId), opts.json ?? false);
      });
    });

  batch
    .command('status <batchId>')
    .description("a batch's progress (running) or summary (ended)")
    .option('--json', 'print JSON')
    .action(async (batchId: string, opts: { json?: boolean }, command: Command) => {
      const config = configFrom(command);
      await withStack(config, async (stack) => {
        const handle = await existingHandle(stack, batchId);
        const running = (await handle.describe()).status.name === 'RUNNING';
        const answer = running
          ? {
              ...(await handle.query(progressQuery)),
              stuck: await stuckCheck(stack, config, handle)(),
            }
          : await batchResult(handle, undefined, outsideSummary(stack, config, batchId));
        if (opts.json) process.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
        else if (running) {
          const p = answer as BatchProgress & { stuck: string | null };
          process.stdout.write(
            `Batch ${batchId}: ${p.status}${p.queuePosition ? ` (#${p.queuePosition} in line for a running slot)` : ''}, ${p.done}/${p.total} done, ${p.inFlight} in flight, ${p.errored} errored\n` +
              (p.stuck ? `  WAITING: ${p.stuck}\n` : '') +
              Object.entries(p.counts)
                .map(([k, v]) => `  ${k.padEnd(24)} ${v}\n`)
                .join(''),
          );
        } else process.stdout.write(formatSummary(answer as BatchSummary));
      });
    });

  batch
    .command('list')
    .description('batches, newest first')
    .option('--collection <id>', 'only batches of this collection')
    .option('--json', 'print JSON')
    .action(async (opts: { collection?: string; json?: boolean }, command: Command) => {
      const config = configFrom(command);
      await withStack(config, async (stack) => {
        // Records of batches that ended outside zinc say so from this first read on.
        await withCore(stack, config, (zinc) => reconcileRunningBatches(zinc.core, stack.temporal));
        const rows = await listBatches(stack.temporal, { collectionId: opts.collection });
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
          return;
        }
        const { printTable } = await import('../table.js');
        printTable(
          ['BATCH', 'STATUS', 'COLLECTION', 'CONFIG', 'BY', 'STARTED'],
          rows.map((r) => [
            r.batchId,
            r.status,
            r.collectionId,
            r.config,
            r.requestedBy,
            r.startedAt,
          ]),
        );
      });
    });

  const verbs = { pause: 'paused', resume: 'resumed', cancel: 'cancelled' } as const;
  for (const name of STEERING_ACTIONS) {
    const verb = verbs[name];
    batch
      .command(`${name} <batchId>`)
      .description(
        `${name} a running batch${name === 'cancel' ? ' (in-flight grading stops; a partial summary is written)' : ''}`,
      )
      .option('--as <user>', 'who asks (recorded in the audit log)')
      .option('--reason <text>', 'why (recorded in the audit log)')
      .action(async (batchId: string, opts: { as?: string; reason?: string }, command: Command) => {
        const config = configFrom(command);
        await withStack(config, async (stack) => {
          try {
            await steerBatch(stack.temporal, batchId, name, {
              by: actor(opts, config),
              ...(opts.reason ? { reason: opts.reason } : {}),
            });
          } catch (err) {
            if (!(err instanceof BatchEndedError)) throw err;
            command.error(`zinc batch ${name}: batch ${batchId} has already ended`);
          }
          process.stdout.write(`Batch ${batchId}: ${name} requested (it will be ${verb}).\n`);
        });
      });
  }

  registerBatchTerminate(batch);

  batch
    .command('regrade-failed <batchId>')
    .description('start a batch over only the deliveries that ended ERRORED in <batchId>')
    .option('--as <user>', 'who asks (must be staff of the course)')
    .option('--no-wait', 'start the batch and return at once')
    .option('--json', 'print the final summary as JSON')
    .action(
      async (
        sourceId: string,
        opts: { as?: string; wait: boolean; json?: boolean },
        command: Command,
      ) => {
        const config = configFrom(command);
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
            process.stdout.write(
              opts.json ? `${JSON.stringify({ batchId, existing })}\n` : noWaitNote(stack, batchId),
            );
            return;
          }
          await finish(stack, config, handle, opts.json ?? false);
        });
      },
    );
  return batch;
}

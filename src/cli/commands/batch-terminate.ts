// `zinc batch terminate <batchId> --reason <text>`: staff of the course end a batch at once
// (src/core/batch-termination.ts), audited accepted or refused.
// What it needs loads when it runs (`zinc batch --help` loads none of it).
import { BatchEndedError, failureSpec } from '../../failures.js';
import type { Command } from 'commander';
import type { TerminationRequest } from '../../core/batch-termination.js';
import { actor } from '../actor.js';

/** Registers `zinc batch terminate` under `batch`. */
export function registerBatchTerminate(batch: Command): void {
  batch
    .command('terminate <batchId>')
    .description(
      'end a running batch now: in-flight grading is cancelled, the batch ends as terminated (staff only)',
    )
    .requiredOption('--reason <text>', 'why (recorded in the audit log and the batch summary)')
    .option('--as <user>', 'who asks (must be staff of the course; recorded in the audit log)')
    .action(async (batchId: string, opts: { as?: string; reason: string }, command: Command) => {
      const reason = opts.reason.trim();
      if (reason === '') command.error('zinc batch terminate: --reason must not be empty');
      const [
        { configFrom },
        { withStack },
        { withCore },
        { findBatch },
        { checkTerminationThroughCore },
        { checkTerminationOrRefusal, terminateBatch },
        { reconcileBatch },
      ] = await Promise.all([
        import('../context.js'),
        import('../stack.js'),
        import('../core-reach.js'),
        import('../../core/batch-status.js'),
        import('../../core/batch-client.js'),
        import('../../core/batch-termination.js'),
        import('../../core/batch-reconciler.js'),
      ]);
      const config = configFrom(command);
      await withStack(config, async (stack) => {
        const by = actor(opts, config);
        const location = await findBatch(stack.temporal, batchId);
        if (!location.running) {
          process.stderr.write(`zinc batch terminate: batch ${batchId} has already ended\n`);
          process.exitCode = failureSpec('BatchEnded')?.exit ?? 1;
          return;
        }
        const request: TerminationRequest = {
          batchId,
          collectionId: location.collectionId,
          requestedBy: by,
          reason,
        };
        const decision =
          (await withCore(stack, config, (zinc) =>
            checkTerminationOrRefusal(zinc.core, request),
          )) ?? (await checkTerminationThroughCore(stack.temporal, request));
        if (!decision.allowed) {
          process.stderr.write(`zinc batch terminate: ${decision.refusal.message}\n`);
          process.exitCode = failureSpec(decision.refusal.failure)?.exit ?? 1;
          return;
        }
        let outcome;
        try {
          // The words stay in the database when it is in reach (only their ID in history).
          const reasonId = await withCore(stack, config, (zinc) =>
            zinc.core.batches.saveSteeringReason(batchId, by, reason),
          );
          outcome = await terminateBatch(stack.temporal, batchId, {
            by,
            reason,
            ...(reasonId ? { reasonId } : {}),
          });
        } catch (err) {
          if (!(err instanceof BatchEndedError)) throw err;
          command.error(`zinc batch terminate: ${err.message}`);
        }
        if (outcome === 'recorded') {
          process.stdout.write(`Batch ${batchId}: terminated (${reason}).\n`);
          return;
        }
        const reconciled = await withCore(stack, config, async (zinc) => {
          const record = await zinc.core.batches.get(batchId);
          if (record) await reconcileBatch(zinc.core, stack.temporal, record);
          return true;
        });
        process.stdout.write(
          `Batch ${batchId}: terminated through Temporal (the batch did not record it in time)${reconciled ? '; its record says terminated' : '; the core records it within 30 s'}.\n`,
        );
      });
    });
}

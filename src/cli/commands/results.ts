// `zinc batch results <batchId> --format csv|json`: one row per delivery of a batch.
import type { Command } from 'commander';
import { toCsv } from '../../core/batch-results.js';

export type { ResultRow } from '../../core/batch-results.js';
export { toCsv } from '../../core/batch-results.js';

export function registerResults(batch: Command): void {
  batch
    .command('results <batchId>')
    .description(
      'one row per delivery: student, delivery, submitted at, score, max score, verdicts, report key',
    )
    .option('--format <format>', 'csv or json', 'csv')
    .action(async (batchId: string, opts: { format: string }, command: Command) => {
      if (opts.format !== 'csv' && opts.format !== 'json') {
        command.error(`zinc batch results: --format must be csv or json, not "${opts.format}"`);
      }
      const [{ configFrom }, { withZinc }] = await Promise.all([
        import('../context.js'),
        import('../../main/zinc.js'),
      ]);
      const rows = await withZinc(configFrom(command), ({ core }) => core.results(batchId));
      process.stdout.write(
        opts.format === 'json' ? `${JSON.stringify(rows, null, 2)}\n` : toCsv(rows),
      );
    });
}

// `zinc batch results <batchId>` and `zinc collections gradebook <collectionId>`, as CSV or as
// the JSON the API answers: a batch's rows (partial while it runs), a collection's gradebook.
// The stack's modules load when the command runs (`zinc --help` loads none of them).
import type { Command } from 'commander';
import { toCsv } from '../../core/results-csv.js';

export type { ResultRow } from '../../core/batch-results.js';
export { toCsv } from '../../core/results-csv.js';

/** The --format value, or a usage error naming the command. */
function formatOf(name: string, format: string, command: Command): 'csv' | 'json' {
  if (format !== 'csv' && format !== 'json') {
    command.error(`zinc ${name}: --format must be csv or json, not "${format}"`);
  }
  return format;
}

export function registerResults(batch: Command): void {
  batch
    .command('results <batchId>')
    .description(
      'one row per delivery: headline verdict, score, raw points, late, identical deliveries, reason, one column per test (JSON: the API answer, with partial: true while the batch runs)',
    )
    .option('--format <format>', 'csv or json', 'csv')
    .action(async (batchId: string, opts: { format: string }, command: Command) => {
      const format = formatOf('batch results', opts.format, command);
      const [{ configFrom }, { withZinc }] = await Promise.all([
        import('../context.js'),
        import('../../main/zinc.js'),
      ]);
      const results = await withZinc(configFrom(command), ({ core }) => core.results(batchId));
      process.stdout.write(
        format === 'json' ? `${JSON.stringify(results, null, 2)}\n` : toCsv(results.rows),
      );
      if (format === 'csv' && results.partial) {
        process.stderr.write(
          `zinc batch results: batch ${batchId} is ${results.status}: ${results.rows.length} of ${results.total} deliveries so far\n`,
        );
      }
    });
}

/** Registers `zinc collections gradebook` on the `collections` command. */
export function registerGradebook(collections: Command): void {
  collections
    .command('gradebook <collectionId>')
    .description(
      "one row per enrolled student: the latest good result over the collection's batches (a regrade's rows win), NO_DELIVERY for a student without one (staff of the course only)",
    )
    .option('--format <format>', 'csv or json', 'csv')
    .option('--as <user>', 'act as this user (default: ZINC_USER or your login name)')
    .action(
      async (collectionId: string, opts: { format: string; as?: string }, command: Command) => {
        const format = formatOf('collections gradebook', opts.format, command);
        const [{ configFrom }, { withZinc }, { actor }] = await Promise.all([
          import('../context.js'),
          import('../../main/zinc.js'),
          import('../actor.js'),
        ]);
        const config = configFrom(command);
        const gradebook = await withZinc(config, async ({ core }) => {
          await core.access.collection(actor(opts, config), collectionId, 'batch.read');
          return core.gradebook(collectionId);
        });
        process.stdout.write(
          format === 'json' ? `${JSON.stringify(gradebook, null, 2)}\n` : toCsv(gradebook.rows),
        );
        if (format === 'csv' && gradebook.partial) {
          process.stderr.write(
            `zinc collections gradebook: a batch of ${collectionId} is still running; its rows may change\n`,
          );
        }
      },
    );
}

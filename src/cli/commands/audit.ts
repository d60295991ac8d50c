// `zinc audit [--since <time>]`: the audit log, oldest first: every state-changing API request
// (who, what, when, outcome) and what batches did.
import type { Command } from 'commander';
import { configFrom } from '../context.js';
import { withRecords } from '../records.js';
import { printTable } from '../table.js';
import { parseTimeSpec } from '../time-spec.js';

/** Registers `zinc audit`. */
export function registerAudit(program: Command): void {
  program
    .command('audit')
    .description('the audit log: who did what, when, and how it ended')
    .option('--since <time>', 'an ISO-8601 time, or a span back from now such as 24h or 7d')
    .option('--collection <id>', 'only rows of this collection')
    .option('--json', 'print JSON')
    .action(
      async (opts: { since?: string; collection?: string; json?: boolean }, command: Command) => {
        const since = opts.since ? parseTimeSpec(opts.since, '--since', -1) : undefined;
        // The database alone answers: no Temporal server, no component is started.
        const rows = await withRecords(configFrom(command), ({ batches }) =>
          batches.listAudit({
            since: since?.toISOString(),
            ...(opts.collection ? { collectionIds: [opts.collection], courseIds: [] } : {}),
          }),
        );
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
          return;
        }
        printTable(
          ['AT', 'ACTOR', 'ACTION', 'TARGET', 'COLLECTION', 'OUTCOME'],
          rows.map((r) => [r.at, r.actor, r.action, r.target, r.collectionId ?? '', r.outcome]),
        );
      },
    );
}

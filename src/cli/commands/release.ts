// `zinc batch diff <old> <new>` and `zinc batch release <batchId>`: review what a regrade
// changed, then release a completed batch's grades to the students (src/core/grade-release.ts).
// What they need loads when one runs (`zinc batch --help` loads none of it).
import type { Command } from 'commander';
import type { BatchDiff } from '../../core/batch-diff.js';

/** The diff as a TA reads it: the counts, then one line per student that moved. */
function formatDiff(diff: BatchDiff): string {
  const c = diff.counts;
  const cell = (verdict: string | null, score: number | null) =>
    verdict === null ? '-' : `${verdict}${score === null ? '' : ` ${score}`}`;
  const delta = (d: number | null) => (d === null ? '' : d > 0 ? `+${d}` : String(d));
  const lines = [
    `Batch ${diff.oldBatchId} -> ${diff.newBatchId} (collection ${diff.collectionId})${diff.partial ? ': a batch still runs, rows may change' : ''}`,
    `  ${c.changed} changed (${c.improved} improved, ${c.worsened} worsened), ${c.unchanged} unchanged, ${c.onlyInOld} only in old, ${c.onlyInNew} only in new`,
  ];
  if (diff.rows.length === 0) return `${lines.join('\n')}\n`;
  const rows = diff.rows.map((r) => [
    r.student,
    r.change,
    cell(r.oldVerdict, r.oldScore),
    cell(r.newVerdict, r.newScore),
    delta(r.delta),
  ]);
  const headers = ['STUDENT', 'CHANGE', 'OLD', 'NEW', 'DELTA'];
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    `  ${cells.map((v, i) => v.padEnd(widths[i]!)).join('  ')}`.trimEnd();
  return `${[...lines, '', line(headers), ...rows.map(line)].join('\n')}\n`;
}

/** Registers `zinc batch diff` and `zinc batch release` under `batch`. */
export function registerReleaseCommands(batch: Command): void {
  batch
    .command('diff <oldBatchId> <newBatchId>')
    .description(
      'what a regrade changed: the students whose score or headline verdict differs between two batches of one collection, with counts (staff of the course only)',
    )
    .option('--format <format>', 'table, csv or json', 'table')
    .option(
      '--as <user>',
      'who asks (must be staff of the course; default ZINC_USER or your login)',
    )
    .action(
      async (
        oldId: string,
        newId: string,
        opts: { format: string; as?: string },
        command: Command,
      ) => {
        const format = opts.format;
        if (format !== 'table' && format !== 'csv' && format !== 'json') {
          command.error(`zinc batch diff: --format must be table, csv or json, not "${format}"`);
        }
        const [{ configFrom }, { withZinc }, { actor }, { diffToCsv }] = await Promise.all([
          import('../context.js'),
          import('../../main/zinc.js'),
          import('../actor.js'),
          import('../../core/batch-diff.js'),
        ]);
        const config = configFrom(command);
        const diff = await withZinc(config, async ({ core }) => {
          // An unknown new batch is named by the core's refusal (with the old one, if unknown too).
          const record = await core.batches.get(newId);
          if (record) {
            await core.access.collection(actor(opts, config), record.collectionId, 'batch.read');
          }
          return core.diff(oldId, newId);
        });
        process.stdout.write(
          format === 'json'
            ? `${JSON.stringify(diff, null, 2)}\n`
            : format === 'csv'
              ? diffToCsv(diff.rows)
              : formatDiff(diff),
        );
      },
    );

  batch
    .command('release <batchId>')
    .description(
      "release a completed batch's grades to its collection's students, superseding the collection's earlier release (staff only; audited)",
    )
    .option('--as <user>', 'who asks (must be staff of the course; recorded in the audit log)')
    .option('--json', 'print the release as JSON')
    .action(async (batchId: string, opts: { as?: string; json?: boolean }, command: Command) => {
      const [{ configFrom }, { withZinc }, { actor }] = await Promise.all([
        import('../context.js'),
        import('../../main/zinc.js'),
        import('../actor.js'),
      ]);
      const config = configFrom(command);
      const done = await withZinc(config, ({ core }) =>
        core.release({ batchId, requestedBy: actor(opts, config) }),
      );
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(done, null, 2)}\n`);
        return;
      }
      process.stdout.write(
        done.already
          ? `Batch ${batchId} is already the released batch of collection ${done.collectionId} (released by ${done.release.releasedBy} at ${done.release.releasedAt}).\n`
          : `Batch ${batchId}: grades released to the students of collection ${done.collectionId}${done.superseded ? ` (supersedes the release of batch ${done.superseded.batchId})` : ''}.\n`,
      );
    });
}

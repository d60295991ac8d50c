// `zinc grade` and `zinc batch ...`: start, watch, steer and read batches. This module only
// defines the commands; what they do loads when one runs (grade-run.ts, and records.ts for
// the reads that the database answers alone), so that `zinc batch --help` is quick.
import { BatchNotFoundError, isFailure } from '../../failures.js';
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import type { ZincConfig } from '../../config/index.js';
import type { BatchListing } from '../../core/batch-status.js';
import {
  STEERING_ACTIONS,
  type BatchFailure,
  type BatchSummary,
} from '../../workflows/grading/types.js';
import type { BatchRecord } from '../../core/batch-store.js';
import type { GradeRelease, ReleaseState } from '../../core/release-store.js';
import { registerBatchTerminate } from './batch-terminate.js';

/** A grading-config version ID (`cfg_` and 16 hex digits). */
const CONFIG_VERSION_ID = /^cfg_[0-9a-f]{16}$/;

const run = () => import('./grade-run.js');

async function configOf(command: Command): Promise<ZincConfig> {
  return (await import('../context.js')).configFrom(command);
}

/**
 * `zinc batch status`: an ended batch's stored summary, and a running one's record when no
 * Temporal server runs (it makes no progress then); live progress from the workflow when one
 * runs. No Temporal server is started to answer.
 */
async function status(config: ZincConfig, batchId: string, json: boolean): Promise<void> {
  try {
    await statusOfRecords(config, batchId, json);
  } catch (err) {
    // The database or object storage is down: a running batch's workflow still tells how it
    // fares (and that it waits for the service).
    if (!isFailure(err, 'DatabaseUnavailable', 'ObjectStoreUnavailable')) throw err;
    if (!(await (await import('../records.js')).temporalRunning(config))) throw err;
    await (await run()).statusThroughTemporal(config, batchId, json);
  }
}

/** `zinc batch status` from the records (and from Temporal while the batch runs). */
async function statusOfRecords(config: ZincConfig, batchId: string, json: boolean): Promise<void> {
  const records = await import('../records.js');
  const found = await records.withRecords(
    config,
    async (
      r,
    ): Promise<
      | { summary: BatchSummary; release: GradeRelease | null }
      | { record: BatchRecord | null; failures: BatchFailure[] }
    > => {
      const record = await r.batches.get(batchId);
      if (record && !records.unfinished(record)) {
        const { createReleaseStore } = await import('../../core/release-store.js');
        return {
          summary:
            (await records.storedSummary(r, record)) ?? (await records.summaryOfRecord(r, record)),
          release: (await createReleaseStore(r.platform.db).ofBatch(batchId))[0] ?? null,
        };
      }
      const failures = record ? await r.batches.listFailures(batchId, null, 50) : [];
      return {
        record,
        failures: failures.map(({ deliveryId, userId, reason }) => ({
          deliveryId,
          userId,
          reason,
        })),
      };
    },
  );
  if ('summary' in found) {
    const { formatSummary } = await import('../summary-text.js');
    process.stdout.write(
      json
        ? `${JSON.stringify({ ...found.summary, release: found.release }, null, 2)}\n`
        : formatSummary(found.summary) + releaseLine(found.release),
    );
    return;
  }
  if (await records.temporalRunning(config)) {
    await (await run()).statusThroughTemporal(config, batchId, json);
    return;
  }
  const record = found.record;
  if (!record) {
    // Its workflow alone may know it (started with --no-wait while no zinc up ran): say so
    // rather than start a Temporal server to ask.
    throw new BatchNotFoundError(
      `batch ${batchId} is not recorded in the database, and no Temporal server runs to ask; ` +
        `a batch started while no zinc up ran is recorded once zinc up (or zinc batch watch ${batchId}) runs`,
    );
  }
  const answer = {
    batchId,
    collectionId: record.collectionId,
    configVersion: record.configVersion,
    status: record.status,
    total: record.total,
    done: record.done,
    errored: record.errored,
    inFlight: 0,
    counts: record.counts,
    failures: found.failures,
    queuePosition: null,
    stuck: null,
    live: false,
    updatedAt: record.updatedAt,
  };
  if (json) {
    process.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
    return;
  }
  const { formatProgress } = await import('../summary-text.js');
  process.stdout.write(
    formatProgress(answer, null) +
      `  (as recorded at ${record.updatedAt}: no Temporal server runs, so the batch makes no progress; it goes on the next time zinc up, or zinc batch watch ${batchId}, runs)\n`,
  );
}

/** The release state of an ended batch in words, after its summary. */
function releaseLine(release: GradeRelease | null): string {
  if (!release) return '\n  Grades not released to students (zinc batch release)\n';
  const released = `released to students by ${release.releasedBy} at ${release.releasedAt}`;
  return release.supersededBy
    ? `\n  Grades ${released}; superseded by batch ${release.supersededBy} at ${release.supersededAt}\n`
    : `\n  Grades ${released}\n`;
}

/** A line of `zinc batch list`: the listing and whether students see the batch's grades. */
type ListedBatch = BatchListing & { released: ReleaseState };

/**
 * `zinc batch list`: the batch records, newest first. While some batch runs and a Temporal
 * server runs, Temporal's visibility store answers as it always has (records of batches ended
 * outside zinc are reconciled there); no Temporal server is started to answer.
 */
async function list(config: ZincConfig, collectionId: string | undefined): Promise<ListedBatch[]> {
  const [records, { createReleaseStore }] = await Promise.all([
    import('../records.js'),
    import('../../core/release-store.js'),
  ]);
  const { rows, released } = await records.withRecords(config, async (r) => {
    const rows = await r.batches.list(collectionId);
    const released = await createReleaseStore(r.platform.db).statesOf(rows.map((b) => b.id));
    return { rows, released };
  });
  const listing =
    rows.some(records.unfinished) && (await records.temporalRunning(config))
      ? await (await run()).listThroughTemporal(config, collectionId)
      : rows.map(records.listingOf);
  return listing.map((b) => ({ ...b, released: released.get(b.batchId) ?? null }));
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
      '--student <ids>',
      "grade only these students' latest deliveries (repeat it, or a comma list)",
      (value: string, previous: string[] = []) => [
        ...previous,
        ...value
          .split(',')
          .map((id) => id.trim())
          .filter((id) => id !== ''),
      ],
    )
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
          student?: string[];
          as?: string;
          wait: boolean;
          json?: boolean;
        },
        command: Command,
      ) => {
        if (opts.student !== undefined && opts.student.length === 0) {
          command.error('zinc grade: --student needs a student ID (or a comma list of them)');
        }
        // `--config` is zinc's global option (the YAML configuration file), read before this
        // command sees it: say so when it was given a config version instead.
        const file = command.optsWithGlobals<{ config?: string }>().config;
        if (file && CONFIG_VERSION_ID.test(file) && !existsSync(file)) {
          command.error(
            `zinc grade: --config names zinc's configuration file; give a grading-config version with --config-version ${file}`,
          );
        }
        const config = await configOf(command);
        if (
          opts.concurrency !== undefined &&
          (!Number.isInteger(opts.concurrency) || opts.concurrency < 1)
        ) {
          command.error('zinc grade: --concurrency must be a whole number of at least 1');
        }
        await (await run()).grade(config, collectionId, opts);
      },
    );

  const batch = program
    .command('batch')
    .description(
      'batches: list, status, watch, pause, resume, cancel, terminate, results, diff, release',
    );

  batch
    .command('watch <batchId>')
    .description('follow a batch until it ends')
    .option('--json', 'print the final summary as JSON')
    .action(async (batchId: string, opts: { json?: boolean }, command: Command) => {
      await (await run()).watch(await configOf(command), batchId, opts.json ?? false);
    });

  batch
    .command('status <batchId>')
    .description("a batch's progress (running) or summary (ended)")
    .option('--json', 'print JSON')
    .action(async (batchId: string, opts: { json?: boolean }, command: Command) => {
      await status(await configOf(command), batchId, opts.json ?? false);
    });

  batch
    .command('list')
    .description('batches, newest first, with whether their grades are released to students')
    .option('--collection <id>', 'only batches of this collection')
    .option('--json', 'print JSON')
    .action(async (opts: { collection?: string; json?: boolean }, command: Command) => {
      const rows = await list(await configOf(command), opts.collection);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      const { printTable } = await import('../table.js');
      printTable(
        ['BATCH', 'STATUS', 'COLLECTION', 'CONFIG', 'BY', 'STARTED', 'RELEASED'],
        rows.map((r) => [
          r.batchId,
          r.status,
          r.collectionId,
          r.config,
          r.requestedBy,
          r.startedAt,
          r.released ?? '-',
        ]),
      );
    });

  for (const name of STEERING_ACTIONS) {
    batch
      .command(`${name} <batchId>`)
      .description(
        `${name} a running batch${name === 'cancel' ? ' (in-flight grading stops; a partial summary is written)' : ''}`,
      )
      .option(
        '--as <user>',
        'who asks (must be staff of the course; default ZINC_USER or your login; recorded in the audit log)',
      )
      .option('--reason <text>', 'why (recorded in the audit log)')
      .action(async (batchId: string, opts: { as?: string; reason?: string }, command: Command) => {
        await (await run()).steer(await configOf(command), command, batchId, name, opts);
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
        await (await run()).regradeFailed(await configOf(command), sourceId, opts);
      },
    );
  return batch;
}

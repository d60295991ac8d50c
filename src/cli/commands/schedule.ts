// `zinc schedule grade|list|pause|unpause|delete`: grading at the deadline with Temporal
// Schedules (src/core/grading-schedules.ts). A schedule fires while a `zinc up` (or the core's
// worker) runs; one missed while nothing ran fires when the stack is back.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { failureSpec } from '../../failures.js';
import type { ZincConfig } from '../../config/index.js';
import type { Zinc } from '../../main/zinc.js';
import {
  listGradingSchedules,
  scheduleGrading,
  steerGradingSchedule,
  SCHEDULE_ACTIONS,
  type GradingScheduleView,
  type ScheduleDeps,
} from '../../core/grading-schedules.js';
import { actor } from '../actor.js';
import { configFrom } from '../context.js';
import { withZincOf } from '../core-reach.js';
import { withStack, type Stack } from '../stack.js';
import { printTable } from '../table.js';
import { parseSpanSecs, parseTimeSpec } from '../time-spec.js';

/** A grading-config version ID (`cfg_` and 16 hex digits). */
const CONFIG_VERSION_ID = /^cfg_[0-9a-f]{16}$/;

/** The schedule functions' dependencies over this command's stack and zinc. */
function scheduleDeps(stack: Stack, zinc: Zinc): ScheduleDeps {
  return {
    temporal: stack.temporal,
    access: zinc.core.access,
    configs: zinc.pipeline.service.configs,
    audit: (entry) => zinc.core.batches.audit(entry),
  };
}

/** Runs a schedule command with Temporal and the database; a refusal is printed, not thrown. */
async function run(
  name: string,
  config: ZincConfig,
  fn: (deps: ScheduleDeps, zinc: Zinc, stack: Stack) => Promise<void>,
): Promise<void> {
  try {
    await withStack(config, (stack) =>
      withZincOf(stack, config, (zinc) => fn(scheduleDeps(stack, zinc), zinc, stack)),
    );
  } catch (err) {
    const spec = failureSpec((err as Error).name);
    if (!spec || (spec.kind !== 'request' && spec.kind !== 'config')) throw err;
    process.stderr.write(`${name}: ${(err as Error).message}\n`);
    process.exitCode = spec.exit ?? 1;
  }
}

function whenText(s: GradingScheduleView): string {
  return s.timing === 'at' ? `at ${s.fireAt}` : `at close + ${s.graceSecs} s: ${s.fireAt}`;
}

function lastRunText(s: GradingScheduleView): string {
  if (!s.lastRun) return '';
  return s.lastRun.started ? s.lastRun.batchId : `refused: ${s.lastRun.refusal.message}`;
}

function noWorkerNote(stack: Stack): string {
  return stack.inProcess
    ? 'No zinc up is running: the schedule fires once one runs (a time missed meanwhile fires when it starts).\n'
    : '';
}

/** Registers `zinc schedule ...`. */
export function registerScheduleCommands(program: Command): void {
  const schedule = program
    .command('schedule')
    .description('grading at the deadline: Temporal Schedules that start a batch');

  schedule
    .command('grade <collectionId>')
    .description(
      "grade the collection's latest deliveries at a time, or at its stop time plus a grace; one schedule per (collection, config version): asking again updates it",
    )
    .option('--at <time>', 'when: an ISO-8601 time, or a span from now such as 2h')
    .option('--at-close', "when the collection's window closes (its stop time), plus --grace")
    .option('--grace <span>', 'with --at-close: how long after the stop time (default 10m)')
    .option(
      '--config-version <version>',
      "grading-config version, attached to the collection (default: the collection's newest when it fires)",
    )
    .option(
      '--as <user>',
      'who asks (must be staff of the course; default ZINC_USER or your login)',
    )
    .option('--json', 'print the schedule as JSON')
    .action(
      async (
        collectionId: string,
        opts: {
          at?: string;
          atClose?: boolean;
          grace?: string;
          configVersion?: string;
          as?: string;
          json?: boolean;
        },
        command: Command,
      ) => {
        const file = command.optsWithGlobals<{ config?: string }>().config;
        if (file && CONFIG_VERSION_ID.test(file) && !existsSync(file)) {
          command.error(
            `zinc schedule grade: --config names zinc's configuration file; give a grading-config version with --config-version ${file}`,
          );
        }
        if ((opts.at === undefined) === (opts.atClose === undefined)) {
          command.error('zinc schedule grade: give either --at <time> or --at-close');
        }
        if (opts.grace !== undefined && !opts.atClose) {
          command.error('zinc schedule grade: --grace goes with --at-close');
        }
        const when = opts.at
          ? { at: parseTimeSpec(opts.at, '--at', 1) }
          : { atClose: { graceSecs: parseSpanSecs(opts.grace ?? '10m', '--grace') } };
        const config = configFrom(command);
        await run('zinc schedule grade', config, async (deps, _zinc, stack) => {
          const { schedule: view, created } = await scheduleGrading(deps, {
            collectionId,
            configVersion: opts.configVersion,
            requestedBy: actor(opts, config),
            when,
          });
          if (opts.json) {
            process.stdout.write(`${JSON.stringify({ ...view, created }, null, 2)}\n`);
            return;
          }
          process.stdout.write(
            `Schedule ${view.scheduleId} ${created ? 'created' : 'updated'}: grades ${collectionId} ${whenText(view)}${view.state === 'paused' ? ' (paused)' : ''}.\n` +
              noWorkerNote(stack),
          );
        });
      },
    );

  schedule
    .command('list')
    .description('grading schedules: when each fires, its state, and the batch it started')
    .option('--collection <id>', 'only schedules of this collection')
    .option('--json', 'print JSON')
    .action(async (opts: { collection?: string; json?: boolean }, command: Command) => {
      const config = configFrom(command);
      await run('zinc schedule list', config, async (deps, zinc) => {
        const collections = opts.collection
          ? [{ id: opts.collection }]
          : await zinc.submission.store.listCollections();
        const pairs = await Promise.all(
          collections.map(async (c) => ({
            collectionId: c.id,
            configVersions: (await zinc.pipeline.service.configs.listForCollection(c.id)).map(
              (v) => v.id,
            ),
          })),
        );
        const views = await listGradingSchedules(deps, pairs);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(views, null, 2)}\n`);
          return;
        }
        printTable(
          ['SCHEDULE', 'STATE', 'WHEN', 'CONFIG', 'BY', 'LAST RUN'],
          views.map((v) => [
            v.scheduleId,
            v.state,
            whenText(v),
            v.configVersion ?? 'newest',
            v.requestedBy,
            lastRunText(v),
          ]),
        );
      });
    });

  for (const action of SCHEDULE_ACTIONS) {
    schedule
      .command(`${action} <scheduleId>`)
      .description(
        action === 'delete'
          ? 'delete a grading schedule (batches it started are kept)'
          : `${action} a grading schedule${action === 'pause' ? ' (it does not fire while paused)' : ''}`,
      )
      .option('--as <user>', 'who asks (must be staff of the course)')
      .action(async (scheduleId: string, opts: { as?: string }, command: Command) => {
        const config = configFrom(command);
        await run(`zinc schedule ${action}`, config, async (deps) => {
          const view = await steerGradingSchedule(deps, {
            scheduleId,
            action,
            requestedBy: actor(opts, config),
          });
          process.stdout.write(
            action === 'delete'
              ? `Schedule ${scheduleId} deleted.\n`
              : `Schedule ${scheduleId} ${action}d: ${view.state}, grades ${whenText(view)}.\n`,
          );
        });
      });
  }
}

// `zinc import`, `zinc collections list`, `zinc deliveries list`: the submission extension's CLI.
// The listings read the database alone (src/cli/records.ts); the commands that write build zinc,
// loaded when they run.
import { CollectionNotFoundError, ImportError } from '../../failures.js';
import type { Command } from 'commander';
import { configFrom } from '../context.js';
import { actor } from '../actor.js';
import { withRecords } from '../records.js';
import { printTable } from '../table.js';

const zincModules = () =>
  Promise.all([import('../../main/zinc.js'), import('../../extensions/submission/index.js')]);

function parseTime(value: string, flag: string): Date {
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(date.getTime())) {
    throw new ImportError(
      `${flag}: "${value}" is not an ISO-8601 time such as 2026-09-01T00:00:00Z`,
    );
  }
  return date;
}

export function registerSubmissionCommands(program: Command): void {
  program
    .command('import <dir>')
    .description(
      'import deliveries: <dir> holds one folder or archive per delivery, named <studentId> or <studentId>@<ISO time>',
    )
    .requiredOption('--course <code>', 'course code, e.g. COMP2012 (created when missing)')
    .requiredOption('--activity <name>', 'activity name (created when missing)')
    .requiredOption('--collection <name>', 'collection name (created when missing)')
    .option('--start <time>', 'window start of a new collection (default: earliest delivery)')
    .option('--stop <time>', 'window stop of a new collection (default: latest delivery)')
    .option(
      '--as <user>',
      'who imports (made staff of a course this import creates; default ZINC_USER or your login)',
    )
    .option('--json', 'print the summary as JSON')
    .action(
      async (
        dir: string,
        opts: {
          course: string;
          activity: string;
          collection: string;
          start?: string;
          stop?: string;
          as?: string;
          json?: boolean;
        },
        command: Command,
      ) => {
        const config = configFrom(command);
        const importer = actor(opts, config);
        const [{ withZinc }, { importDeliveries }] = await zincModules();
        const summary = await withZinc(config, async ({ submission: { service, store } }) => {
          const existed = (await store.getCourseByCode(opts.course)) !== null;
          const result = await importDeliveries(service, dir, {
            course: opts.course,
            activity: opts.activity,
            collection: opts.collection,
            ...(opts.start ? { startAt: parseTime(opts.start, '--start') } : {}),
            ...(opts.stop ? { stopAt: parseTime(opts.stop, '--stop') } : {}),
          });
          // Whoever creates a course by importing it is its first staff member, so they can
          // grade what they imported; an existing course's members are left as they are.
          const course = await store.getCourseByCode(opts.course);
          if (!existed && course) {
            await store.ensureUser({ id: importer });
            await store.setMember(course.id, importer, 'staff');
          }
          return { ...result, courseCreated: !existed, staff: existed ? null : importer };
        });
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
        } else {
          process.stdout.write(
            `Collection ${summary.collectionId}: imported ${summary.imported}, skipped ${summary.skipped} already there, rejected ${summary.rejected.length}.\n`,
          );
          if (summary.staff !== null) {
            process.stdout.write(
              `Course ${opts.course} is new: ${summary.staff} is its staff (zinc user add <id> --course ${opts.course} --role staff adds others).\n`,
            );
          }
          for (const r of summary.rejected)
            process.stdout.write(`  rejected ${r.entry}: ${r.reason}\n`);
        }
        if (summary.rejected.length > 0) process.exitCode = 1;
      },
    );

  program
    .command('user')
    .description('course members')
    .command('add <userId>')
    .description('make a user a member of a course (student or staff)')
    .requiredOption('--course <code>', 'course code')
    .requiredOption('--role <role>', 'student or staff')
    .option('--name <displayName>', 'display name')
    .action(
      async (
        userId: string,
        opts: { course: string; role: string; name?: string },
        command: Command,
      ) => {
        if (opts.role !== 'student' && opts.role !== 'staff') {
          command.error(`zinc user add: --role must be student or staff, not "${opts.role}"`);
        }
        const [{ withZinc }] = await zincModules();
        await withZinc(configFrom(command), async ({ submission: { store } }) => {
          const course = await store.getCourseByCode(opts.course);
          if (!course)
            throw new ImportError(
              `course ${opts.course} does not exist (zinc import creates courses)`,
            );
          await store.ensureUser({ id: userId, ...(opts.name ? { displayName: opts.name } : {}) });
          await store.setMember(course.id, userId, opts.role as 'student' | 'staff');
        });
        process.stdout.write(`${userId} is ${opts.role} of ${opts.course}.\n`);
      },
    );

  program
    .command('collections')
    .description('collections of deliveries')
    .command('list')
    .description('list every collection')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, command: Command) => {
      const config = configFrom(command);
      const collections = await withRecords(config, ({ submissions }) =>
        submissions.listCollections(),
      );
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(collections, null, 2)}\n`);
        return;
      }
      printTable(
        ['ID', 'COURSE', 'ACTIVITY', 'COLLECTION', 'START', 'STOP'],
        collections.map((c) => [c.id, c.course.code, c.activity.name, c.name, c.startAt, c.stopAt]),
      );
    });

  program
    .command('deliveries')
    .description('deliveries of a collection')
    .command('list <collectionId>')
    .description("list a collection's deliveries")
    .option('--latest', 'only the latest delivery of each student')
    .option('--include-test', 'include staff test deliveries')
    .option('--json', 'print JSON')
    .action(
      async (
        collectionId: string,
        opts: { latest?: boolean; includeTest?: boolean; json?: boolean },
        command: Command,
      ) => {
        const config = configFrom(command);
        const deliveries = await withRecords(config, ({ submissions }) =>
          submissions.listDeliveries(collectionId, {
            latestOnly: opts.latest ?? false,
            includeTest: opts.includeTest ?? false,
          }),
        );
        if (deliveries === null) throw new CollectionNotFoundError(collectionId);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(deliveries, null, 2)}\n`);
          return;
        }
        printTable(
          ['ID', 'STUDENT', 'SUBMITTED', 'FILES', 'BYTES', 'LATE', 'TEST'],
          deliveries.map((d) => [
            d.id,
            d.userId,
            d.submittedAt,
            String(d.manifest.length),
            String(d.totalSize),
            d.late ? 'late' : '',
            d.isTest ? 'test' : '',
          ]),
        );
      },
    );
}

// `zinc import`, `zinc collections list|set-window|set-live|gradebook`, `zinc deliveries list`: the
// submission extension's CLI (the gradebook reads the core's batches too). The listings read the
// database alone (src/cli/records.ts); the commands that write build zinc, loaded when they run.
import { CollectionNotFoundError, ImportError, failureSpec } from '../../failures.js';
import type { Command } from 'commander';
import { isOpenStop } from '../../extensions/submission/constants.js';
import { configFrom } from '../context.js';
import { actor } from '../actor.js';
import { withRecords } from '../records.js';
import { printTable } from '../table.js';
import { registerGradebook } from './results.js';

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

/** A stop time as shown: `open (no stop)` for a collection with no deadline yet. */
function windowEnd(stopAt: string): string {
  return isOpenStop(stopAt) ? 'open (no stop)' : stopAt;
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
    .option(
      '--start <time>',
      'window start of a new collection (default: its earliest delivery, or now)',
    )
    .option(
      '--stop <time>',
      'window stop of a new collection (default: none, it stays open until zinc collections set-window --stop)',
    )
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
        const summary = await withZinc(config, async ({ submission: { service, store }, core }) => {
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
          const collection = await store.getCollection(result.collectionId);
          await core.batches.audit({
            actor: importer,
            action: 'import',
            target: result.collectionId,
            outcome: `imported ${result.imported}, skipped ${result.skipped}, rejected ${result.rejected.length}`,
            details: {
              imported: result.imported,
              skipped: result.skipped,
              rejected: result.rejected.length,
              courseCreated: !existed,
            },
            courseId: course?.id ?? null,
            collectionId: result.collectionId,
          });
          return {
            ...result,
            window: { startAt: collection!.startAt, stopAt: collection!.stopAt },
            courseCreated: !existed,
            staff: existed ? null : importer,
          };
        });
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
        } else {
          process.stdout.write(
            `Collection ${summary.collectionId}: imported ${summary.imported}, skipped ${summary.skipped} already there, rejected ${summary.rejected.length}.\n`,
          );
          process.stdout.write(
            isOpenStop(summary.window.stopAt)
              ? `It is open from ${summary.window.startAt} with no stop time; give it one with: zinc collections set-window ${summary.collectionId} --stop <time>\n`
              : `It is open from ${summary.window.startAt} to ${summary.window.stopAt}.\n`,
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

  const user = program.command('user').description('course members');

  user
    .command('add <userId>')
    .description('make a user a member of a course (student or staff; audited)')
    .requiredOption('--course <code>', 'course code')
    .requiredOption('--role <role>', 'student or staff')
    .option('--name <displayName>', 'display name')
    .option('--as <user>', 'who does it, for the audit log (default ZINC_USER or your login)')
    .action(
      async (
        userId: string,
        opts: { course: string; role: string; name?: string; as?: string },
        command: Command,
      ) => {
        if (opts.role !== 'student' && opts.role !== 'staff') {
          command.error(`zinc user add: --role must be student or staff, not "${opts.role}"`);
        }
        const config = configFrom(command);
        const [{ withZinc }] = await zincModules();
        await withZinc(config, async ({ submission: { store }, core }) => {
          const course = await store.getCourseByCode(opts.course);
          if (!course)
            throw new ImportError(
              `course ${opts.course} does not exist (zinc import creates courses)`,
            );
          const before = await store.getMemberRole(course.id, userId);
          await store.ensureUser({ id: userId, ...(opts.name ? { displayName: opts.name } : {}) });
          await store.setMember(course.id, userId, opts.role as 'student' | 'staff');
          await core.batches.audit({
            actor: actor(opts, config),
            action: 'user.add',
            target: userId,
            outcome:
              before === null ? 'added' : before === opts.role ? 'unchanged' : 'role changed',
            details: { course: opts.course, role: opts.role, previousRole: before },
            courseId: course.id,
          });
        });
        process.stdout.write(`${userId} is ${opts.role} of ${opts.course}.\n`);
      },
    );

  user
    .command('remove <userId>')
    .description('remove a user from a course (audited); their deliveries and reports are kept')
    .requiredOption('--course <code>', 'course code')
    .option('--as <user>', 'who does it, for the audit log (default ZINC_USER or your login)')
    .action(async (userId: string, opts: { course: string; as?: string }, command: Command) => {
      const config = configFrom(command);
      const [{ withZinc }] = await zincModules();
      await withZinc(config, async ({ submission: { store }, core }) => {
        const course = await store.getCourseByCode(opts.course);
        if (!course) throw new ImportError(`course ${opts.course} does not exist`);
        const role = await store.getMemberRole(course.id, userId);
        if (role === null) {
          throw new ImportError(`${userId} is not a member of course ${opts.course}`);
        }
        await store.removeMember(course.id, userId);
        await core.batches.audit({
          actor: actor(opts, config),
          action: 'user.remove',
          target: userId,
          outcome: 'removed',
          details: { course: opts.course, role },
          courseId: course.id,
        });
      });
      process.stdout.write(`${userId} is no longer a member of ${opts.course}.\n`);
    });

  user
    .command('list')
    .description('course members: course, user, role, name')
    .option('--course <code>', 'only this course')
    .option('--role <role>', 'only staff or only students')
    .option('--json', 'print JSON')
    .action(async (opts: { course?: string; role?: string; json?: boolean }, command: Command) => {
      if (opts.role !== undefined && opts.role !== 'student' && opts.role !== 'staff') {
        command.error(`zinc user list: --role must be student or staff, not "${opts.role}"`);
      }
      const role = opts.role;
      const members = await withRecords(configFrom(command), async ({ submissions }) => {
        let courseId: string | undefined;
        if (opts.course !== undefined) {
          const course = await submissions.getCourseByCode(opts.course);
          if (!course) throw new ImportError(`course ${opts.course} does not exist`);
          courseId = course.id;
        }
        return submissions.listMemberships({ courseId, role });
      });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(members, null, 2)}\n`);
        return;
      }
      printTable(
        ['COURSE', 'USER', 'ROLE', 'NAME'],
        members.map((m) => [m.courseCode, m.userId, m.role, m.displayName ?? '']),
      );
    });

  const collections = program.command('collections').description('collections of deliveries');

  collections
    .command('set-window <collectionId>')
    .description(
      "change a collection's window (staff of the course; audited); its at-close grading schedules move with the stop time",
    )
    .option('--start <time>', 'new start: an ISO-8601 time, or a span from now such as 2d')
    .option('--stop <time>', 'new stop: an ISO-8601 time, or a span from now such as 2d')
    .option(
      '--as <user>',
      'who asks (must be staff of the course; default ZINC_USER or your login)',
    )
    .option('--json', 'print the change as JSON')
    .action(
      async (
        collectionId: string,
        opts: { start?: string; stop?: string; as?: string; json?: boolean },
        command: Command,
      ) => {
        if (opts.start === undefined && opts.stop === undefined) {
          command.error('zinc collections set-window: give --start <time>, --stop <time>, or both');
        }
        const { parseTimeSpec } = await import('../time-spec.js');
        const startAt = opts.start ? parseTimeSpec(opts.start, '--start', 1) : undefined;
        const stopAt = opts.stop ? parseTimeSpec(opts.stop, '--stop', 1) : undefined;
        const config = configFrom(command);
        const [{ withStack }, { withZincOf }, { changeCollectionWindow }] = await Promise.all([
          import('../stack.js'),
          import('../core-reach.js'),
          import('../../core/collection-window.js'),
        ]);
        try {
          const change = await withStack(config, (stack) =>
            withZincOf(stack, config, (zinc) =>
              changeCollectionWindow(
                {
                  access: zinc.core.access,
                  submissions: zinc.submission.store,
                  configs: zinc.pipeline.service.configs,
                  temporal: stack.temporal,
                  audit: (entry) => zinc.core.batches.audit(entry),
                },
                { collectionId, startAt, stopAt, requestedBy: actor(opts, config) },
              ),
            ),
          );
          if (opts.json) {
            process.stdout.write(`${JSON.stringify(change, null, 2)}\n`);
            return;
          }
          process.stdout.write(
            `Collection ${collectionId} is open from ${change.after.startAt} to ${windowEnd(change.after.stopAt)} (was ${change.before.startAt} to ${windowEnd(change.before.stopAt)}).\n`,
          );
          for (const moved of change.movedSchedules) {
            process.stdout.write(
              moved.firedNow
                ? `Schedule ${moved.scheduleId}: its time ${moved.fireAt} has passed, so it fired now.\n`
                : `Schedule ${moved.scheduleId} moved: fires at ${moved.fireAt}.\n`,
            );
          }
        } catch (err) {
          const spec = failureSpec((err as Error).name);
          if (spec?.kind !== 'request') throw err;
          process.stderr.write(`zinc collections set-window: ${(err as Error).message}\n`);
          process.exitCode = spec.exit ?? 1;
        }
      },
    );

  collections
    .command('set-live <collectionId> <onOff>')
    .description(
      'turn live feedback on or off (staff of the course; audited): while on, each delivery uploaded through the API is graded at once, ahead of batch work',
    )
    .option(
      '--as <user>',
      'who asks (must be staff of the course; default ZINC_USER or your login)',
    )
    .option('--json', 'print the change as JSON')
    .action(
      async (
        collectionId: string,
        onOff: string,
        opts: { as?: string; json?: boolean },
        command: Command,
      ) => {
        if (onOff !== 'on' && onOff !== 'off') {
          command.error(`zinc collections set-live: say on or off, not ${JSON.stringify(onOff)}`);
        }
        const config = configFrom(command);
        const [{ withZinc }, { setLiveFeedback }] = await Promise.all([
          import('../../main/zinc.js'),
          import('../../core/live-feedback.js'),
        ]);
        try {
          // The setting is in the database alone: no Temporal needed.
          const change = await withZinc(config, (zinc) =>
            setLiveFeedback(
              {
                access: zinc.core.access,
                submissions: zinc.submission.store,
                audit: (entry) => zinc.core.batches.audit(entry),
              },
              { collectionId, on: onOff === 'on', requestedBy: actor(opts, config) },
            ),
          );
          if (opts.json) {
            process.stdout.write(`${JSON.stringify(change, null, 2)}\n`);
            return;
          }
          const word = (on: boolean) => (on ? 'on' : 'off');
          process.stdout.write(
            `Live feedback for collection ${collectionId} is ${word(change.after)} (was ${word(change.before)}).\n`,
          );
        } catch (err) {
          const spec = failureSpec((err as Error).name);
          if (spec?.kind !== 'request') throw err;
          process.stderr.write(`zinc collections set-live: ${(err as Error).message}\n`);
          process.exitCode = spec.exit ?? 1;
        }
      },
    );

  collections
    .command('list')
    .description('list every collection')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, command: Command) => {
      const config = configFrom(command);
      const listed = await withRecords(config, ({ submissions }) => submissions.listCollections());
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(listed, null, 2)}\n`);
        return;
      }
      printTable(
        ['ID', 'COURSE', 'ACTIVITY', 'COLLECTION', 'START', 'STOP'],
        listed.map((c) => [
          c.id,
          c.course.code,
          c.activity.name,
          c.name,
          c.startAt,
          windowEnd(c.stopAt),
        ]),
      );
    });
  registerGradebook(collections);

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

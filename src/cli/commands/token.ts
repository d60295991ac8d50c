// `zinc token create|list|revoke`: API tokens for users, and worker tokens for workers that
// fetch their configuration from the core (`zinc worker <component> --core`). A token is
// printed once, as the last word of the output; zinc keeps only its sha256.
import { InvalidTokenRequestError } from '../../failures.js';
import type { Command } from 'commander';
import type { ApiTokenRecord } from '../../core/auth.js';
import { configFrom } from '../context.js';
import { withZinc } from '../../main/zinc.js';
import { createWorkerTokenStore, type WorkerTokenRecord } from '../../core/worker-tokens.js';
import { isWorkerComponent, WORKER_COMPONENTS } from '../../core/config-service/access.js';
import { printTable } from '../table.js';
import { parseTimeSpec } from '../time-spec.js';
import { actor } from '../actor.js';
import { csvField } from '../../core/results-csv.js';
import type { Zinc } from '../../main/zinc.js';

/** Writes the audit row of a token action: its ID and whom it is for, never the secret. */
async function auditToken(
  zinc: Zinc,
  by: string,
  action: 'token.create' | 'token.revoke',
  tokenId: string,
  details: Record<string, unknown>,
  courseId: string | null = null,
): Promise<void> {
  await zinc.core.batches.audit({
    actor: by,
    action,
    target: tokenId,
    outcome: action === 'token.create' ? 'created' : 'revoked',
    details,
    courseId,
  });
}

/** The class tokens' CSV: one row per student, each cell safe to open in a spreadsheet. */
function classTokensCsv(
  rows: ReadonlyArray<{ userId: string; id: string; token: string; expiresAt: string | null }>,
): string {
  const lines = [
    'student,token_id,token,expires_at',
    ...rows.map((r) =>
      [r.userId, r.id, r.token, r.expiresAt ?? 'never'].map((cell) => csvField(cell)).join(','),
    ),
  ];
  return `${lines.join('\n')}\n`;
}

/** Registers `zinc token ...`. */
export function registerTokenCommands(program: Command): void {
  const token = program
    .command('token')
    .description('API and worker tokens (Authorization: Bearer <token>)');

  token
    .command('create')
    .description(
      'make an API token for a user (or one per member of a course, as CSV), or a worker token for a component; prints it once',
    )
    .option('--user <id>', 'the user an API token acts for (a member of some course)')
    .option(
      '--course <code>',
      'one API token per member of this course with --role, printed as CSV (student,token_id,token,expires_at)',
    )
    .option('--role <role>', 'with --course: student or staff')
    .option(
      '--worker <component>',
      `a worker token instead, for \`zinc worker <component> --core\` (${WORKER_COMPONENTS.join(', ')}): it reads that component's configuration sections and opens nothing else`,
    )
    .option(
      '--expires <when>',
      'an ISO-8601 time, a span such as 30d or 12h, or never (default: 90d for a user, never for a worker)',
    )
    .option('--description <text>', 'what the token is for')
    .option('--as <user>', 'who makes it, for the audit log (default ZINC_USER or your login)')
    .action(
      async (
        opts: {
          user?: string;
          worker?: string;
          course?: string;
          role?: string;
          expires?: string;
          description?: string;
          as?: string;
        },
        command: Command,
      ) => {
        const given = [opts.user, opts.worker, opts.course].filter((o) => o !== undefined);
        if (given.length !== 1) {
          command.error(
            'zinc token create: give one of --user <id>, --course <code> --role student, or --worker <component>',
          );
        }
        if (opts.course !== undefined && opts.role !== 'student' && opts.role !== 'staff') {
          command.error(
            `zinc token create: --course needs --role student (or staff)${opts.role === undefined ? '' : `, not "${opts.role}"`}`,
          );
        }
        if (opts.course === undefined && opts.role !== undefined) {
          command.error('zinc token create: --role goes with --course <code>');
        }
        const expires = opts.expires ?? (opts.worker !== undefined ? 'never' : '90d');
        const expiresAt = expires === 'never' ? null : parseTimeSpec(expires, '--expires', 1);
        const config = configFrom(command);
        const by = actor(opts, config);
        if (opts.course !== undefined) {
          const course = opts.course;
          const role = opts.role as 'student' | 'staff';
          const made = await withZinc(config, async (zinc) => {
            const { store } = zinc.submission;
            const found = await store.getCourseByCode(course);
            if (!found) throw new InvalidTokenRequestError(`course ${course} does not exist`);
            const members = await store.listMembers(found.id, role);
            if (members.length === 0) {
              throw new InvalidTokenRequestError(
                `course ${course} has no ${role === 'student' ? 'students' : 'staff'}; add them with zinc user add <id> --course ${course} --role ${role}`,
              );
            }
            const rows = [];
            for (const member of members) {
              const created = await zinc.core.tokens.create({
                userId: member.id,
                expiresAt,
                description: opts.description ?? `${role} of ${course}`,
              });
              await auditToken(
                zinc,
                by,
                'token.create',
                created.id,
                { userId: member.id, course },
                found.id,
              );
              rows.push(created);
            }
            return rows;
          });
          process.stdout.write(classTokensCsv(made));
          process.stderr.write(
            `Made ${made.length} tokens, one per ${role} of ${course}. They are shown only now (zinc keeps only their sha256): hand each ${role} their own, and keep this CSV safe or delete it.\n`,
          );
          return;
        }
        if (opts.worker !== undefined) {
          const component = opts.worker;
          if (!isWorkerComponent(component)) {
            command.error(
              `zinc token create: --worker: unknown component "${component}" (expected ${WORKER_COMPONENTS.join(', ')})`,
            );
          }
          const created = await withZinc(config, async (zinc) => {
            const made = await createWorkerTokenStore(zinc.platform.db).create({
              component,
              expiresAt,
              ...(opts.description ? { description: opts.description } : {}),
            });
            await auditToken(zinc, by, 'token.create', made.id, { worker: component });
            return made;
          });
          process.stdout.write(
            `Worker token ${created.id} for the ${created.component} component, ` +
              `${created.expiresAt ? `expires ${created.expiresAt}` : 'never expires'}. ` +
              `Start the worker with ZINC_WORKER_TOKEN set to it: zinc worker ${created.component} --core <address>. ` +
              'It is shown only now; zinc keeps only its sha256:\n' +
              `${created.token}\n`,
          );
          return;
        }
        const user = opts.user!;
        const made = await withZinc(config, async (zinc) => {
          const { submission, core } = zinc;
          const { store } = submission;
          const roles: string[] = [];
          const collections = await store.listCollections();
          const courses = new Map(collections.map((c) => [c.course.id, c.course.code]));
          for (const [courseId, code] of courses) {
            const role = await store.getMemberRole(courseId, user);
            if (role) roles.push(`${role} of ${code}`);
          }
          if (roles.length === 0) {
            throw new InvalidTokenRequestError(
              `${user} is not a member of any course; add them first: zinc user add ${user} --course <code> --role staff|student`,
            );
          }
          const created = await core.tokens.create({
            userId: user,
            expiresAt,
            ...(opts.description ? { description: opts.description } : {}),
          });
          await auditToken(zinc, by, 'token.create', created.id, { userId: user });
          return { created, roles };
        });
        const { created, roles } = made;
        process.stdout.write(
          `Token ${created.id} for ${created.userId} (${roles.join(', ')}), ` +
            `${created.expiresAt ? `expires ${created.expiresAt}` : 'never expires'}. ` +
            'It is shown only now; zinc keeps only its sha256:\n' +
            `${created.token}\n`,
        );
      },
    );

  token
    .command('list')
    .description('API and worker tokens (never their secrets), newest first')
    .option('--user <id>', "only this user's API tokens")
    .option('--worker <component>', "only this component's worker tokens")
    .option('--json', 'print JSON')
    .action(async (opts: { user?: string; worker?: string; json?: boolean }, command: Command) => {
      type Listed = (ApiTokenRecord & { kind: 'user' }) | (WorkerTokenRecord & { kind: 'worker' });
      const tokens: Listed[] = await withZinc(configFrom(command), async ({ core, platform }) => [
        ...(opts.worker === undefined
          ? (await core.tokens.list(opts.user)).map((t) => ({ kind: 'user' as const, ...t }))
          : []),
        ...(opts.user === undefined
          ? (await createWorkerTokenStore(platform.db).list(opts.worker)).map((t) => ({
              kind: 'worker' as const,
              ...t,
            }))
          : []),
      ]);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(tokens, null, 2)}\n`);
        return;
      }
      printTable(
        ['ID', 'FOR', 'CREATED', 'EXPIRES', 'REVOKED', 'DESCRIPTION'],
        tokens.map((t) => [
          t.id,
          t.kind === 'user' ? t.userId : `worker ${t.component}`,
          t.createdAt,
          t.expiresAt ?? 'never',
          t.revokedAt ?? '',
          t.description ?? '',
        ]),
      );
    });

  token
    .command('revoke <tokenId>')
    .description(
      'revoke a token: API requests with it get 401, workers starting with it are refused',
    )
    .option('--as <user>', 'who revokes it, for the audit log (default ZINC_USER or your login)')
    .action(async (tokenId: string, opts: { as?: string }, command: Command) => {
      const config = configFrom(command);
      const revoked = await withZinc(config, async (zinc) => {
        const done =
          (await zinc.core.tokens.revoke(tokenId)) ||
          (await createWorkerTokenStore(zinc.platform.db).revoke(tokenId));
        if (done) await auditToken(zinc, actor(opts, config), 'token.revoke', tokenId, {});
        return done;
      });
      if (!revoked) {
        throw new InvalidTokenRequestError(`there is no unrevoked token ${tokenId}`);
      }
      process.stdout.write(`Token ${tokenId} is revoked.\n`);
    });
}

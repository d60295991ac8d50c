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

/** Registers `zinc token ...`. */
export function registerTokenCommands(program: Command): void {
  const token = program
    .command('token')
    .description('API and worker tokens (Authorization: Bearer <token>)');

  token
    .command('create')
    .description(
      'make an API token for a user, or a worker token for a component; prints it once, as the last word',
    )
    .option('--user <id>', 'the user an API token acts for (a member of some course)')
    .option(
      '--worker <component>',
      `a worker token instead, for \`zinc worker <component> --core\` (${WORKER_COMPONENTS.join(', ')}): it reads that component's configuration sections and opens nothing else`,
    )
    .option(
      '--expires <when>',
      'an ISO-8601 time, a span such as 30d or 12h, or never (default: 90d for a user, never for a worker)',
    )
    .option('--description <text>', 'what the token is for')
    .action(
      async (
        opts: { user?: string; worker?: string; expires?: string; description?: string },
        command: Command,
      ) => {
        if ((opts.user === undefined) === (opts.worker === undefined)) {
          command.error('zinc token create: give either --user <id> or --worker <component>');
        }
        const expires = opts.expires ?? (opts.worker !== undefined ? 'never' : '90d');
        const expiresAt = expires === 'never' ? null : parseTimeSpec(expires, '--expires', 1);
        if (opts.worker !== undefined) {
          const component = opts.worker;
          if (!isWorkerComponent(component)) {
            command.error(
              `zinc token create: --worker: unknown component "${component}" (expected ${WORKER_COMPONENTS.join(', ')})`,
            );
          }
          const created = await withZinc(configFrom(command), ({ platform }) =>
            createWorkerTokenStore(platform.db).create({
              component,
              expiresAt,
              ...(opts.description ? { description: opts.description } : {}),
            }),
          );
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
        const made = await withZinc(configFrom(command), async ({ submission, core }) => {
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
    .action(async (tokenId: string, _opts, command: Command) => {
      const revoked = await withZinc(
        configFrom(command),
        async ({ core, platform }) =>
          (await core.tokens.revoke(tokenId)) ||
          (await createWorkerTokenStore(platform.db).revoke(tokenId)),
      );
      if (!revoked) {
        throw new InvalidTokenRequestError(`there is no unrevoked token ${tokenId}`);
      }
      process.stdout.write(`Token ${tokenId} is revoked.\n`);
    });
}

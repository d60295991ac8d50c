// `zinc token create|list|revoke`: API tokens. A token is printed once, as the last word of
// the output; zinc keeps only its sha256.
import { InvalidTokenRequestError } from '../../failures.js';
import type { Command } from 'commander';
import type { ApiTokenRecord } from '../../core/auth.js';
import { configFrom } from '../context.js';
import { withZinc } from '../../main/zinc.js';
import { printTable } from '../table.js';
import { parseTimeSpec } from '../time-spec.js';

/** Registers `zinc token ...`. */
export function registerTokenCommands(program: Command): void {
  const token = program.command('token').description('API tokens (Authorization: Bearer <token>)');

  token
    .command('create')
    .description('make an API token for a user; prints it once, as the last word')
    .requiredOption('--user <id>', 'the user the token acts for (a member of some course)')
    .option('--expires <when>', 'an ISO-8601 time, a span such as 30d or 12h, or never', '90d')
    .option('--description <text>', 'what the token is for')
    .action(
      async (opts: { user: string; expires: string; description?: string }, command: Command) => {
        const expiresAt =
          opts.expires === 'never' ? null : parseTimeSpec(opts.expires, '--expires', 1);
        const made = await withZinc(configFrom(command), async ({ submission, core }) => {
          const { store } = submission;
          const roles: string[] = [];
          const collections = await store.listCollections();
          const courses = new Map(collections.map((c) => [c.course.id, c.course.code]));
          for (const [courseId, code] of courses) {
            const role = await store.getMemberRole(courseId, opts.user);
            if (role) roles.push(`${role} of ${code}`);
          }
          if (roles.length === 0) {
            throw new InvalidTokenRequestError(
              `${opts.user} is not a member of any course; add them first: zinc user add ${opts.user} --course <code> --role staff|student`,
            );
          }
          const created = await core.tokens.create({
            userId: opts.user,
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
    .description('tokens (never their secrets), newest first')
    .option('--user <id>', "only this user's tokens")
    .option('--json', 'print JSON')
    .action(async (opts: { user?: string; json?: boolean }, command: Command) => {
      const tokens: ApiTokenRecord[] = await withZinc(configFrom(command), ({ core }) =>
        core.tokens.list(opts.user),
      );
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(tokens, null, 2)}\n`);
        return;
      }
      printTable(
        ['ID', 'USER', 'CREATED', 'EXPIRES', 'REVOKED', 'DESCRIPTION'],
        tokens.map((t) => [
          t.id,
          t.userId,
          t.createdAt,
          t.expiresAt ?? 'never',
          t.revokedAt ?? '',
          t.description ?? '',
        ]),
      );
    });

  token
    .command('revoke <tokenId>')
    .description('revoke a token: requests with it get 401 from now on')
    .action(async (tokenId: string, _opts, command: Command) => {
      const revoked = await withZinc(configFrom(command), ({ core }) =>
        core.tokens.revoke(tokenId),
      );
      if (!revoked) {
        throw new InvalidTokenRequestError(`there is no unrevoked token ${tokenId}`);
      }
      process.stdout.write(`Token ${tokenId} is revoked.\n`);
    });
}

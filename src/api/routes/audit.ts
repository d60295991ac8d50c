// GET /api/audit: the audit rows of the courses the caller is staff of (or of one collection),
// oldest first, a page at a time.
import { ForbiddenError } from '../../failures.js';
import { z } from 'zod';
import { userOf, type ApiContext, type ZodApp } from '../context.js';
import { errorResponses, idSchema, SECURITY } from '../schemas.js';

const auditRowSchema = z.object({
  id: z.number(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  target: z.string(),
  outcome: z
    .string()
    .describe('success, started, requested... or "error <status> <code>: <message>"'),
  courseId: z.string().nullable(),
  collectionId: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});

const querySchema = z.strictObject({
  since: z.iso
    .datetime({ offset: true, error: 'expected an ISO-8601 time such as 2026-09-01T00:00:00Z' })
    .optional()
    .describe('only rows at or after this time'),
  afterId: z.coerce
    .number({ error: 'expected a row ID' })
    .int('expected a row ID')
    .min(0, 'expected a row ID')
    .optional()
    .describe('only rows after this row ID (the next page starts after the last row)'),
  collectionId: idSchema.optional().describe('only rows of this collection'),
  limit: z.coerce
    .number({ error: 'expected a whole number' })
    .int('expected a whole number')
    .min(1, 'expected at least 1')
    .max(1000, 'expected at most 1000')
    .default(200),
});

/** Registers GET /api/audit. */
export function registerAuditRoutes(app: ZodApp, ctx: ApiContext): void {
  app.get(
    '/api/audit',
    {
      schema: {
        summary: 'Audit rows of the courses the caller is staff of',
        description:
          'Every state-changing request (who, what, when, outcome) and what batches did; staff see the rows of their own courses only.',
        tags: ['audit'],
        security: SECURITY,
        querystring: querySchema,
        response: {
          200: z.object({ rows: z.array(auditRowSchema), nextAfterId: z.number().nullable() }),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request) => {
      const user = userOf(request);
      const q = request.query;
      let scope: { collectionIds: string[]; courseIds: string[] };
      if (q.collectionId) {
        await ctx.access.collection(user, q.collectionId, 'audit.read');
        scope = { collectionIds: [q.collectionId], courseIds: [] };
      } else {
        scope = await ctx.access.staffScope(user);
        if (scope.courseIds.length === 0) {
          throw new ForbiddenError(
            `${user} is not staff of any course, so may not read the audit log`,
          );
        }
      }
      const rows = await ctx.batches.listAudit({
        since: q.since,
        afterId: q.afterId,
        limit: q.limit,
        ...scope,
      });
      const last = rows[rows.length - 1];
      return { rows, nextAfterId: rows.length === q.limit && last ? last.id : null };
    },
  );
}

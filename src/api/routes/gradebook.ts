// A collection's gradebook: one row per enrolled student with the latest good result over the
// collection's batches, as JSON or CSV (staff of the course only).
import { userOf, type ApiContext, type ZodApp } from '../context.js';
import { gradebookSchema, formatQuerySchema, sendCsv, wantsCsv } from '../results-view.js';
import { errorResponses, idParamsSchema, SECURITY } from '../schemas.js';

/** Registers GET /api/collections/:id/gradebook. */
export function registerGradebookRoute(app: ZodApp, ctx: ApiContext): void {
  app.get(
    '/api/collections/:id/gradebook',
    {
      schema: {
        summary: "A collection's gradebook: one row per enrolled student",
        description:
          "Staff of the course only. Each student of the course gets the latest good result over every batch of the collection (a regrade's rows win; an ERRORED row never replaces an earlier graded one); a student without a delivery gets NO_DELIVERY, one whose delivery no batch graded NOT_GRADED. JSON by default (the rows are those of a batch's results, with the batch each comes from); CSV with Accept: text/csv or ?format=csv. The same JSON as `zinc collections gradebook --format json`.",
        tags: ['batches'],
        security: SECURITY,
        params: idParamsSchema,
        querystring: formatQuerySchema,
        produces: ['application/json', 'text/csv'],
        response: { 200: gradebookSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const collectionId = request.params.id;
      await ctx.access.collection(userOf(request), collectionId, 'batch.read');
      const gradebook = await ctx.zinc.core.gradebook(collectionId);
      return wantsCsv(request, request.query.format)
        ? sendCsv(reply, `gradebook-${collectionId}`, gradebook.rows, gradebook.partial)
        : gradebook;
    },
  );
}

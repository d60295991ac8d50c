// Batches: start one (202 with its ID; the same request while it runs gives the same batch),
// list them, read one (live while it runs), and its results as JSON or CSV.
import { ForbiddenError } from '../../failures.js';
import { z } from 'zod';
import { admitBatch } from '../../core/batch-admission.js';
import { startBatch } from '../../core/batch-client.js';
import { listBatches, type BatchListing } from '../../core/batch-status.js';
import { resultsBeforeRecord } from '../../core/batch-results.js';
import { withSpan } from '../../platform/tracing.js';
import type { CollectionDetails } from '../../extensions/submission/index.js';
import { batchViewSchema, describeBatch, locateBatch } from '../batch-view.js';
import { batchResultsSchema, formatQuerySchema, sendCsv, wantsCsv } from '../results-view.js';
import { userOf, type ApiContext, type ZodApp } from '../context.js';
import { errorResponses, idParamsSchema, idSchema, SECURITY } from '../schemas.js';
import type { FastifyRequest } from 'fastify';

const startBodySchema = z.strictObject({
  collectionId: idSchema.describe('the collection whose latest deliveries are graded'),
  configVersion: idSchema
    .optional()
    .describe("a grading-config version (default: the collection's newest)"),
  concurrency: z
    .number({ error: 'expected a whole number' })
    .int('expected a whole number')
    .min(1, 'expected at least 1')
    .max(1000, 'expected at most 1000')
    .optional()
    .describe('deliveries graded at once (default: the configured grading.concurrency)'),
  includeTest: z.boolean().optional().describe('also grade staff test deliveries'),
  studentIds: z
    .array(idSchema)
    .min(1, 'expected at least one student ID')
    .max(100, 'expected at most 100 student IDs')
    .optional()
    .describe(
      "only these students' latest deliveries (404 for a student not enrolled or without a delivery)",
    ),
});

const releasedSchema = z
  .enum(['released', 'superseded'])
  .nullable()
  .describe(
    "released: students see this batch's grades (POST /api/batches/{id}/release); superseded: released once, then another batch of the collection was; null: never released",
  );

const listingSchema = z.object({
  batchId: z.string(),
  status: z.string(),
  collectionId: z.string(),
  config: z.string(),
  requestedBy: z.string(),
  startedAt: z.string(),
  released: releasedSchema,
});

/** Remembers the collection a request concerns, for its audit row. */
export function auditCollection(request: FastifyRequest) {
  return (collection: CollectionDetails): void => {
    request.zincAudit.collectionId = collection.id;
    request.zincAudit.courseId = collection.course.id;
  };
}

/** Registers POST/GET /api/batches, GET /api/batches/:id and GET /api/batches/:id/results. */
export function registerBatchRoutes(app: ZodApp, ctx: ApiContext): void {
  app.post(
    '/api/batches',
    {
      config: { audit: 'api.batch.start' },
      schema: {
        summary: "Grade every student's latest delivery of a collection",
        description:
          "Staff of the course only, with a config version attached to the collection (default: the collection's newest). Checked before any workflow starts: a refusal (403, 404, 409) starts nothing and records no batch. Answers 202 with the batch ID; asking again while that batch runs answers the same batch with existing: true.",
        tags: ['batches'],
        security: SECURITY,
        body: startBodySchema,
        response: {
          202: z.object({
            batchId: z.string(),
            existing: z.boolean(),
            status: z.literal('running'),
            url: z.string(),
          }),
          ...errorResponses(400, 401, 403, 404, 409, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const user = userOf(request);
      const body = request.body;
      request.zincAudit.target = body.collectionId;
      // Forbidden, ConfigNotAttached: 403; CollectionNotFound, ConfigNotFound: 404;
      // NoGradingConfig: 409. The audit hook records the refusal.
      const admission = await admitBatch(
        { ...ctx, students: ctx.zinc.submission.store },
        {
          collectionId: body.collectionId,
          configVersion: body.configVersion,
          requestedBy: user,
          studentIds: body.studentIds,
        },
        auditCollection(request),
      );
      const only = admission.deliveries;
      // The batch's trace starts here (in the caller's trace, given a W3C traceparent header).
      const { batchId, existing } = await withSpan(
        'POST /api/batches',
        { 'http.route': '/api/batches', 'zinc.collection_id': body.collectionId },
        () =>
          startBatch(ctx.temporal, ctx.config.grading, {
            collectionId: body.collectionId,
            configVersion: body.configVersion,
            concurrency: body.concurrency,
            includeTest: body.includeTest,
            requestedBy: user,
            ...(only ? { source: { kind: 'deliveries' as const, deliveries: only } } : {}),
          }),
        request.headers,
      );
      const url = `/api/batches/${batchId}`;
      request.zincAudit.target = batchId;
      request.zincAudit.outcome = existing ? 'already running' : 'started';
      request.zincAudit.details = {
        configVersion: body.configVersion ?? null,
        concurrency: body.concurrency ?? null,
        ...(body.studentIds ? { studentIds: body.studentIds } : {}),
      };
      return reply
        .code(202)
        .header('location', url)
        .send({ batchId, existing, status: 'running' as const, url });
    },
  );

  app.get(
    '/api/batches',
    {
      schema: {
        summary: 'Batches, newest first',
        description:
          'Of one collection (staff of its course), or of every collection of the courses the caller is staff of.',
        tags: ['batches'],
        security: SECURITY,
        querystring: z.strictObject({ collectionId: idSchema.optional() }),
        response: {
          200: z.object({ batches: z.array(listingSchema) }),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request) => {
      const user = userOf(request);
      const { collectionId } = request.query;
      /** Each batch with its release state, as `zinc batch list` shows it. */
      const withReleases = async (batches: BatchListing[]) => {
        const states = await ctx.zinc.core.releases.statesOf(batches.map((b) => b.batchId));
        return { batches: batches.map((b) => ({ ...b, released: states.get(b.batchId) ?? null })) };
      };
      if (collectionId) {
        await ctx.access.collection(user, collectionId, 'batch.read');
        return withReleases(await listBatches(ctx.temporal, { collectionId }));
      }
      const scope = await ctx.access.staffScope(user);
      if (scope.courseIds.length === 0) {
        throw new ForbiddenError(`${user} is not staff of any course, so may not list batches`);
      }
      const mine = new Set(scope.collectionIds);
      const all = await listBatches(ctx.temporal);
      return withReleases(all.filter((b) => mine.has(b.collectionId)));
    },
  );

  app.get(
    '/api/batches/:id',
    {
      schema: {
        summary: 'One batch: live progress while it runs, its record and summary after',
        tags: ['batches'],
        security: SECURITY,
        params: idParamsSchema,
        response: {
          200: batchViewSchema.extend({ released: releasedSchema }),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request) => {
      const batch = await locateBatch(ctx, request.params.id);
      await ctx.access.collection(userOf(request), batch.collectionId, 'batch.read');
      const states = await ctx.zinc.core.releases.statesOf([batch.batchId]);
      return { ...(await describeBatch(ctx, batch)), released: states.get(batch.batchId) ?? null };
    },
  );

  app.get(
    '/api/batches/:id/results',
    {
      schema: {
        summary:
          'One row per delivery of a batch: headline verdict, score, points, tests, lateness',
        description:
          'JSON by default ({batchId, status, partial, total, identical, rows}; partial is true while the batch runs and rows are still being added); CSV with Accept: text/csv or ?format=csv (docs/batches.md, Results). The same JSON as `zinc batch results --format json`.',
        tags: ['batches'],
        security: SECURITY,
        params: idParamsSchema,
        querystring: formatQuerySchema,
        produces: ['application/json', 'text/csv'],
        response: {
          200: batchResultsSchema,
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const batchId = request.params.id;
      const record = await ctx.batches.get(batchId);
      const collectionId = record?.collectionId ?? (await locateBatch(ctx, batchId)).collectionId;
      await ctx.access.collection(userOf(request), collectionId, 'batch.read');
      // A workflow that has not recorded its start yet has no rows so far.
      const results = record
        ? await ctx.zinc.core.results(batchId)
        : resultsBeforeRecord(batchId, collectionId);
      return wantsCsv(request, request.query.format)
        ? sendCsv(reply, batchId, results.rows, results.partial)
        : results;
    },
  );
}

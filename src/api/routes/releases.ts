// Regrade review and release: staff compare two batches of a collection (GET
// /api/batches/:id/diff?against=<old>) and release a completed batch's grades (POST
// /api/batches/:id/release); a student reads their released report of a collection (GET
// /api/collections/:id/my-report), with VISIBLE_AFTER_GRADING tests shown.
import { BatchNotFoundError } from '../../failures.js';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { DIFF_CHANGES, diffToCsv } from '../../core/batch-diff.js';
import { userOf, type ApiContext, type ZodApp } from '../context.js';
import { errorResponses, idParamsSchema, idSchema, SECURITY } from '../schemas.js';
import { wantsCsv } from '../results-view.js';
import { auditCollection } from './batches.js';

const releaseSchema = z.object({
  collectionId: z.string(),
  batchId: z.string(),
  releasedBy: z.string(),
  releasedAt: z.string(),
  supersededAt: z.string().nullable(),
  supersededBy: z.string().nullable(),
});

const diffSchema = z.object({
  collectionId: z.string(),
  oldBatchId: z.string(),
  newBatchId: z.string(),
  partial: z.boolean().describe('true while either batch runs: rows may still change'),
  counts: z.object({
    changed: z
      .number()
      .describe(
        'students in both batches whose score or verdict changed (improved and worsened included)',
      ),
    improved: z.number(),
    worsened: z.number(),
    unchanged: z.number(),
    onlyInOld: z.number(),
    onlyInNew: z.number(),
  }),
  rows: z.array(
    z.object({
      student: z.string(),
      change: z.enum(DIFF_CHANGES as [string, ...string[]]),
      oldVerdict: z.string().nullable(),
      newVerdict: z.string().nullable(),
      oldScore: z.number().nullable(),
      newScore: z.number().nullable(),
      delta: z.number().nullable().describe('newScore - oldScore; null unless both are scores'),
      maxScore: z.number().nullable(),
      oldDelivery: z.string().nullable(),
      newDelivery: z.string().nullable(),
    }),
  ),
});

/** Sends CSV text as an attachment named `name`.csv; X-Zinc-Partial says if more may come. */
function sendCsvText(reply: FastifyReply, name: string, text: string, partial: boolean) {
  return reply
    .type('text/csv; charset=utf-8')
    .header('x-zinc-partial', String(partial))
    .header('content-disposition', `attachment; filename="${name}.csv"`)
    .send(text);
}

/** Registers the diff, release and my-report routes. */
export function registerReleaseRoutes(app: ZodApp, ctx: ApiContext): void {
  app.get(
    '/api/batches/:id/diff',
    {
      schema: {
        summary:
          'What a regrade changed: the students whose score or verdict differs from another batch',
        description:
          'Staff of the course only. Compares batch :id (new) with ?against (old), both of one collection (400 otherwise, 404 naming an unknown batch): one row per student whose score or headline verdict changed, or who is in one batch only, with counts. JSON by default; CSV with Accept: text/csv or ?format=csv. The same JSON as `zinc batch diff <old> <new> --format json`.',
        tags: ['batches'],
        security: SECURITY,
        params: idParamsSchema,
        querystring: z.strictObject({
          against: idSchema.describe('the old batch'),
          format: z.enum(['json', 'csv'], { error: 'expected json or csv' }).optional(),
        }),
        produces: ['application/json', 'text/csv'],
        response: { 200: diffSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const newId = request.params.id;
      const oldId = request.query.against;
      const record = await ctx.batches.get(newId);
      if (!record) throw new BatchNotFoundError(`batch ${newId} does not exist`);
      await ctx.access.collection(userOf(request), record.collectionId, 'batch.read');
      const diff = await ctx.zinc.core.diff(oldId, newId);
      if (!wantsCsv(request, request.query.format)) return diff;
      return sendCsvText(reply, `diff-${oldId}-${newId}`, diffToCsv(diff.rows), diff.partial);
    },
  );

  app.post(
    '/api/batches/:id/release',
    {
      config: { audit: 'api.batch.release' },
      schema: {
        summary: "Release a completed batch's grades to the students of its collection",
        description:
          "Staff of the course only; only a completed batch (409 otherwise). One batch per collection is released: this supersedes the collection's earlier release (superseded names it). Students then read their report with GET /api/collections/{id}/my-report, VISIBLE_AFTER_GRADING tests shown. Releasing the released batch again changes nothing (already: true). Audited, refusals too.",
        tags: ['batches'],
        security: SECURITY,
        params: idParamsSchema,
        response: {
          200: z.object({
            batchId: z.string(),
            collectionId: z.string(),
            already: z.boolean(),
            release: releaseSchema,
            superseded: releaseSchema.nullable(),
          }),
          ...errorResponses(400, 401, 403, 404, 409),
        },
      },
    },
    async (request) => {
      const batchId = request.params.id;
      const done = await ctx.zinc.core.release({ batchId, requestedBy: userOf(request) });
      request.zincAudit.collectionId = done.collectionId;
      request.zincAudit.outcome = done.already ? 'already released' : 'released';
      request.zincAudit.details = { supersedes: done.superseded?.batchId ?? null };
      return done;
    },
  );

  app.get(
    '/api/collections/:id/my-report',
    {
      schema: {
        summary: "The caller's released report of a collection (the student view)",
        description:
          "For a student of the course: once staff have released a batch of the collection, the report of the student's newest delivery that the released batch (or a completed batch before it) graded, as the student sees it (VISIBLE_AFTER_GRADING tests shown, ALWAYS_HIDDEN ones not). 404 before any release, or when no released batch graded a delivery of theirs.",
        tags: ['reports'],
        security: SECURITY,
        params: idParamsSchema,
        response: {
          200: z.object({
            collectionId: z.string(),
            batchId: z.string(),
            deliveryId: z.string(),
            latestDeliveryId: z
              .string()
              .describe(
                "the student's latest delivery; differs from deliveryId when a later one is not graded in a released batch",
              ),
            releasedAt: z.string(),
            view: z.literal('student'),
            score: z.number().nullable(),
            maxScore: z.number().nullable(),
            configVersion: z.string(),
            report: z.record(z.string(), z.unknown()).describe('the student view of the report'),
          }),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request) => {
      const user = userOf(request);
      const collectionId = request.params.id;
      await ctx.access.collection(user, collectionId, 'report.read', auditCollection(request));
      const found = await ctx.zinc.core.releasedReport(collectionId, user);
      const shown = await ctx.pipeline.reportView(found.batchId, found.deliveryId, 'student', {
        gradingReleased: true,
      });
      if (!shown) {
        throw new BatchNotFoundError(`batch ${found.batchId} has no report of ${found.deliveryId}`);
      }
      return {
        collectionId,
        batchId: found.batchId,
        deliveryId: found.deliveryId,
        latestDeliveryId: found.latestDeliveryId,
        releasedAt: found.release.releasedAt,
        view: 'student' as const,
        score: shown.score,
        maxScore: shown.maxScore,
        configVersion: shown.record.configId,
        report: shown.report as unknown as Record<string, unknown>,
      };
    },
  );
}

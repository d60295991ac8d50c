// Deliveries: a student (or staff, as a test delivery) uploads files or an archive to a
// collection, with the service's limits and refusals; staff list a collection's deliveries, a
// student lists their own.
import { CollectionNotFoundError } from '../../failures.js';
import { z } from 'zod';
import type { FastifyRequest } from 'fastify';
import type { Delivery } from '../../extensions/submission/index.js';
import { userOf, type ApiContext, type ZodApp } from '../context.js';
import { booleanQuery, errorResponses, idParamsSchema, SECURITY } from '../schemas.js';
import { readUpload } from '../upload.js';
import { auditCollection } from './batches.js';
import { startLiveGrading } from '../../core/live-feedback.js';

const deliverySchema = z.object({
  id: z.string(),
  collectionId: z.string(),
  userId: z.string(),
  submittedAt: z.string(),
  late: z.boolean(),
  isTest: z.boolean().describe('made by staff: graded only when asked for, never exported'),
  totalSize: z.number(),
  sha256: z.string(),
  manifest: z.array(z.object({ path: z.string(), size: z.number(), sha256: z.string() })),
  createdAt: z.string(),
});

/** A delivery as the API shows it (where its files are stored is zinc's business). */
function publicDelivery(d: Delivery): z.infer<typeof deliverySchema> {
  return {
    id: d.id,
    collectionId: d.collectionId,
    userId: d.userId,
    submittedAt: d.submittedAt,
    late: d.late,
    isTest: d.isTest,
    totalSize: d.totalSize,
    sha256: d.sha256,
    manifest: d.manifest,
    createdAt: d.createdAt,
  };
}

/** Registers POST and GET /api/collections/:id/deliveries. */
export function registerDeliveryRoutes(app: ZodApp, ctx: ApiContext): void {
  app.post(
    '/api/collections/:id/deliveries',
    {
      config: { audit: 'api.delivery.create' },
      schema: {
        summary: 'Upload a delivery (multipart: files parts, or one archive part)',
        description:
          "A student may upload to an open collection of a course they take; staff uploads are test deliveries. Each `files` part's file name is its path in the delivery; an `archive` part holds a zip, tar or tar.gz. The limits are submission.limits: 413 over them, 400 for a refused delivery (unsafe path, archive bomb...), 403 quota_exceeded past the student's upload quota in the collection (max_deliveries_per_student, max_mb_per_student); a refusal stores nothing. When the collection has live feedback on, the delivery is graded at once and `liveFeedback.feedback` says where to read it.",
        tags: ['deliveries'],
        security: SECURITY,
        consumes: ['multipart/form-data'],
        params: idParamsSchema,
        response: {
          201: z.object({
            delivery: deliverySchema,
            inserted: z.boolean(),
            liveFeedback: z
              .object({ feedback: z.string().describe('where to read it (poll, or ?wait=)') })
              .optional()
              .describe('present when the collection has live feedback on: it is being graded'),
          }),
          ...errorResponses(400, 401, 403, 404, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const { delivery, inserted, live } = await receiveUpload(ctx, request, request.params.id);
      return reply.code(201).send({
        delivery: publicDelivery(delivery),
        inserted,
        ...(live ? { liveFeedback: { feedback: `/api/deliveries/${delivery.id}/feedback` } } : {}),
      });
    },
  );

  app.get(
    '/api/collections/:id/deliveries',
    {
      schema: {
        summary: "A collection's deliveries (staff), or the caller's own (student)",
        tags: ['deliveries'],
        security: SECURITY,
        params: idParamsSchema,
        querystring: z.strictObject({
          latest: booleanQuery.describe('only the latest delivery of each student'),
          includeTest: booleanQuery.describe('staff test deliveries too (staff only)'),
        }),
        response: {
          200: z.object({ collectionId: z.string(), deliveries: z.array(deliverySchema) }),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request) => {
      const user = userOf(request);
      const collectionId = request.params.id;
      const { view } = await ctx.access.collection(user, collectionId, 'delivery.list');
      const all = await ctx.submissions.store.listDeliveries(collectionId, {
        latestOnly: request.query.latest,
        includeTest: view === 'staff' && request.query.includeTest,
      });
      if (all === null) throw new CollectionNotFoundError(collectionId);
      const visible = view === 'staff' ? all : all.filter((d) => d.userId === user);
      return { collectionId, deliveries: visible.map(publicDelivery) };
    },
  );
}

/**
 * An upload by the request's user, for the API and the web app alike: who may upload is decided
 * before a byte of it is read, then the limits and the submission service refuse what they
 * refuse; the request's audit row is filled in. With live feedback on, grading starts at once
 * (the same delivery recorded again starts no second grading).
 */
export async function receiveUpload(
  ctx: ApiContext,
  request: FastifyRequest,
  collectionId: string,
): Promise<{ delivery: Delivery; inserted: boolean; live: boolean }> {
  const user = userOf(request);
  await ctx.access.collection(user, collectionId, 'delivery.create', auditCollection(request));
  const upload = await readUpload(request, ctx.limits);
  const { delivery, inserted } = await ctx.submissions.deliver({
    collectionId,
    userId: user,
    ...upload,
  });
  request.zincAudit.target = delivery.id;
  request.zincAudit.outcome = inserted ? 'stored' : 'already there';
  request.zincAudit.details = {
    files: delivery.manifest.length,
    totalSize: delivery.totalSize,
    sha256: delivery.sha256,
    late: delivery.late,
    isTest: delivery.isTest,
  };
  if (!(await ctx.submissions.store.getLiveFeedback(collectionId))) {
    return { delivery, inserted, live: false };
  }
  const started = await startLiveGrading(ctx.temporal, ctx.config.grading, delivery);
  request.zincAudit.details.liveFeedback = started.started ? 'started' : 'already started';
  return { delivery, inserted, live: true };
}

// Live feedback over HTTP (src/core/live-feedback.ts): staff turn it on or off for a collection
// (PATCH /api/collections/:id/live-feedback, audited); a delivery uploaded while it is on is
// graded at once, and GET /api/deliveries/:id/feedback answers pending or the report: the student
// view for the delivery's own student, the whole report for staff, nothing for anyone else.
import { ReportNotFoundError } from '../../failures.js';
import { z } from 'zod';
import {
  MAX_FEEDBACK_WAIT_SECS,
  readLiveFeedback,
  setLiveFeedback,
} from '../../core/live-feedback.js';
import { userOf, type ApiContext, type ZodApp } from '../context.js';
import { errorResponses, idParamsSchema, SECURITY } from '../schemas.js';
import { auditCollection } from './batches.js';

const waitQuery = z
  .string()
  .regex(/^\d+$/, `expected whole seconds, 0 to ${MAX_FEEDBACK_WAIT_SECS}`)
  .optional()
  .transform((v) => (v === undefined ? 0 : Number(v)))
  .refine((n) => n <= MAX_FEEDBACK_WAIT_SECS, `expected at most ${MAX_FEEDBACK_WAIT_SECS} seconds`);

const feedbackSchema = z.object({
  deliveryId: z.string(),
  status: z
    .enum(['pending', 'graded', 'failed'])
    .describe('pending: still grading (ask again, or with ?wait=); graded: report below'),
  reason: z.string().optional().describe('why the live grading failed (status failed)'),
  view: z.enum(['staff', 'student']).optional(),
  score: z.number().nullable().optional(),
  maxScore: z.number().nullable().optional(),
  configVersion: z.string().optional(),
  createdAt: z.string().optional(),
  report: z
    .record(z.string(), z.unknown())
    .optional()
    .describe('the report document; for the student, the student view (hidden tests removed)'),
});

/** Registers PATCH /api/collections/:id/live-feedback and GET /api/deliveries/:id/feedback. */
export function registerLiveFeedbackRoutes(app: ZodApp, ctx: ApiContext): void {
  app.patch(
    '/api/collections/:id/live-feedback',
    {
      config: { audit: 'api.collection.live' },
      schema: {
        summary: 'Turn live feedback on or off for a collection',
        description:
          "Staff of the course only. While on, each delivery uploaded through POST /api/collections/:id/deliveries is graded at once with the collection's newest config, ahead of batch work, and its feedback is read at GET /api/deliveries/:id/feedback. Live gradings never count as a batch's results.",
        tags: ['collections'],
        security: SECURITY,
        params: idParamsSchema,
        body: z.strictObject({ on: z.boolean().describe('true: on; false: off') }),
        response: {
          200: z.object({ collectionId: z.string(), before: z.boolean(), after: z.boolean() }),
          ...errorResponses(400, 401, 403, 404, 413, 415),
        },
      },
    },
    async (request) => {
      const change = await setLiveFeedback(
        {
          access: {
            collection: (userId, collectionId, what) =>
              ctx.access.collection(userId, collectionId, what, auditCollection(request)),
          },
          submissions: ctx.zinc.submission.store,
        },
        { collectionId: request.params.id, on: request.body.on, requestedBy: userOf(request) },
      );
      request.zincAudit.outcome = change.after ? 'on' : 'off';
      request.zincAudit.details = { before: change.before, after: change.after };
      return change;
    },
  );

  app.get(
    '/api/deliveries/:id/feedback',
    {
      schema: {
        summary: "A delivery's live feedback",
        description: `The live grading of a delivery uploaded while its collection had live feedback on: pending, or its report (the student view for the delivery's own student, without hidden tests; the whole report for staff), or failed with the reason. \`?wait=<secs>\` (at most ${MAX_FEEDBACK_WAIT_SECS}) waits that long for a pending grading to end. 404 when the delivery was not graded live; 403 for another student's delivery.`,
        tags: ['deliveries'],
        security: SECURITY,
        params: idParamsSchema,
        querystring: z.strictObject({
          wait: waitQuery.describe(
            `seconds to wait for a pending grading (0 to ${MAX_FEEDBACK_WAIT_SECS}; default 0)`,
          ),
        }),
        response: { 200: feedbackSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const deliveryId = request.params.id;
      const { view } = await ctx.access.delivery(userOf(request), deliveryId, 'report.read');
      const feedback = await readLiveFeedback(
        { temporal: ctx.temporal, pipeline: ctx.pipeline },
        deliveryId,
        view,
        request.query.wait,
      );
      switch (feedback.status) {
        case 'none':
          throw new ReportNotFoundError(
            `delivery ${deliveryId} was not graded live: its collection did not have live feedback on when it was uploaded`,
          );
        case 'pending':
          return { deliveryId, status: 'pending' as const };
        case 'failed':
          return { deliveryId, status: 'failed' as const, reason: feedback.reason };
        case 'graded': {
          const { shown } = feedback;
          return {
            deliveryId,
            status: 'graded' as const,
            view: shown.view,
            score: shown.score,
            maxScore: shown.maxScore,
            configVersion: shown.record.configId,
            createdAt: shown.record.createdAt,
            report: shown.report as unknown as Record<string, unknown>,
          };
        }
      }
    },
  );
}

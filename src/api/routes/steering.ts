// POST /api/batches/:id/pause|resume|cancel: staff of the course steer a running batch. The
// workflow acts on the signal and audits it again when it does.
import { z } from 'zod';
import { steerBatch, STEERING_ACTIONS } from '../../core/batch-status.js';
import { locateBatch } from '../batch-view.js';
import { userOf, type ApiContext, type ZodApp } from '../context.js';
import { errorResponses, idParamsSchema, SECURITY } from '../schemas.js';
import { auditCollection } from './batches.js';

const steeringBodySchema = z
  .strictObject({
    reason: z
      .string()
      .min(1, 'expected a non-empty reason')
      .max(500, 'expected a reason of at most 500 characters')
      .optional()
      .describe('why (recorded in the audit log)'),
  })
  .nullish()
  .describe('optional; an empty body will do');

const WILL_BE = { pause: 'paused', resume: 'resumed', cancel: 'cancelled' } as const;

/** Registers the three steering routes. */
export function registerSteeringRoutes(app: ZodApp, ctx: ApiContext): void {
  for (const action of STEERING_ACTIONS) {
    app.post(
      `/api/batches/:id/${action}`,
      {
        config: { audit: `api.batch.${action}` },
        schema: {
          summary: `Ask a running batch to ${action}`,
          description: `Staff of the course only. 202 when asked; 409 when the batch has already ended.${action === 'cancel' ? ' In-flight grading stops and a partial summary is written.' : ''}`,
          tags: ['batches'],
          security: SECURITY,
          params: idParamsSchema,
          body: steeringBodySchema,
          response: {
            202: z.object({
              batchId: z.string(),
              action: z.enum(STEERING_ACTIONS),
              message: z.string(),
            }),
            ...errorResponses(400, 401, 403, 404, 409, 413, 415),
          },
        },
      },
      async (request, reply) => {
        const user = userOf(request);
        const batchId = request.params.id;
        const batch = await locateBatch(ctx, batchId);
        await ctx.access.collection(
          user,
          batch.collectionId,
          'batch.steer',
          auditCollection(request),
        );
        const reason = request.body?.reason;
        await steerBatch(ctx.temporal, batchId, action, {
          by: user,
          ...(reason ? { reason } : {}),
        });
        request.zincAudit.outcome = 'requested';
        if (reason) request.zincAudit.details = { reason };
        return reply.code(202).send({
          batchId,
          action,
          message: `batch ${batchId}: ${action} requested (it will be ${WILL_BE[action]})`,
        });
      },
    );
  }
}

// POST /api/batches/:id/pause|resume|cancel: staff of the course steer a running batch. The
// workflow acts on the signal and audits it again when it does. POST /api/batches/:id/terminate
// ends it at once (src/core/batch-termination.ts).
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { reconcileBatch } from '../../core/batch-reconciler.js';
import { checkTermination, terminateBatch } from '../../core/batch-termination.js';
import { steerBatch, steeringRequest, STEERING_ACTIONS } from '../../core/batch-status.js';
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
        await steerBatch(
          ctx.temporal,
          batchId,
          action,
          await steeringRequest(user, reason, (words) =>
            ctx.batches.saveSteeringReason(batchId, user, words),
          ),
        );
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

const terminateBodySchema = z.strictObject({
  reason: z
    .string()
    .trim()
    .min(1, 'expected a non-empty reason')
    .max(500, 'expected a reason of at most 500 characters')
    .describe('why (recorded in the audit log, the batch record and its summary)'),
});

/** Registers POST /api/batches/:id/terminate. */
export function registerTerminateRoute(app: ZodApp, ctx: ApiContext): void {
  app.post(
    '/api/batches/:id/terminate',
    {
      config: { audit: 'api.batch.terminate' },
      schema: {
        summary: 'Terminate a running batch now',
        description:
          "Staff of the course only; a reason is required. In-flight grading is cancelled and the batch ends as terminated (record, summary, ZincBatchStatus). A workflow that does not end within 10 s is terminated through Temporal and its record reconciled (its ZincBatchStatus then keeps its last value: Temporal cannot change a closed workflow's search attributes). 200 when it has ended; 409 when it had already ended.",
        tags: ['batches'],
        security: SECURITY,
        params: idParamsSchema,
        body: terminateBodySchema,
        response: {
          200: z.object({
            batchId: z.string(),
            status: z.literal('terminated'),
            recordedBy: z
              .enum(['workflow', 'temporal'])
              .describe(
                'workflow: the batch recorded its end; temporal: terminated through Temporal',
              ),
            message: z.string(),
          }),
          ...errorResponses(400, 401, 403, 404, 409, 413, 415),
        },
      },
    },
    async (request) => {
      const batchId = request.params.id;
      const outcome = await terminateForRequest(ctx, request, batchId, request.body.reason);
      return {
        batchId,
        status: 'terminated' as const,
        recordedBy: outcome === 'recorded' ? ('workflow' as const) : ('temporal' as const),
        message: `batch ${batchId} terminated`,
      };
    },
  );
}

/**
 * Terminates a batch for the request's user, for the API and the web app alike: checked (and a
 * refusal audited, batch.terminate) as `zinc batch terminate` is, a batch ended through Temporal
 * reconciled at once; fills in the request's audit row.
 */
export async function terminateForRequest(
  ctx: ApiContext,
  request: FastifyRequest,
  batchId: string,
  reason: string,
): Promise<'recorded' | 'forced'> {
  const user = userOf(request);
  const batch = await locateBatch(ctx, batchId);
  request.zincAudit.collectionId = batch.collectionId;
  await checkTermination(ctx, {
    batchId,
    collectionId: batch.collectionId,
    requestedBy: user,
    reason,
  });
  const reasonId = await ctx.batches.saveSteeringReason(batchId, user, reason);
  const outcome = await terminateBatch(ctx.temporal, batchId, { by: user, reason, reasonId });
  if (outcome === 'forced') {
    const record = await ctx.batches.get(batchId);
    if (record) await reconcileBatch(ctx.zinc.core, ctx.temporal, record);
  }
  request.zincAudit.outcome = outcome === 'recorded' ? 'terminated' : 'terminated through Temporal';
  request.zincAudit.details = { reason };
  return outcome;
}

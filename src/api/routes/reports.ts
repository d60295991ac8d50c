// GET /api/reports/:batchId/:deliveryId: the whole report for staff of the course, the
// student view (hidden tests and hidden outputs removed) for the student whose delivery it is,
// of a batch's report only once staff have released it (src/core/grade-release.ts).
import { ForbiddenError, isFailure, ReportNotFoundError } from '../../failures.js';
import { z } from 'zod';
import { userOf, type ApiContext, type ZodApp } from '../context.js';
import { errorResponses, idSchema, SECURITY } from '../schemas.js';

/** Registers the report route. */
export function registerReportRoutes(app: ZodApp, ctx: ApiContext): void {
  app.get(
    '/api/reports/:batchId/:deliveryId',
    {
      schema: {
        summary: 'The report of one delivery in one batch',
        description:
          "Staff of the course get the whole report (view: staff); the delivery's own student gets the student view (view: student), without what visibility and hide_from_report hide, of a batch's report only once its grades are released (zinc batch release) and only the report GET /api/collections/{id}/my-report shows them (403 otherwise); VISIBLE_AFTER_GRADING tests then show. A report made outside a batch record is shown as before, VISIBLE_AFTER_GRADING tests hidden.",
        tags: ['reports'],
        security: SECURITY,
        params: z.strictObject({ batchId: idSchema, deliveryId: idSchema }),
        response: {
          200: z.object({
            batchId: z.string(),
            deliveryId: z.string(),
            userId: z.string(),
            view: z.enum(['staff', 'student']),
            score: z.number().nullable(),
            maxScore: z.number().nullable(),
            configVersion: z.string(),
            createdAt: z.string(),
            report: z.record(z.string(), z.unknown()).describe('the report document (ZINC shape)'),
          }),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request) => {
      const { batchId, deliveryId } = request.params;
      const { delivery, shown } = await readReport(ctx, userOf(request), batchId, deliveryId);
      return {
        batchId,
        deliveryId,
        userId: delivery.userId,
        configVersion: shown.record.configId,
        createdAt: shown.record.createdAt,
        view: shown.view,
        score: shown.score,
        maxScore: shown.maxScore,
        report: shown.report as unknown as Record<string, unknown>,
      };
    },
  );
}

/**
 * A report as `userId` may read it, for the API and the web app alike: the whole report for
 * staff; for the delivery's student the student view, of a batch's report only once released.
 */
export async function readReport(
  ctx: ApiContext,
  userId: string,
  batchId: string,
  deliveryId: string,
) {
  const found = await ctx.access.delivery(userId, deliveryId, 'report.read');
  const { delivery, view } = found;
  const released =
    view === 'student' && (await ctx.batches.get(batchId)) !== null
      ? await requireReleased(ctx, delivery.collectionId, delivery.userId, batchId, deliveryId)
      : false;
  const shown = await ctx.pipeline.reportView(batchId, deliveryId, view, {
    gradingReleased: released,
  });
  if (!shown) {
    throw new ReportNotFoundError(`batch ${batchId} has no report of delivery ${deliveryId}`);
  }
  return { ...found, shown };
}

/**
 * For a student reading a batch's report: true when it is their released report of the
 * collection; ForbiddenError saying so otherwise (not released yet, or not the released one).
 */
async function requireReleased(
  ctx: ApiContext,
  collectionId: string,
  userId: string,
  batchId: string,
  deliveryId: string,
): Promise<true> {
  try {
    const found = await ctx.zinc.core.releasedReport(collectionId, userId);
    if (found.batchId === batchId && found.deliveryId === deliveryId) return true;
  } catch (err) {
    if (!isFailure(err, 'ReportNotFound')) throw err;
  }
  throw new ForbiddenError(
    `the grades of batch ${batchId} are not released to students; read your released report with GET /api/collections/${collectionId}/my-report`,
  );
}

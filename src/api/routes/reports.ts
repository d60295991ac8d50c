// GET /api/reports/:batchId/:deliveryId: the whole report for staff of the course, the
// student view (hidden tests and hidden outputs removed) for the student whose delivery it is.
import { ReportNotFoundError } from '../../failures.js';
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
          "Staff of the course get the whole report (view: staff); the delivery's own student gets the student view (view: student), without what visibility and hide_from_report hide. Grading is not released through the API yet, so VISIBLE_AFTER_GRADING tests stay hidden from students.",
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
      const { delivery, view } = await ctx.access.delivery(
        userOf(request),
        deliveryId,
        'report.read',
      );
      const shown = await ctx.pipeline.reportView(batchId, deliveryId, view);
      if (!shown) {
        throw new ReportNotFoundError(`batch ${batchId} has no report of delivery ${deliveryId}`);
      }
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

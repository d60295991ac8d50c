// GET /healthz (the process answers) and GET /readyz (the database, object storage and Temporal
// answer; 503 naming what does not; the telemetry exporters' state beside), and the OpenAPI
// document.
import { z } from 'zod';
import type { ApiContext, ZodApp } from '../context.js';
import { metricsStatus } from '../../platform/metrics-server.js';
import { tracingStatus } from '../../platform/tracing.js';

/** How long one readiness probe may take before it counts as unreachable. */
const PROBE_TIMEOUT_MS = 3_000;

/** Runs one check with a deadline; "ok", or "unreachable: <why>". */
async function probe(check: () => Promise<unknown>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS / 1000} s`)),
          PROBE_TIMEOUT_MS,
        );
      }),
    ]);
    return 'ok';
  } catch (err) {
    return `unreachable: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
  } finally {
    clearTimeout(timer);
  }
}

const readinessSchema = z.object({
  status: z.enum(['ready', 'unavailable']),
  message: z.string(),
  checks: z.object({ database: z.string(), objectStorage: z.string(), temporal: z.string() }),
  /** The telemetry exporters' state: reported, never a reason to be unready. */
  exporters: z.object({ metrics: z.string(), traces: z.string() }),
});

/** Registers /healthz, /readyz and /api/openapi.json (all served without a token). */
export function registerHealthRoutes(app: ZodApp, ctx: ApiContext): void {
  app.get(
    '/healthz',
    {
      config: { public: true, rateLimit: false },
      schema: {
        summary: 'The process is up',
        tags: ['health'],
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
    },
    () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config: { public: true, rateLimit: false },
      schema: {
        summary: 'The database, object storage and Temporal are reachable (503 names what is not)',
        tags: ['health'],
        response: { 200: readinessSchema, 503: readinessSchema },
      },
    },
    async (_request, reply) => {
      const [database, objectStorage, temporal] = await Promise.all([
        probe(() => ctx.platform.db.query('SELECT 1')),
        probe(() => ctx.platform.objects.exists('zinc-readiness-probe')),
        // A deadline rather than an abort: the client's retries stop at a passed deadline.
        probe(() =>
          ctx.temporal.connection.withDeadline(Date.now() + PROBE_TIMEOUT_MS, () =>
            ctx.temporal.connection.workflowService.describeNamespace({
              namespace: ctx.temporal.namespace,
            }),
          ),
        ),
      ]);
      const checks = { database, objectStorage, temporal };
      const exporters = { metrics: metricsStatus(), traces: tracingStatus() };
      const down = Object.entries(checks)
        .filter(([, v]) => v !== 'ok')
        .map(([k, v]) => `${k} ${v}`);
      if (down.length === 0) {
        return { status: 'ready' as const, message: 'ready', checks, exporters };
      }
      return reply.code(503).send({
        status: 'unavailable' as const,
        message: `not ready: ${down.join('; ')}`,
        checks,
        exporters,
      });
    },
  );

  app.get('/api/openapi.json', { config: { public: true }, schema: { hide: true } }, () =>
    app.swagger(),
  );
}

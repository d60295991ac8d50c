// The API's request metrics (prom-client's default registry, served by the process's /metrics):
// one latency histogram by method, route pattern and status, whose _count is the request count.
// The route is Fastify's pattern (/api/batches/:id), never the raw URL, so IDs never become
// labels; requests no route matched share the label "unmatched".
import type { FastifyInstance } from 'fastify';
import { Histogram } from 'prom-client';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** API request latency by method, route pattern and status code. */
export const apiRequestDuration = new Histogram({
  name: 'zinc_api_request_duration_seconds',
  help: 'HTTP API request latency by method, route pattern (not the raw URL) and status code; _count is the request count',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
});

/** Observes every answered request of `app` (an onResponse hook: after the answer is sent). */
export function installRequestMetrics(app: Pick<FastifyInstance, 'addHook'>): void {
  app.addHook('onResponse', async (request, reply) => {
    apiRequestDuration.observe(
      {
        method: METHODS.has(request.method) ? request.method : 'other',
        route: request.routeOptions.url ?? 'unmatched',
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });
}

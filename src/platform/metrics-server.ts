// A zinc process's Prometheus endpoint: `GET /metrics` on the configured address serves
// prom-client's default registry (zinc's business metrics, declared by their owners, and
// Node's process metrics), followed by any extra text, the Temporal SDK's metrics fetched
// from the SDK runtime's own internal exporter, so one scrape has both.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { collectDefaultMetrics, register } from 'prom-client';
import { MetricsListenError } from '../failures.js';

export interface MetricsServerOptions {
  /** host:port to listen on; port 0 picks a free one. */
  address: string;
  /** Prometheus text appended to the registry's (another exporter's), or '' when it has none. */
  extra?: () => Promise<string>;
}

export interface RunningMetricsServer {
  /** The endpoint's URL, e.g. http://127.0.0.1:9464/metrics. */
  url: string;
  /** Why it is not where configured, when it is not (shown beside the URL). */
  note?: string;
  close(): Promise<void>;
}

let defaultsCollected = false;

/** Splits `host:port` (IPv6 hosts in brackets) into its parts. */
export function parseHostPort(address: string): { host: string; port: number } {
  const match = /^(\[([0-9a-fA-F:]+)\]|[^:\s]+):(\d{1,5})$/.exec(address);
  if (!match) throw new MetricsListenError(`not a host:port address: ${address}`);
  return { host: match[2] ?? match[1]!, port: Number(match[3]) };
}

/** The registry's text and the extra text, as one exposition. */
export async function metricsText(extra?: () => Promise<string>): Promise<string> {
  const own = await register.metrics();
  const more = extra ? await extra().catch(() => '') : '';
  if (more.trim() === '') return own;
  return `${own.endsWith('\n') ? own : `${own}\n`}${more.endsWith('\n') ? more : `${more}\n`}`;
}

/**
 * Serves `/metrics` on `options.address` until closed. A port taken (or an address this machine
 * lacks) is a MetricsListenError naming the address and how to choose another.
 */
export async function startMetricsServer(
  options: MetricsServerOptions,
): Promise<RunningMetricsServer> {
  const { host, port } = parseHostPort(options.address);
  if (!defaultsCollected) {
    collectDefaultMetrics();
    defaultsCollected = true;
  }
  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      response.end('not found: metrics are served at GET /metrics\n');
      return;
    }
    metricsText(options.extra).then(
      (text) => {
        response.writeHead(200, { 'content-type': register.contentType });
        response.end(request.method === 'HEAD' ? undefined : text);
      },
      (err: unknown) => {
        response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        response.end(`metrics could not be collected: ${String(err)}\n`);
      },
    );
  };
  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      const why =
        err.code === 'EADDRINUSE'
          ? 'the port is in use'
          : err.code === 'EADDRNOTAVAIL'
            ? 'this machine has no such address'
            : err.message;
      reject(
        new MetricsListenError(
          `the metrics endpoint cannot listen on ${options.address}: ${why}; choose another with telemetry.metrics.address or ZINC_METRICS_ADDRESS (port 0: a free one), or serve none with telemetry.metrics.enabled: false`,
          { cause: err },
        ),
      );
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const bound = server.address();
  const boundPort = typeof bound === 'object' && bound ? bound.port : port;
  const shownHost =
    host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${boundPort}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

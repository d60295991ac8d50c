// The metrics of a serving zinc process (`zinc up`, `zinc worker`, `zinc api`): the Temporal SDK
// runtime installed with its own Prometheus exporter on an internal loopback port, and the one
// /metrics endpoint that serves zinc's metrics followed by the SDK's.
import type { ZincConfig } from '../config/index.js';
import type { Zinc } from '../main/zinc.js';
import { observeRunningBatches } from '../core/metrics.js';
import { freeLoopbackAddress } from '../platform/free-port.js';
import { startMetricsServer, type RunningMetricsServer } from '../platform/metrics-server.js';
import { METRICS_DEFAULT_ADDRESS } from '../platform/telemetry-config.js';
import { installRuntime, sdkMetricsUrl, type RuntimeLogOptions } from '../temporal/runtime.js';

/** How long a scrape waits for the SDK's exporter before serving zinc's metrics alone. */
const SDK_FETCH_TIMEOUT_MS = 2_000;

async function fetchSdkMetrics(url: string): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(SDK_FETCH_TIMEOUT_MS) });
  return response.ok ? response.text() : '';
}

/**
 * Installs the SDK runtime (logging as `log` says; with its metrics exporter when metrics are
 * enabled) and starts the /metrics endpoint; undefined when `telemetry.metrics.enabled` is false.
 * Throws MetricsListenError when the configured address cannot be served.
 */
export async function startProcessMetrics(
  config: ZincConfig,
  log: RuntimeLogOptions = {},
): Promise<RunningMetricsServer | undefined> {
  const { enabled, address } = config.telemetry.metrics;
  installRuntime({
    ...log,
    ...(enabled ? { sdkMetricsAddress: await freeLoopbackAddress() } : {}),
  });
  if (!enabled) return undefined;
  const sdk = sdkMetricsUrl();
  const serveOn = (on: string): Promise<RunningMetricsServer> =>
    startMetricsServer({
      address: on,
      ...(sdk !== undefined ? { extra: () => fetchSdkMetrics(sdk) } : {}),
    });
  try {
    return await serveOn(address);
  } catch (err) {
    // The default port is for the first zinc process on a machine: a second one (a `zinc worker`
    // beside `zinc up`) takes a free port and prints it. A configured address is kept to.
    const inUse = (err as Error & { cause?: { code?: string } }).cause?.code === 'EADDRINUSE';
    if (address !== METRICS_DEFAULT_ADDRESS || !inUse) throw err;
    const server = await serveOn('127.0.0.1:0');
    return { ...server, note: `${METRICS_DEFAULT_ADDRESS} was taken by another process` };
  }
}

/** Has this process's /metrics report the running batches of `zinc`'s core (a core process). */
export function reportRunningBatches(zinc: Zinc): void {
  observeRunningBatches(() => zinc.core.batches.countWithStatus('running'));
}

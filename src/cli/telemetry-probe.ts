// What `zinc doctor` says of the telemetry exporters and the event bus: whether a zinc process serves /metrics at
// the configured address, and whether the configured OTLP endpoint takes traces (an empty export,
// which a collector accepts and stores nothing of), and whether the NATS server answers.
import type { TelemetryConfig } from '../platform/telemetry-config.js';
import { natsOptions, type EventsConfig } from '../platform/events-config.js';

const PROBE_TIMEOUT_MS = 3_000;

export interface ExporterProbe {
  /** False only for a configured exporter that does not answer. */
  ok: boolean;
  detail: string;
}

function reason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message;
}

/** Whether something serves Prometheus text at `telemetry.metrics.address`. */
export async function probeMetrics(metrics: TelemetryConfig['metrics']): Promise<ExporterProbe> {
  if (!metrics.enabled) return { ok: true, detail: 'off (telemetry.metrics.enabled: false)' };
  if (metrics.address.endsWith(':0')) {
    return { ok: true, detail: `${metrics.address}: each process picks a free port (not probed)` };
  }
  const url = `http://${metrics.address}/metrics`;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    const text = await response.text();
    if (response.ok && text.includes('# HELP')) return { ok: true, detail: `${url}: answering` };
    return { ok: true, detail: `${url}: something else answers there (HTTP ${response.status})` };
  } catch (err) {
    // Not an error: only serving processes (zinc up, zinc worker, zinc api) have the endpoint.
    return { ok: true, detail: `${url}: no zinc process serves it (${reason(err)})` };
  }
}

/** Whether the configured OTLP/HTTP traces endpoint accepts an export. */
export async function probeTraces(tracing: TelemetryConfig['tracing']): Promise<ExporterProbe> {
  const endpoint = tracing.otlp_endpoint;
  if (endpoint === undefined) {
    return { ok: true, detail: 'off (telemetry.tracing.otlp_endpoint is not set)' };
  }
  try {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ resourceSpans: [] }),
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
    await response.arrayBuffer();
    return response.ok
      ? { ok: true, detail: `OTLP to ${endpoint}: the collector accepts traces` }
      : { ok: false, detail: `OTLP to ${endpoint}: refused with HTTP ${response.status}` };
  } catch (err) {
    return { ok: false, detail: `OTLP to ${endpoint}: NOT reachable (${reason(err)})` };
  }
}

/** Whether the configured NATS server answers and holds zinc's stream. */
export async function probeEvents(events: EventsConfig): Promise<ExporterProbe> {
  const options = natsOptions(events);
  if (options === undefined) {
    return {
      ok: true,
      detail:
        "in this process only (events.nats.url is not set): no other process hears zinc's events",
    };
  }
  const { probeNats } = await import('../platform/nats-events.js');
  return probeNats(options, PROBE_TIMEOUT_MS);
}

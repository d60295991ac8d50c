// OpenTelemetry traces of a zinc process: when `telemetry.tracing.otlp_endpoint` is set, one
// tracer provider per process exports spans in batches over OTLP/HTTP; when it is not, nothing
// is registered and every span zinc asks for is OpenTelemetry's no-op (a few function calls).
// OpenTelemetry's API is process-global (the interceptors and the pipeline runner ask it for
// their tracer), so installing is once per process, like the Temporal SDK runtime.
import { context, propagation, trace, SpanStatusCode, type Attributes } from '@opentelemetry/api';
import type { Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { TelemetryConfig } from './telemetry-config.js';

/** The name zinc's own spans (API request, CLI command, pipeline stages) are recorded under. */
export const ZINC_TRACER = 'zinc';

/** What the Temporal interceptors need of an installed tracer provider. */
export interface ActiveTracing {
  readonly endpoint: string;
  readonly resource: Resource;
  /** Workflow spans, built inside the workflow sandbox, are handed to it through a sink. */
  readonly spanProcessor: SpanProcessor;
}

let active: ActiveTracing | undefined;
let provider: BasicTracerProvider | undefined;

/**
 * Installs the process's tracer provider when `config.otlp_endpoint` is set (once per process:
 * later calls keep the first); returns it, or undefined when traces are off.
 */
export function installTracing(config: TelemetryConfig['tracing']): ActiveTracing | undefined {
  if (active !== undefined || config.otlp_endpoint === undefined) return active;
  const resource = new Resource({ 'service.name': config.service_name });
  const spanProcessor = new BatchSpanProcessor(
    new OTLPTraceExporter({ url: config.otlp_endpoint }),
  );
  provider = new BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });
  // Async context follows awaits (API handler → client interceptor → the started workflow),
  // and W3C trace context is what the Temporal interceptors put in workflow/activity headers.
  provider.register({
    contextManager: new AsyncLocalStorageContextManager(),
    propagator: new W3CTraceContextPropagator(),
  });
  active = { endpoint: config.otlp_endpoint, resource, spanProcessor };
  return active;
}

/** The installed tracing, or undefined when this process exports no traces. */
export function activeTracing(): ActiveTracing | undefined {
  return active;
}

/**
 * Sends the spans still buffered and stops exporting; call once the process's work is done
 * (a command's end, a server's shutdown). An unreachable backend costs the exporter's timeout,
 * never an error: traces must not fail the work they describe.
 */
export async function shutdownTracing(): Promise<void> {
  const stopping = provider;
  if (stopping === undefined) return;
  provider = undefined;
  active = undefined;
  try {
    await stopping.shutdown();
  } catch {
    // the backend is down: the spans are lost, the command's result is not
  }
  trace.disable();
  context.disable();
  propagation.disable();
}

/**
 * Runs `fn` inside a span named `name` (a child of the active span, if any), recording a thrown
 * error as the span's status. With tracing off it just runs `fn`. Attributes are IDs and
 * outcomes, never names, file contents, output or test data.
 */
export async function withSpan<T>(
  name: string,
  attributes: Attributes,
  fn: (span: Span | undefined) => Promise<T>,
  /** Incoming headers: a caller's W3C `traceparent` makes this span part of its trace. */
  headers?: Record<string, unknown>,
): Promise<T> {
  if (active === undefined) return fn(undefined);
  const parent =
    headers === undefined ? context.active() : propagation.extract(context.active(), headers);
  const tracer = trace.getTracer(ZINC_TRACER);
  return tracer.startActiveSpan(name, { attributes }, parent, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).name });
      throw err;
    } finally {
      span.end();
    }
  });
}

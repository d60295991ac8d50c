// OpenTelemetry traces of a zinc process: when `telemetry.tracing.otlp_endpoint` is set, one
// tracer provider per process exports spans in batches over OTLP/HTTP; when it is not, nothing
// is registered and every span zinc asks for is OpenTelemetry's no-op (a few function calls).
// OpenTelemetry's API is process-global (the interceptors and the pipeline runner ask it for
// their tracer), so installing is once per process, like the Temporal SDK runtime.
import { context, propagation, trace, SpanStatusCode, type Attributes } from '@opentelemetry/api';
import type { Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  ExportResultCode,
  W3CTraceContextPropagator,
  type ExportResult,
} from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
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

/** The outcome of the last export, for /readyz and the operator. */
let lastExport: { at: Date; error?: string } | undefined;

/** The OTLP exporter, remembering how its last export went. */
function recordingExporter(inner: SpanExporter): SpanExporter {
  return {
    export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
      inner.export(spans, (result) => {
        lastExport =
          result.code === ExportResultCode.SUCCESS
            ? { at: new Date() }
            : { at: new Date(), error: result.error?.message ?? 'export failed' };
        done(result);
      });
    },
    shutdown: () => inner.shutdown(),
    ...(inner.forceFlush ? { forceFlush: () => inner.forceFlush!() } : {}),
  };
}

/** The trace exporter's state in words: off, exporting to where, and how the last export went. */
export function tracingStatus(): string {
  if (active === undefined) return 'off (telemetry.tracing.otlp_endpoint is not set)';
  const where = `OTLP to ${active.endpoint}`;
  if (lastExport === undefined) return `${where}: nothing exported yet`;
  const at = lastExport.at.toISOString();
  return lastExport.error === undefined
    ? `${where}: last export ok at ${at}`
    : `${where}: last export FAILED at ${at}: ${lastExport.error}`;
}

/**
 * Installs the process's tracer provider when `config.otlp_endpoint` is set (once per process:
 * later calls keep the first); returns it, or undefined when traces are off.
 */
export function installTracing(config: TelemetryConfig['tracing']): ActiveTracing | undefined {
  if (active !== undefined || config.otlp_endpoint === undefined) return active;
  const resource = new Resource({ 'service.name': config.service_name });
  const spanProcessor = new BatchSpanProcessor(
    recordingExporter(new OTLPTraceExporter({ url: config.otlp_endpoint })),
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
  lastExport = undefined;
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

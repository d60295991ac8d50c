// The Temporal side of zinc's traces, through the SDK's OpenTelemetry interceptors: the client
// traces workflow starts (and signals, cancels...; not queries) and puts the trace context in
// the workflow's headers; the workflow's spans (RunWorkflow, StartActivity) are built in its sandbox and leave
// through a sink; each activity's span (RunActivity) continues the trace on its worker. With
// tracing off (no OTLP endpoint) none of this is installed and the workflow bundle is unchanged.
import { createRequire } from 'node:module';
import { trace } from '@opentelemetry/api';
import type {
  ClientInterceptors,
  Next,
  WorkflowClientInterceptor,
  WorkflowQueryInput,
} from '@temporalio/client';
import type { WorkflowInfo } from '@temporalio/workflow';
import {
  type OpenTelemetrySinks,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
  makeWorkflowExporter,
} from '@temporalio/interceptors-opentelemetry';
import type { ActivityInterceptorsFactory, InjectedSinks, WorkerOptions } from '@temporalio/worker';
import type { ActiveTracing } from '../platform/tracing.js';

/** The span attribute naming the task queue an activity ran on. */
export const TASK_QUEUE_ATTRIBUTE = 'zinc.task_queue';

/**
 * The SDK's workflow-side interceptor module (RunWorkflow and StartActivity spans), bundled into
 * the workflow code by the worker when tracing is on. Only its workflow side: its package's main
 * entry holds the client and worker sides, which must not enter the workflow sandbox.
 */
export function workflowTracingModule(): string {
  return createRequire(import.meta.url).resolve(
    '@temporalio/interceptors-opentelemetry/lib/workflow-interceptors',
  );
}

/**
 * The SDK's client interceptor without query spans: `zinc grade` and `zinc batch watch` ask a
 * batch's progress every second, and a trace per question would bury the batches' traces.
 */
class UnqueriedClientInterceptor extends OpenTelemetryWorkflowClientInterceptor {
  override query(input: WorkflowQueryInput, next: Next<WorkflowClientInterceptor, 'query'>) {
    return next(input);
  }
}

/** The client interceptors that trace workflow starts, or none when tracing is off. */
export function clientTracingInterceptors(tracing: ActiveTracing | undefined): ClientInterceptors {
  return tracing === undefined ? {} : { workflow: [new UnqueriedClientInterceptor()] };
}

/**
 * The workflow span sink. The SDK copies the whole WorkflowInfo onto each workflow span (memo,
 * search attributes, last result and failure...); zinc keeps the IDs and the task queue only.
 */
function workflowSpanSink(tracing: ActiveTracing): InjectedSinks<OpenTelemetrySinks> {
  const sdk = makeWorkflowExporter(tracing.spanProcessor, tracing.resource);
  return {
    exporter: {
      export: {
        fn: (info, spans) => {
          const kept = {
            workflowId: info.workflowId,
            runId: info.runId,
            workflowType: info.workflowType,
            namespace: info.namespace,
            attempt: info.attempt,
            [TASK_QUEUE_ATTRIBUTE]: info.taskQueue,
          };
          // The SDK merges this object into the spans' attributes, nothing more.
          return sdk.export.fn(kept as unknown as WorkflowInfo, spans);
        },
      },
    },
  };
}

/** A worker's interceptors and sinks for traces, or nothing when tracing is off. */
export function workerTracingOptions(
  tracing: ActiveTracing | undefined,
): Pick<WorkerOptions, 'interceptors' | 'sinks'> {
  if (tracing === undefined) return {};
  const activity: ActivityInterceptorsFactory = (ctx) => ({
    inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
    outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
  });
  // Runs inside the span the SDK's interceptor opened: an operator reading a trace sees which
  // queue (which extension's worker) ran each activity.
  const taskQueue: ActivityInterceptorsFactory = (ctx) => ({
    inbound: {
      execute(input, next) {
        trace.getActiveSpan()?.setAttribute(TASK_QUEUE_ATTRIBUTE, ctx.info.taskQueue);
        return next(input);
      },
    },
  });
  return {
    interceptors: {
      client: clientTracingInterceptors(tracing),
      activity: [activity, taskQueue],
    },
    sinks: workflowSpanSink(tracing),
  };
}

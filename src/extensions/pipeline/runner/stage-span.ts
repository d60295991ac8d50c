// One trace span per pipeline stage, a child of the ExecutePipeline activity's span. Its
// attributes say what ran and how it ended (stage kind and key, test IDs, verdicts, status,
// duration) and never what the student wrote: no file names, commands, output or test data.
// With tracing off, OpenTelemetry's API hands out no-op spans: a few calls per stage.
import { SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import type { StageReport } from '../report/types.js';

const tracer = () => trace.getTracer('zinc');

/** The attributes of a finished stage: outcome and IDs only. */
export function stageAttributes(report: StageReport): Attributes {
  const attributes: Attributes = {
    'zinc.stage.status': report.status,
    'zinc.stage.duration_ms': report.durationMs,
  };
  switch (report.kind) {
    case 'stdioTest':
      attributes['zinc.stage.test_ids'] = report.tests.map((test) => test.id);
      attributes['zinc.stage.verdicts'] = report.tests.map((test) => test.verdict);
      break;
    default:
      if ('verdict' in report && report.verdict !== null) {
        attributes['zinc.stage.verdict'] = report.verdict;
      }
      break;
  }
  return attributes;
}

/** Runs one stage inside a span `stage <kind>`; the span ends with the stage's outcome. */
export async function inStageSpan(
  stage: { kind: string; key: string },
  run: () => Promise<StageReport>,
): Promise<StageReport> {
  return tracer().startActiveSpan(
    `stage ${stage.kind}`,
    { attributes: { 'zinc.stage.kind': stage.kind, 'zinc.stage.key': stage.key } },
    async (span) => {
      try {
        const report = await run();
        span.setAttributes(stageAttributes(report));
        return report;
      } catch (err) {
        // The sandbox's or the config's failure (retried or reported by the activity).
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).name });
        throw err;
      } finally {
        span.end();
      }
    },
  );
}

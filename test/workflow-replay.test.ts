// Every released version of BatchGrading, as recorded histories, must replay on the current code:
// a change that is not guarded by patched() fails here, not on a worker with batches in flight.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { Resource } from '@opentelemetry/resources';
import { NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { workerTracingOptions, workflowTracingModule } from '../src/temporal/tracing.js';
import { zincWorkflowsPath } from '../src/temporal/workflows-path.js';

const dir = fileURLToPath(new URL('./fixtures/histories/', import.meta.url));
const fixtures = readdirSync(dir)
  .filter((f) => f.startsWith('batch-grading-') && f.endsWith('.json'))
  .sort();

function history(file: string): unknown {
  return JSON.parse(readFileSync(`${dir}${file}`, 'utf8'));
}

describe('BatchGrading replay', () => {
  it('has recorded histories, including a paused, resumed and continued-as-new batch', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(2);
    const all = fixtures.map((f) => readFileSync(`${dir}${f}`, 'utf8')).join('\n');
    expect(all).toContain('EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED');
    expect(all).toContain('EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW');
  });

  it.each(fixtures)('replays %s on the current workflow code', async (file) => {
    await expect(
      Worker.runReplayHistory({ workflowsPath: zincWorkflowsPath() }, history(file), file),
    ).resolves.toBeUndefined();
  });

  // A worker with traces on bundles the SDK's workflow interceptors: they add spans and headers,
  // never commands, so turning tracing on or off leaves running batches replayable.
  it.each(fixtures)('replays %s with the tracing interceptors bundled', async (file) => {
    const tracing = {
      endpoint: 'http://127.0.0.1:1/v1/traces',
      resource: Resource.empty(),
      spanProcessor: new NoopSpanProcessor(),
    };
    await expect(
      Worker.runReplayHistory(
        {
          workflowsPath: zincWorkflowsPath(),
          interceptors: { workflowModules: [workflowTracingModule()] },
          sinks: workerTracingOptions(tracing).sinks!,
        },
        history(file),
        file,
      ),
    ).resolves.toBeUndefined();
  });

  it('catches a change made without patched()', async () => {
    const changed = fileURLToPath(
      new URL('./fixtures/workflows-unpatched-change.ts', import.meta.url),
    );
    const error = await Worker.runReplayHistory(
      { workflowsPath: changed },
      history(fixtures[0]!),
      fixtures[0],
    ).catch((err: unknown) => err);
    expect((error as Error).name).toBe('DeterminismViolationError');
  });
});

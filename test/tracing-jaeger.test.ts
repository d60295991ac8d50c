// Traces, read back from a real Jaeger (built into .tools/bin, run on free ports with in-memory
// storage) as an operator would find them:
// - `zinc up` with ZINC_OTLP_ENDPOINT says where its traces go; a batch started through
//   POST /api/batches is ONE trace: the request's span, the workflow start, the workflow, the
//   activities on each of the three task queues, and a span per sandbox stage with its verdicts;
// - `zinc grade` is one trace the same way, sent before the command exits;
// - no span carries the student's code, file names, the tests' input or expected output.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJaeger, type Jaeger, type JaegerTrace } from './helpers/jaeger.js';
import { repoRoot, tempDir } from './helpers/temporal.js';
import { zincBin } from './helpers/zinc-bin.js';
import { cliCourse } from './helpers/cli-course.js';

// What must never reach a trace: the student's code (a marker in it), their file name, the
// tests' input and expected output.
const MARKER = `zinc-trace-probe-${randomBytes(6).toString('hex')}`;
const FILE = 'secret_adder.cpp';
const STDIN = '7340129 6010403';
const EXPECTED = '13350532';
const FORBIDDEN = [MARKER, FILE, STDIN, EXPECTED, 'secret_adder'];

const CONFIG = [
  '_settings:',
  '  lang: cpp/g++:12',
  '  lang_version_may_differ: true',
  'compile: { input: ["*.cpp"], output: main }',
  'stdioTest:',
  '  testCases:',
  `    - { id: 1, file: main, stdin: "${STDIN}", expected: "${EXPECTED}", score: 1 }`,
  '    - { id: 2, file: main, stdin: "2 2", expected: "4", score: 1 }',
  'score: { normalizedTo: 100 }',
].join('\n');

const QUEUES = ['zinc-core-default', 'zinc-submission-default', 'zinc-pipeline-default'];

let jaeger: Jaeger;

function zinc(dataDir: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const run = spawnSync(process.execPath, [zincBin(), '--data-dir', dataDir, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 180_000,
    env: { ...process.env, ...env },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** A data dir with course C1: s1 adds (right), s2 multiplies (wrong on test 1); ta is staff. */
function prepare(): { dataDir: string; collectionId: string } {
  const dataDir = tempDir('zinc-tracing-');
  const program = (op: string) =>
    `// ${MARKER}\n#include <iostream>\nint main(){long a,b;std::cin>>a>>b;std::cout<<a${op}b<<"\\n";}\n`;
  const { collectionId } = cliCourse((args) => zinc(dataDir, args), {
    programs: { s1: program('+'), s2: program('*') },
    file: FILE,
    config: CONFIG,
  });
  return { dataDir, collectionId };
}

/** The trace whose root span is `root` and that started workflow `batchId`, once complete. */
async function batchTrace(root: string, batchId: string): Promise<JaegerTrace> {
  const deadline = Date.now() + 90_000;
  let seen: JaegerTrace | undefined;
  for (;;) {
    seen = (await jaeger.traces('zinc')).find((trace) =>
      trace.spans.some(
        (s) => s.tags.temporalWorkflowId === batchId && s.operationName.startsWith('StartWorkflow'),
      ),
    );
    // Complete: the workflow's last activity ran and the workflow span itself arrived.
    if (
      seen?.spans.some((s) => s.operationName === 'RunActivity:FinishBatch') &&
      seen.spans.some((s) => s.operationName === 'RunWorkflow:batchGradingWorkflow') &&
      seen.spans.some((s) => s.operationName === root)
    ) {
      return seen;
    }
    if (Date.now() > deadline) {
      const names = seen?.spans.map((s) => s.operationName).join(', ') ?? 'no trace';
      throw new Error(`no complete trace of ${batchId} in Jaeger after 90 s; seen: ${names}`);
    }
    await sleep(500);
  }
}

/** What one batch's trace must show, whoever started it. */
function expectBatchTrace(trace: JaegerTrace, root: string, batchId: string): void {
  const byName = (name: string) => trace.spans.filter((s) => s.operationName === name);
  const [rootSpan] = byName(root);
  expect(rootSpan, `${root} span`).toBeDefined();
  const [start] = byName('StartWorkflow:batchGradingWorkflow');
  expect(start!.tags.temporalWorkflowId).toBe(batchId);
  expect(start!.parentSpanID).toBe(rootSpan!.spanID);
  const [run] = byName('RunWorkflow:batchGradingWorkflow');
  expect(run!.parentSpanID).toBe(start!.spanID);
  expect(run!.tags).toMatchObject({ workflowId: batchId, 'zinc.task_queue': 'zinc-core-default' });

  // Activities on all three queues, each under the workflow's StartActivity span.
  const activities = trace.spans.filter((s) => s.operationName.startsWith('RunActivity:'));
  expect(new Set(activities.map((s) => s.tags['zinc.task_queue']))).toEqual(new Set(QUEUES));
  const queueOf = (name: string) =>
    byName(`RunActivity:${name}`).map((s) => s.tags['zinc.task_queue']);
  expect(queueOf('GetCollectionLatestDeliveries')).toEqual(['zinc-submission-default']);
  // Deliveries go out in groups (grading.deliveries_per_activity); the first of a batch are of
  // one delivery each, so these two deliveries are two ExecutePipelines.
  expect(queueOf('ExecutePipelines')).toEqual(['zinc-pipeline-default', 'zinc-pipeline-default']);
  expect(queueOf('FinishBatch')).toEqual(['zinc-core-default']);
  const spanIds = new Map(trace.spans.map((s) => [s.spanID, s]));
  for (const activity of activities) {
    expect(spanIds.get(activity.parentSpanID!)?.operationName).toBe(
      activity.operationName.replace('RunActivity:', 'StartActivity:'),
    );
  }

  // A span per delivery inside its group's activity, and one per sandbox stage inside that,
  // with what it ended in.
  const groups = new Set(byName('RunActivity:ExecutePipelines').map((s) => s.spanID));
  const deliveries = byName('grade delivery');
  expect(deliveries).toHaveLength(2);
  for (const delivery of deliveries) {
    expect(groups.has(delivery.parentSpanID!)).toBe(true);
    expect(delivery.tags['zinc.batch_id']).toBe(batchId);
    expect(String(delivery.tags['zinc.delivery_id'])).toMatch(/^dlv_/);
  }
  const pipelines = new Set(deliveries.map((s) => s.spanID));
  const compiles = byName('stage compile');
  const tests = byName('stage stdioTest');
  expect(compiles).toHaveLength(2);
  expect(tests).toHaveLength(2);
  for (const stage of [...compiles, ...tests]) {
    expect(pipelines.has(stage.parentSpanID!)).toBe(true);
    expect(typeof stage.tags['zinc.stage.duration_ms']).toBe('number');
  }
  expect(compiles.map((s) => s.tags)).toEqual([
    expect.objectContaining({ 'zinc.stage.kind': 'compile', 'zinc.stage.verdict': 'COMPILED' }),
    expect.objectContaining({ 'zinc.stage.kind': 'compile', 'zinc.stage.verdict': 'COMPILED' }),
  ]);
  // Array attributes arrive in Jaeger as JSON text.
  expect(tests.map((s) => s.tags['zinc.stage.verdicts']).sort()).toEqual([
    '["PASSED","PASSED"]',
    '["WRONG_OUTPUT","PASSED"]',
  ]);
  expect(tests.every((s) => s.tags['zinc.stage.test_ids'] === '[1,2]')).toBe(true);

  // Nothing the student wrote, nor the tests' data, anywhere in the trace.
  const everything = JSON.stringify(trace);
  for (const secret of FORBIDDEN) expect(everything).not.toContain(secret);
}

beforeAll(async () => {
  jaeger = await startJaeger();
}, 600_000);

afterAll(async () => {
  await jaeger?.stop();
});

describe('traces in Jaeger', () => {
  it('a batch started through the API is one trace across the three task queues', async () => {
    const { dataDir, collectionId } = prepare();
    const made = zinc(dataDir, ['token', 'create', '--user', 'ta']);
    const token = made.stdout.trim().split(/\s+/).pop()!;

    const child: ChildProcess = spawn(
      process.execPath,
      [zincBin(), '--data-dir', dataDir, 'up', '--api-port', '0'],
      {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, ZINC_OTLP_ENDPOINT: jaeger.otlpEndpoint },
      },
    );
    let out = '';
    let err = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      const deadline = Date.now() + 120_000;
      while (!out.includes('Press Ctrl-C')) {
        if (child.exitCode !== null || Date.now() > deadline) {
          throw new Error(`zinc up did not start:\n${out}\n${err}`);
        }
        await sleep(100);
      }
      expect(out).toContain(`traces:      OTLP to ${jaeger.otlpEndpoint}`);
      const url = /API: +(http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]!;

      const started = await fetch(`${url}/api/batches`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ collectionId }),
      });
      expect(started.status).toBe(202);
      const { batchId } = (await started.json()) as { batchId: string };
      for (;;) {
        const res = await fetch(`${url}/api/batches/${batchId}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        const view = (await res.json()) as { status: string; counts: Record<string, number> };
        if (view.status !== 'running') {
          expect(view).toMatchObject({
            status: 'completed',
            counts: { PASSED: 1, WRONG_OUTPUT: 1 },
          });
          break;
        }
        await sleep(500);
      }

      const trace = await batchTrace('POST /api/batches', batchId);
      expectBatchTrace(trace, 'POST /api/batches', batchId);
      const [request] = trace.spans.filter((s) => s.operationName === 'POST /api/batches');
      expect(request!.parentSpanID).toBeUndefined();
      expect(request!.tags).toMatchObject({ 'zinc.collection_id': collectionId });
      // The exporter's state, for the operator: where traces go and how the last export went.
      const ready = (await (await fetch(`${url}/readyz`)).json()) as {
        exporters: { traces: string };
      };
      expect(ready.exporters.traces).toMatch(
        new RegExp(`^OTLP to ${jaeger.otlpEndpoint}: last export ok at 20\\d\\d-`),
      );
    } finally {
      child.kill('SIGINT');
      await exited;
    }
  }, 400_000);

  it('zinc grade is one trace, sent before the command exits', async () => {
    const { dataDir, collectionId } = prepare();
    const graded = zinc(dataDir, ['grade', collectionId, '--as', 'ta', '--json'], {
      ZINC_OTLP_ENDPOINT: jaeger.otlpEndpoint,
    });
    expect(graded.status, graded.stderr).toBe(0);
    const summary = JSON.parse(graded.stdout) as {
      batchId: string;
      counts: Record<string, number>;
    };
    expect(summary.counts).toEqual({ PASSED: 1, WRONG_OUTPUT: 1 });

    const trace = await batchTrace('zinc grade', summary.batchId);
    expectBatchTrace(trace, 'zinc grade', summary.batchId);
    // Progress questions (every second while it waits) are not traced.
    expect(trace.spans.some((s) => s.operationName.startsWith('QueryWorkflow'))).toBe(false);
    const queries = (await jaeger.traces('zinc')).filter((t) =>
      t.spans.some((s) => s.operationName.startsWith('QueryWorkflow')),
    );
    expect(queries).toEqual([]);

    // zinc doctor says where traces go and that the collector takes them.
    const doctor = zinc(dataDir, ['doctor'], { ZINC_OTLP_ENDPOINT: jaeger.otlpEndpoint });
    expect(doctor.status, doctor.stdout + doctor.stderr).toBe(0);
    expect(doctor.stdout).toContain(
      `Traces       OTLP to ${jaeger.otlpEndpoint}: the collector accepts traces`,
    );
  }, 400_000);
});

// Benchmarks of batch orchestration, each printing figures measured in one run:
//   overhead [n=200] [concurrency=2] [per-activity]: the same real C++ deliveries graded
//     through the BatchGrading workflow and by calling the pipeline code directly, three pairs
//     in one run (alternating which goes first); the median wall-time ratio.
//   per-activity, in every mode: grading.deliveries_per_activity; absent, the defaults (groups of
//     at most 20 sized to about grading.group_secs of grading); 1: one ExecutePipeline per
//     delivery; n > 1 with a `fixed` suffix (8fixed): groups of n whatever their pace.
//   throughput [n=5000] [concurrency=20] [per-activity]: a batch whose pipeline does nothing,
//     graded by a `zinc up` process (the built `zinc` command, run as people run it, on the
//     seeded data dir and the benchmark's Temporal dev server); deliveries per second, CPU time
//     per delivery (zinc and the Temporal server), zinc's memory.
//   scale [n=100000] [concurrency=20] [per-activity] [postgresql]: the same at 100,000
//     deliveries: it completes; the most events in any run's history; the zinc process's peak
//     memory; deliveries per second. `postgresql` (also for throughput): the database is a
//     PostgreSQL server in its own processes (database.url), not PGlite inside zinc's.
//   telemetry [n=60] [concurrency=2]: the overhead batch through BatchGrading with metrics and
//     tracing off and on (a /metrics endpoint scraped every 5 s, spans exported to a real
//     Jaeger), each run in a fresh process, three alternating pairs; the median on/off ratio of
//     wall time and of CPU time (zinc, its sandboxes, the Temporal server and Jaeger). A fourth
//     argument, metrics or tracing, turns on that part only.
// Run: node --import tsx bench/orchestration.ts <overhead|throughput|scale|telemetry> [n] [concurrency] [per-activity] [postgresql]
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { startBatch, type BatchHandle } from '../src/core/batch-client.js';
import { batchResult } from '../src/cli/watch.js';
import { parseGradingConfig, runPipeline } from '../src/extensions/pipeline/index.js';
import { deliverProgram, seedCourse } from '../test/helpers/course.js';
import { startTestStack, type TestStack } from '../test/helpers/stack.js';
import { startPostgres } from '../test/helpers/postgres.js';
import { startJaeger } from '../test/helpers/jaeger.js';
import { loadConfig } from '../src/config/index.js';
import { startProcessMetrics } from '../src/cli/metrics-process.js';
import { installTracing, shutdownTracing } from '../src/platform/tracing.js';
import { objectKey } from '../src/platform/object-keys.js';

const [mode = 'throughput', nArg, concurrencyArg] = process.argv.slice(2);

const CPP_CONFIG = `_settings:
  lang: cpp/g++:12
  lang_version_may_differ: true
  use_template: FILENAMES
  template: [main.cpp]
  stage_wait_duration_secs: 60
compile:
  input: ["*.cpp"]
  output: main
  flags: ["-std=c++17", "-O1"]
stdioTest:
  testCases:
    - { id: 1, file: main, stdin: "1 2", expected: "3", score: 1 }
    - { id: 2, file: main, stdin: "40 2", expected: "42", score: 1 }
score:
  normalizedTo: 100
`;
const NOOP_CONFIG = `_settings:
  lang: cpp/g++:12
  lang_version_may_differ: true
score:
  normalizedTo: 100
`;

/** CPU seconds from /proc/<pid>/stat: the process's own (all threads) and its reaped children's. */
function cpuSecs(pid: number | 'self'): { own: number; children: number } {
  // Fields after the command name (which may hold spaces): state is field 3, utime 14 ... cstime 17.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const tick = 100; // USER_HZ on Linux
  const at = (n: number) => Number(fields[n - 3]) / tick;
  return { own: at(14) + at(15), children: at(16) + at(17) };
}

/** A memory figure of a process from the kernel, in MiB: VmRSS now, or VmHWM (its peak). */
function statusMiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${field}:`));
  return Number(line?.split(/\s+/)[1] ?? 0) / 1024;
}

/** n deliveries of one small file each, where the submission extension stores deliveries. */
async function seedShared(stack: TestStack, collectionId: string, n: number) {
  const { db, objects } = stack.platform;
  const id = (g: number) => `dlv_b${String(g).padStart(6, '0')}`;
  let next = 1;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let g = next++; g <= n; g = next++) {
        await objects.put(
          `${objectKey('deliveries', collectionId, id(g))}/main.cpp`,
          'int main() {}\n',
        );
      }
    }),
  );
  const prefix = `${objectKey('deliveries', collectionId)}/`;
  for (let from = 1; from <= n; from += 50_000) {
    const to = Math.min(n, from + 49_999);
    await db.query(
      `INSERT INTO users (id) SELECT 'u' || lpad(g::text, 6, '0') FROM generate_series($1::int, $2::int) g ON CONFLICT DO NOTHING`,
      [from, to],
    );
    await db.query(
      `INSERT INTO deliveries (id, collection_id, user_id, submitted_at, manifest, total_size, sha256, object_key)
       SELECT 'dlv_b' || lpad(g::text, 6, '0'), $1, 'u' || lpad(g::text, 6, '0'), timestamptz '2026-06-01T00:00:00Z',
              '[{"path":"main.cpp","size":14,"sha256":"${'0'.repeat(64)}"}]'::jsonb, 14, lpad(g::text, 64, '0'),
              $4 || 'dlv_b' || lpad(g::text, 6, '0') || '/'
         FROM generate_series($2::int, $3::int) g`,
      [collectionId, from, to, prefix],
    );
  }
}

type Timestamp = { seconds?: { toString(): string } | null; nanos?: number | null } | null;
const millis = (t: Timestamp | undefined): number =>
  t ? Number(String(t.seconds ?? 0)) * 1000 + (t.nanos ?? 0) / 1e6 : 0;

/**
 * Where a batch's time went, from its history: workflow tasks (how many failed or timed out,
 * their mean schedule-to-start and start-to-complete) and ExecutePipeline's mean
 * schedule-to-start (time a delivery waited for a pipeline slot or poller).
 */
async function historyProfile(handle: BatchHandle) {
  const events = (await handle.fetchHistory()).events ?? [];
  const at = new Map<string, number>();
  const pipelineScheduled = new Set<string>();
  let tasks = 0;
  let failed = 0;
  let timedOut = 0;
  let taskWait = 0;
  let taskRun = 0;
  let pipelines = 0;
  let pipelineWait = 0;
  let pipelineRun = 0;
  const pipelineStarted = new Map<string, number>();
  let firstPipeline: number | undefined;
  let lastPipelineDone = 0;
  for (const e of events) {
    const id = String(e.eventId);
    const time = millis(e.eventTime);
    at.set(id, time);
    if (e.workflowTaskStartedEventAttributes) {
      taskWait += time - at.get(String(e.workflowTaskStartedEventAttributes.scheduledEventId))!;
    } else if (e.workflowTaskCompletedEventAttributes) {
      tasks += 1;
      taskRun += time - at.get(String(e.workflowTaskCompletedEventAttributes.startedEventId))!;
    } else if (e.workflowTaskFailedEventAttributes) failed += 1;
    else if (e.workflowTaskTimedOutEventAttributes) timedOut += 1;
    else if (
      e.activityTaskScheduledEventAttributes?.activityType?.name?.startsWith('ExecutePipeline')
    ) {
      pipelineScheduled.add(id);
      firstPipeline ??= time;
    } else if (
      e.activityTaskStartedEventAttributes &&
      pipelineScheduled.has(String(e.activityTaskStartedEventAttributes.scheduledEventId))
    ) {
      pipelines += 1;
      pipelineWait += time - at.get(String(e.activityTaskStartedEventAttributes.scheduledEventId))!;
      pipelineStarted.set(String(e.activityTaskStartedEventAttributes.scheduledEventId), time);
    } else if (
      e.activityTaskCompletedEventAttributes &&
      pipelineStarted.has(String(e.activityTaskCompletedEventAttributes.scheduledEventId))
    ) {
      pipelineRun +=
        time -
        pipelineStarted.get(String(e.activityTaskCompletedEventAttributes.scheduledEventId))!;
      lastPipelineDone = time;
    }
  }
  const first = millis(events[0]?.eventTime);
  const last = millis(events.at(-1)?.eventTime);
  return {
    workflowTasks: tasks,
    workflowTasksFailed: failed,
    workflowTasksTimedOut: timedOut,
    workflowTaskWaitMs: tasks ? taskWait / tasks : 0,
    workflowTaskRunMs: tasks ? taskRun / tasks : 0,
    /** Pipeline activities (ExecutePipeline, or ExecutePipelines for a group) that started. */
    pipelineActivities: pipelines,
    pipelineWaitMs: pipelines ? pipelineWait / pipelines : 0,
    /** Mean of a pipeline activity's start to its completion (as the server saw them). */
    pipelineRunMs: pipelines ? pipelineRun / pipelines : 0,
    /** The run's start to its first pipeline activity: validating, recording, the first page. */
    beforeFirstPipelineMs: firstPipeline === undefined ? 0 : firstPipeline - first,
    /** Its last pipeline activity's completion to its end: the tally, summary and audit. */
    afterLastPipelineMs: lastPipelineDone === 0 ? 0 : last - lastPipelineDone,
  };
}

/** The per-activity argument: absent, the configured defaults; `n`, or `nfixed` (no pace). */
type PerActivity = { deliveries_per_activity?: number; group_secs?: number };
function parsePerActivity(arg: string | undefined): PerActivity {
  if (arg === undefined) return {};
  const m = /^(\d+)(fixed)?$/.exec(arg);
  if (!m) throw new Error(`per-activity: expected a number, or a number and "fixed", got ${arg}`);
  return { deliveries_per_activity: Number(m[1]), ...(m[2] ? { group_secs: 0 } : {}) };
}
function describePerActivity(stack: TestStack, per: PerActivity): string {
  const g = { ...stack.config.grading, ...per };
  if (g.deliveries_per_activity === 1) return 'one activity per delivery';
  return g.group_secs > 0
    ? `groups of at most ${g.deliveries_per_activity} sized to about ${g.group_secs} s`
    : `groups of ${g.deliveries_per_activity}`;
}

async function gradeThroughWorkflow(
  stack: TestStack,
  collectionId: string,
  concurrency: number,
  perActivity: PerActivity = {},
) {
  const defaults = {
    ...stack.config.grading,
    concurrency,
    page_size: 1000,
    ...perActivity,
  };
  const started = performance.now();
  const { batchId, handle } = await startBatch(stack.temporal, defaults, {
    collectionId,
    requestedBy: 'ta',
  });
  const summary = await batchResult(handle);
  const secs = (performance.now() - started) / 1000;
  let runs = 0;
  let maxEvents = 0;
  for await (const wf of stack.temporal.client.workflow.list({
    query: `WorkflowId="${batchId}"`,
  })) {
    runs += 1;
    const d = await stack.temporal.client.workflow.getHandle(batchId, wf.runId).describe();
    maxEvents = Math.max(maxEvents, d.historyLength);
  }
  const profile = await historyProfile(handle);
  return { summary, secs, runs, maxEvents, profile };
}

/** n C++ deliveries like the overhead benchmark's, in a seeded course of `stack`. */
async function seedCppCourse(stack: TestStack, n: number) {
  const course = await seedCourse(stack, 'BENCH', CPP_CONFIG);
  for (let i = 0; i < n; i++) {
    const program = `#include <iostream>\n// student ${i}\nint main(){long a,b;std::cin>>a>>b;std::cout<<(a${i % 5 === 0 ? '*' : '+'}b)<<"\\n";}\n`;
    await deliverProgram(course, `s${String(i).padStart(4, '0')}`, program);
  }
  return course;
}

/**
 * One run of the telemetry benchmark, in its own process (the SDK runtime and the tracer are
 * process-wide): telemetry on or off, the batch through BatchGrading; prints its seconds as JSON.
 */
async function telemetryRun(
  what: 'on' | 'off' | 'metrics' | 'tracing',
  n: number,
  concurrency: number,
  otlp: string,
) {
  let metrics: Awaited<ReturnType<typeof startProcessMetrics>>;
  if (what === 'on' || what === 'metrics') {
    const started = await startProcessMetrics(
      loadConfig({ env: { ZINC_METRICS_ADDRESS: '127.0.0.1:0' } }),
      { level: 'error' },
    );
    metrics = started;
    // The parent scrapes it, as Prometheus would from its own process.
    console.log(JSON.stringify({ metrics: started?.url }));
  }
  if (what === 'on' || what === 'tracing') {
    installTracing({ otlp_endpoint: otlp, service_name: 'zinc-bench' });
  }
  const stack = await startTestStack({
    ZINC_WORKER_MAX_CONCURRENT_ACTIVITIES: String(concurrency),
  });
  try {
    const { collectionId } = await seedCppCourse(stack, n);
    const workers = await stack.startWorkers();
    const [self0, server0] = [cpuSecs('self'), cpuSecs(stack.server.pid)];
    const result = await gradeThroughWorkflow(stack, collectionId, concurrency);
    const [self1, server1] = [cpuSecs('self'), cpuSecs(stack.server.pid)];
    await workers.stop();
    if (result.summary.done !== n || result.summary.errored !== 0) {
      throw new Error(
        `telemetry run graded ${result.summary.done} of ${n}, ${result.summary.errored} errored`,
      );
    }
    // CPU seconds during the batch: zinc's process (workers, client, PGlite, exporters), the
    // sandboxes it ran (reaped children), and the Temporal dev server.
    const cpu = {
      zinc: self1.own - self0.own,
      sandboxes: self1.children - self0.children,
      server: server1.own - server0.own,
    };
    console.log(JSON.stringify({ secs: result.secs, cpu, profile: result.profile }));
  } finally {
    await stack.stop();
    await shutdownTracing();
    await metrics?.close();
  }
}

/** Telemetry's cost: alternating off/on runs in fresh processes, the median ratio of pairs. */
type TelemetryPart = 'on' | 'metrics' | 'tracing';

/**
 * How often the benchmark scrapes /metrics: three times as often as the example
 * ops/prometheus/prometheus.yml (15 s), so a scrape's cost is not understated.
 */
const SCRAPE_INTERVAL_MS = 5_000;

function parseTelemetryPart(arg: string | undefined): TelemetryPart {
  if (arg === undefined || arg === 'on' || arg === 'metrics' || arg === 'tracing')
    return arg ?? 'on';
  throw new Error(`telemetry: the fourth argument is on, metrics or tracing, not ${arg}`);
}

async function telemetry(n: number, concurrency: number, part: TelemetryPart): Promise<void> {
  const jaeger = await startJaeger();
  try {
    type Run = {
      secs: number;
      cpu: { zinc: number; sandboxes: number; server: number; jaeger: number };
      profile: Awaited<ReturnType<typeof historyProfile>>;
    };
    const run = async (on: boolean): Promise<Run> => {
      const jaeger0 = cpuSecs(jaeger.pid).own;
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          'bench/orchestration.ts',
          'telemetry-run',
          on ? part : 'off',
          String(n),
          String(concurrency),
          jaeger.otlpEndpoint,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      let scraper: NodeJS.Timeout | undefined;
      let result: Run | undefined;
      for await (const line of createInterface({ input: child.stdout })) {
        const message = JSON.parse(line) as { metrics?: string } & Partial<Run>;
        if ('metrics' in message) {
          const url = message.metrics!;
          scraper = setInterval(() => {
            fetch(url)
              .then((r) => r.text())
              .catch(() => undefined); // a scrape cut short by the end of the run
          }, SCRAPE_INTERVAL_MS);
        } else result = message as Run;
      }
      clearInterval(scraper);
      const code = await exited;
      if (code !== 0 || result === undefined) throw new Error(`telemetry run exited with ${code}`);
      // Jaeger's work is telemetry's too (on this machine it shares the two cores).
      result.cpu.jaeger = cpuSecs(jaeger.pid).own - jaeger0;
      return result;
    };
    const total = (r: Run) => r.cpu.zinc + r.cpu.sandboxes + r.cpu.server + r.cpu.jaeger;
    const describe = (r: Run) =>
      `${r.secs.toFixed(1)} s (cpu: zinc ${r.cpu.zinc.toFixed(1)}, sandboxes ${r.cpu.sandboxes.toFixed(1)}, server ${r.cpu.server.toFixed(1)}, jaeger ${r.cpu.jaeger.toFixed(1)}; ` +
      `${r.profile.workflowTasks} workflow tasks (${r.profile.workflowTasksFailed} failed, ${r.profile.workflowTasksTimedOut} timed out), ` +
      `mean wait ${r.profile.workflowTaskWaitMs.toFixed(0)} ms, run ${r.profile.workflowTaskRunMs.toFixed(0)} ms; pipeline wait ${r.profile.pipelineWaitMs.toFixed(0)} ms)`;
    const cpuRatios: number[] = [];
    const ratios: number[] = [];
    console.log(
      `telemetry (${part === 'on' ? 'metrics and tracing' : `${part} only`}): ${n} C++ deliveries through BatchGrading, concurrency ${concurrency}`,
    );
    for (let pair = 0; pair < 3; pair++) {
      // Alternate which goes first, so a machine that slows down or warms up favours neither.
      const onFirst = pair % 2 === 1;
      const first = await run(onFirst);
      const second = await run(!onFirst);
      const [on, off] = onFirst ? [first, second] : [second, first];
      ratios.push(on.secs / off.secs);
      cpuRatios.push(total(on) / total(off));
      console.log(`  pair ${pair + 1}: off ${describe(off)}`);
      console.log(`          on  ${describe(on)}`);
      console.log(
        `          on/off: time ${(on.secs / off.secs).toFixed(3)}, cpu ${(total(on) / total(off)).toFixed(3)}`,
      );
    }
    const spans = (await jaeger.traces('zinc-bench')).reduce((sum, t) => sum + t.spans.length, 0);
    const median = [...ratios].sort((a, b) => a - b)[1]!;
    console.log(`  spans received by Jaeger: ${spans}`);
    const cpuMedian = [...cpuRatios].sort((a, b) => a - b)[1]!;
    console.log(`  telemetry cost, median on/off: ${median.toFixed(3)} (target <= 1.02)`);
    console.log(`  telemetry cpu cost, median on/off: ${cpuMedian.toFixed(3)}`);
  } finally {
    await jaeger.stop();
  }
}

async function overhead(n: number, concurrency: number, perActivity: PerActivity): Promise<void> {
  // Every pair grades the same deliveries: with the build cache on, the workflow's later runs
  // would take every build from it while the direct calls compile (bench:regrade measures the
  // cache). Off here, so both sides do the same work.
  const stack = await startTestStack({
    ZINC_WORKER_MAX_CONCURRENT_ACTIVITIES: String(concurrency),
    ZINC_BUILD_CACHE_ENABLED: 'false',
  });
  try {
    const { store, collectionId, configVersion } = await seedCppCourse(stack, n);

    // Direct: the same pipeline code, the same files from storage, the same report store.
    const parsed = parseGradingConfig(CPP_CONFIG, { assets: [] });
    if (!parsed.ok) throw new Error('bench config invalid');
    const deliveries = (await store.listDeliveries(collectionId, { latestOnly: true }))!;
    const { reports } = stack.zinc.pipeline.service;
    const direct = async (round: number): Promise<number> => {
      const queue = [...deliveries];
      const started = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          for (let d = queue.shift(); d; d = queue.shift()) {
            const keys = await stack.platform.objects.list(d.objectKey);
            const files = await Promise.all(
              keys.map(async (k) => ({
                path: k.slice(d.objectKey.length),
                content: await stack.platform.objects.get(k),
              })),
            );
            const report = await runPipeline({
              config: parsed.config,
              configVersion,
              files,
              assets: [],
            });
            await reports.save(`direct-${round}`, d.id, configVersion, report);
          }
        }),
      );
      return (performance.now() - started) / 1000;
    };

    const workers = await stack.startWorkers();
    console.log(
      `overhead: ${n} C++ deliveries (compile + 2 tests each), concurrency ${concurrency}, ${describePerActivity(stack, perActivity)}; three pairs, the first of a pair alternating`,
    );
    // Three pairs, direct first then workflow first, so that neither always runs on a warmer
    // (or busier) machine; the median ratio decides.
    const ratios: number[] = [];
    for (let pair = 0; pair < 3; pair++) {
      const load0 = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
      let directSecs = 0;
      let viaWorkflow: Awaited<ReturnType<typeof gradeThroughWorkflow>> | undefined;
      // How long this process's event loop was held up (workflow tasks wait behind it).
      const delays = { direct: '', workflow: '' };
      const timed = async <T>(which: 'direct' | 'workflow', run: () => Promise<T>): Promise<T> => {
        const h = monitorEventLoopDelay({ resolution: 1 });
        h.enable();
        try {
          return await run();
        } finally {
          h.disable();
          delays[which] =
            `mean ${(h.mean / 1e6).toFixed(1)} ms, p99 ${(h.percentile(99) / 1e6).toFixed(1)} ms, max ${(h.max / 1e6).toFixed(1)} ms`;
        }
      };
      const viaDirect = () => timed('direct', () => direct(pair));
      const viaBatch = () =>
        timed('workflow', () =>
          gradeThroughWorkflow(stack, collectionId, concurrency, perActivity),
        );
      if (pair % 2 === 0) {
        directSecs = await viaDirect();
        viaWorkflow = await viaBatch();
      } else {
        viaWorkflow = await viaBatch();
        directSecs = await viaDirect();
      }
      const load1 = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
      ratios.push(viaWorkflow.secs / directSecs);
      console.log(
        `  pair ${pair + 1} (${pair % 2 === 0 ? 'direct first' : 'workflow first'}, load average ${load0} -> ${load1}): ` +
          `direct ${directSecs.toFixed(1)} s, workflow ${viaWorkflow.secs.toFixed(1)} s ` +
          `(${viaWorkflow.summary.done} graded, ${viaWorkflow.summary.errored} errored): ratio ${(viaWorkflow.secs / directSecs).toFixed(3)}`,
      );
      const p = viaWorkflow.profile;
      console.log(
        `    workflow tasks ${p.workflowTasks} (mean wait ${p.workflowTaskWaitMs.toFixed(1)} ms, run ${p.workflowTaskRunMs.toFixed(1)} ms), ` +
          `${p.pipelineActivities} pipeline activities, mean schedule-to-start ${p.pipelineWaitMs.toFixed(1)} ms, start-to-close ${p.pipelineRunMs.toFixed(0)} ms ` +
          `(direct: ${((directSecs * 1000 * concurrency) / n).toFixed(0)} ms a delivery); ` +
          `before the first pipeline ${p.beforeFirstPipelineMs.toFixed(0)} ms, after the last ${p.afterLastPipelineMs.toFixed(0)} ms`,
      );
      console.log(`    event loop delay: direct ${delays.direct}; workflow ${delays.workflow}`);
    }
    await workers.stop();
    const median = [...ratios].sort((a, b) => a - b)[1]!;
    console.log(
      `  ratio workflow/direct, median of the pairs: ${median.toFixed(3)} (target <= 1.05)`,
    );
  } finally {
    await stack.stop();
  }
}

/** A `zinc up` process, as people run it, on the stack's data dir and Temporal server. */
interface ZincUp {
  pid: number;
  /** Its metrics endpoint (Node's heap and external memory among them). */
  metricsUrl: string;
  stop(): Promise<void>;
}

/** Starts `zinc up` (the built CLI) with `env` and waits for its "zinc is up" lines. */
async function startZincUp(stack: TestStack, env: Record<string, string>): Promise<ZincUp> {
  // The `zinc` command itself, as an installed one runs (its first line starts Node).
  const child = spawn(
    fileURLToPath(new URL('../bin/zinc.js', import.meta.url)),
    ['up', '--api-port', '0'],
    {
      cwd: stack.config.data_dir,
      env: {
        ...process.env,
        ...env,
        ZINC_DATA_DIR: stack.config.data_dir,
        ZINC_TEMPORAL_HOST_PORT: stack.server.address,
        ZINC_TEMPORAL_NAMESPACE: stack.config.temporal.namespace,
        ZINC_METRICS_ADDRESS: '127.0.0.1:0',
        ZINC_LOG_LEVEL: 'error',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lines = createInterface({ input: child.stdout });
  const metricsUrl = await new Promise<string>((resolve, reject) => {
    let url: string | undefined;
    lines.on('line', (line) => {
      const metrics = /^\s*metrics:\s+(\S+)/.exec(line);
      if (metrics) url = metrics[1];
      if (/^\s*task queues:/.test(line)) {
        if (url) resolve(url);
        else reject(new Error('zinc up printed no metrics address'));
      }
    });
    void exited.then(() =>
      reject(new Error(`zinc up exited (${child.exitCode}) before it was up`)),
    );
  });
  return {
    pid: child.pid!,
    metricsUrl,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Node's heap and external memory of another process, from its /metrics (prom-client). */
async function scrapeNodeMemory(
  url: string,
): Promise<{ heap: number; used: number; external: number }> {
  const text = await (await fetch(url)).text();
  const value = (name: string) =>
    Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? 0) / 2 ** 20;
  return {
    heap: value('nodejs_heap_size_total_bytes'),
    used: value('nodejs_heap_size_used_bytes'),
    external: value('nodejs_external_memory_bytes'),
  };
}

async function noop(
  n: number,
  concurrency: number,
  perActivity: PerActivity,
  label: string,
): Promise<void> {
  // `postgresql` (fifth argument): the database is a PostgreSQL server in its own processes, as
  // in production (database.url), instead of PGlite inside the zinc process.
  const postgres = process.argv[6] === 'postgresql' ? await startPostgres() : undefined;
  const env = {
    ZINC_WORKER_MAX_CONCURRENT_ACTIVITIES: String(concurrency),
    ...(postgres ? { DATABASE_URL: postgres.url } : {}),
  };
  const stack = await startTestStack(env);
  let zinc: ZincUp | undefined;
  let handedOver = false;
  try {
    const { collectionId } = await seedCourse(stack, 'BENCH', NOOP_CONFIG);
    const seedStart = performance.now();
    await seedShared(stack, collectionId, n);
    await stack.platform.db.query(`INSERT INTO course_members (course_id, user_id, role)
      SELECT c.id, u.id, 'student' FROM courses c, users u WHERE c.code = 'BENCH' AND u.id LIKE 'u%' ON CONFLICT DO NOTHING`);
    const seedSecs = (performance.now() - seedStart) / 1000;
    // The graders are a `zinc up` process, as people run it: its memory is the product's, not
    // this benchmark's (seeding, tsx). PGlite has one opener, so this process lets go first.
    await stack.relay.stop();
    await stack.platform.close();
    handedOver = true;
    zinc = await startZincUp(stack, env);
    const up = zinc;
    const [zinc0, server0] = [cpuSecs(up.pid), cpuSecs(stack.server.pid)];
    // Where the zinc process's memory is, every 2 s: the most of each part seen in the batch.
    const memory = { rss: 0, heap: 0, external: 0 };
    const sample = async () => {
      memory.rss = Math.max(memory.rss, statusMiB(up.pid, 'VmRSS'));
      const node = await scrapeNodeMemory(up.metricsUrl).catch(() => ({
        heap: 0,
        used: 0,
        external: 0,
      }));
      // ZINC_BENCH_MEMORY_TRACE=1: each sample as it is taken, to see when memory grows.
      if (process.env.ZINC_BENCH_MEMORY_TRACE) {
        console.log(
          `    t=${((performance.now() - t0) / 1000).toFixed(0)}s rss ${statusMiB(up.pid, 'VmRSS').toFixed(0)} heap ${node.heap.toFixed(0)} used ${node.used.toFixed(0)} external ${node.external.toFixed(0)}`,
        );
      }
      memory.heap = Math.max(memory.heap, node.heap);
      memory.external = Math.max(memory.external, node.external);
    };
    const t0 = performance.now();
    const sampler = setInterval(() => void sample(), 2_000);
    const rssAtStart = statusMiB(up.pid, 'VmRSS');
    const result = await gradeThroughWorkflow(stack, collectionId, concurrency, perActivity);
    clearInterval(sampler);
    await sample();
    const [zinc1, server1] = [cpuSecs(up.pid), cpuSecs(stack.server.pid)];
    const [zincPeak, serverPeak] = [
      statusMiB(up.pid, 'VmHWM'),
      statusMiB(stack.server.pid, 'VmHWM'),
    ];
    const cpu = { zinc: zinc1.own - zinc0.own, server: server1.own - server0.own };
    console.log(
      `${label}: ${n} deliveries, do-nothing pipeline, concurrency ${concurrency}, ${describePerActivity(stack, perActivity)}, graded by a zinc up process (seeded in ${seedSecs.toFixed(1)} s)`,
    );
    console.log(
      `  status ${result.summary.status}: ${result.summary.done} graded, ${result.summary.errored} errored`,
    );
    if (result.summary.errored > 0) {
      console.log(`  first failures: ${JSON.stringify(result.summary.failures.slice(0, 3))}`);
    }
    console.log(`  ${result.secs.toFixed(1)} s, ${(n / result.secs).toFixed(1)} deliveries/s`);
    const perDelivery = (secs: number) => `${((secs * 1000) / n).toFixed(2)} ms`;
    console.log(
      `  CPU per delivery: zinc ${perDelivery(cpu.zinc)} + Temporal server ${perDelivery(cpu.server)} = ${perDelivery(cpu.zinc + cpu.server)} ` +
        `(${(n / (cpu.zinc + cpu.server)).toFixed(0)} deliveries per CPU-second; ${(cpu.zinc + cpu.server).toFixed(1)} s of CPU in all)`,
    );
    console.log(
      `  workflow tasks ${result.profile.workflowTasks} (${(result.profile.workflowTasks / n).toFixed(2)} per delivery), mean wait ${result.profile.workflowTaskWaitMs.toFixed(1)} ms, run ${result.profile.workflowTaskRunMs.toFixed(1)} ms (last run's history)`,
    );
    console.log(
      `  runs (continue-as-new): ${result.runs}; most events in one run's history: ${result.maxEvents}`,
    );
    console.log(
      `  zinc up peak RSS (core, API, workers, ${postgres ? 'database client; PostgreSQL in its own processes' : 'PGlite'}): ${zincPeak.toFixed(0)} MiB; Temporal dev server peak RSS: ${serverPeak.toFixed(0)} MiB`,
    );
    console.log(
      `  zinc up during the batch: RSS ${rssAtStart.toFixed(0)} MiB at its start, at most ${memory.rss.toFixed(0)} MiB; ` +
        `V8 heap at most ${memory.heap.toFixed(0)} MiB, external (PGlite's WebAssembly memory, buffers) at most ${memory.external.toFixed(0)} MiB`,
    );
  } finally {
    await zinc?.stop();
    if (handedOver) {
      await stack.temporal.close();
      await stack.server.stop();
    } else {
      await stack.stop();
    }
    await postgres?.stop();
  }
}

if (mode === 'overhead')
  await overhead(
    Number(nArg ?? 200),
    Number(concurrencyArg ?? 2),
    parsePerActivity(process.argv[5]),
  );
else if (mode === 'throughput')
  await noop(
    Number(nArg ?? 5_000),
    Number(concurrencyArg ?? 20),
    parsePerActivity(process.argv[5]),
    'throughput',
  );
else if (mode === 'scale')
  await noop(
    Number(nArg ?? 100_000),
    Number(concurrencyArg ?? 20),
    parsePerActivity(process.argv[5]),
    'scale',
  );
else if (mode === 'telemetry')
  await telemetry(
    Number(nArg ?? 60),
    Number(concurrencyArg ?? 2),
    parseTelemetryPart(process.argv[5]),
  );
else if (mode === 'telemetry-run') {
  // on, off, or one of the two alone (metrics, tracing), to see where a cost comes from.
  const [, , , what, n, concurrency, otlp] = process.argv;
  await telemetryRun(
    what as 'on' | 'off' | 'metrics' | 'tracing',
    Number(n),
    Number(concurrency),
    otlp!,
  );
} else {
  console.error(`unknown mode ${mode}: overhead, throughput, scale or telemetry`);
  process.exitCode = 1;
}
process.exit();

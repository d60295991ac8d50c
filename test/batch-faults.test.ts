// BatchGrading through real faults, with every component's worker in its own OS process (the
// real `zinc worker` CLI), a real PostgreSQL shared by all of them and a real S3 server behind
// a TCP proxy: the pipeline worker killed -9 twice, the Temporal dev server killed -9 and
// started again on its SQLite file, and object storage unreachable for a few seconds. Each
// batch must end with every delivery graded exactly once and none ERRORED.
import { chmodSync, readdirSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBatch, type BatchHandle } from '../src/core/batch-client.js';
import { gradingConfigSchema, type GradingDefaults } from '../src/core/grading-config.js';
import { createConfigStore } from '../src/extensions/pipeline/config-store.js';
import { PIPELINE_TASK_QUEUE } from '../src/extensions/pipeline/constants.js';
import { SUBMISSION_TASK_QUEUE } from '../src/extensions/submission/constants.js';
import { createSubmissionService } from '../src/extensions/submission/service.js';
import { batchResult } from '../src/cli/watch.js';
import { migrateComponents, type Component } from '../src/main/zinc.js';
import { loadConfig } from '../src/config/index.js';
import { openPlatform, type Platform } from '../src/platform/platform.js';
import { connectTemporalClient, type ZincTemporalClient } from '../src/temporal/client.js';
import { CORE_TASK_QUEUE } from '../src/temporal/constants.js';
import { freePort, type DevServer } from '../src/temporal/dev-server.js';
import { installRuntime } from '../src/temporal/runtime.js';
import { progressQuery } from '../src/workflows/grading/batch-grading.js';
import type { BatchProgress, BatchSummary } from '../src/workflows/grading/types.js';
import type { healthCheckWorkflow } from '../src/workflows/health/health-check.js';
import {
  completedPipelines,
  describeRetries,
  pipelineGroups,
  pipelineStageOn,
  retriesAfter,
} from './helpers/batch-history.js';
import { startPostgres, type TestPostgres } from './helpers/postgres.js';
import { startS3Server, type S3Server } from './helpers/s3-server.js';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.js';
import { NAMESPACE, startTestServer, tempDir } from './helpers/temporal.js';
import { startZincWorker, type ZincWorkerProcess } from './helpers/zinc-worker.js';

// Two tests per delivery, each a program that sleeps 0.6 s: a delivery takes a few seconds,
// so a batch is still grading when the fault hits.
const CONFIG = `_settings:
  lang: cpp/g++:12
  lang_version_may_differ: true
  use_template: FILENAMES
  template: [main.cpp]
  stage_wait_duration_secs: 20
compile:
  input: ["*.cpp"]
  output: main
  flags: ["-std=c++17"]
stdioTest:
  testCases:
    - { id: 1, file: main, stdin: "1 2", expected: "3", score: 1 }
    - { id: 2, file: main, stdin: "40 2", expected: "42", score: 1 }
score:
  normalizedTo: 100
`;
const program = (op: '+' | '*'): string =>
  `#include <chrono>\n#include <iostream>\n#include <thread>\nint main(){std::this_thread::sleep_for(std::chrono::milliseconds(600));long a,b;std::cin>>a>>b;std::cout<<a${op}b<<"\\n";}\n`;
const STUDENTS = { s1: '+', s2: '+', s3: '*', s4: '+', s5: '+', s6: '*' } as const;
const EXPECTED_COUNTS = { PASSED: 4, WRONG_OUTPUT: 2 };
const BUCKET = 'zinc-faults';

// Quick recovery: a silent pipeline worker is given up after 5 s (the least the configuration
// allows), and failed attempts are retried after 0.5 s, 1 s, then every 2 s, ten times at most.
const DEFAULTS: GradingDefaults = gradingConfigSchema.parse({
  concurrency: 3,
  max_attempts: 10,
  initial_interval_secs: 0.5,
  max_interval_secs: 2,
  heartbeat_timeout_secs: 5,
  slack_secs: 10,
});

let postgres: TestPostgres;
let s3: S3Server;
let s3Proxy: TcpProxy;
let server: DevServer;
let stateDir: string;
let temporalPort: number;
let platform: Platform;
let temporal: ZincTemporalClient;
let collectionId: string;
let deliveryIds: string[];
const workers = new Map<Component, ZincWorkerProcess>();
const dirs: string[] = [];
const dataDirs = new Map<ZincWorkerProcess, string>();

/** A temporary folder removed after the suite. */
function dir(prefix: string): string {
  const path = tempDir(prefix);
  dirs.push(path);
  return path;
}

/** The environment a `zinc worker` process is configured with, as an operator would set it. */
function workerEnv(dataDir: string): Record<string, string> {
  return {
    ZINC_DATA_DIR: dataDir,
    // Its own temporary folder (reachable by the sandbox user), for the pipeline's work dirs.
    TMPDIR: dataDir,
    ZINC_TEMPORAL_HOST_PORT: `127.0.0.1:${temporalPort}`,
    ZINC_TEMPORAL_NAMESPACE: NAMESPACE,
    DATABASE_URL: postgres.url,
    ZINC_STORAGE_KIND: 's3',
    ZINC_S3_ENDPOINT: `http://127.0.0.1:${s3Proxy.port}`,
    ZINC_S3_BUCKET: BUCKET,
    ZINC_S3_ACCESS_KEY_ID: s3.accessKeyId,
    ZINC_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    ZINC_WORKER_SHUTDOWN_GRACE_SECS: '2',
  };
}

/** Starts (or starts again) one component's worker process and waits until it is up. */
async function startWorker(component: Component): Promise<ZincWorkerProcess> {
  const dataDir = dir(`zinc-faults-${component}-`);
  chmodSync(dataDir, 0o711);
  const worker = startZincWorker(component, workerEnv(dataDir));
  workers.set(component, worker);
  dataDirs.set(worker, dataDir);
  await worker.ready;
  return worker;
}

async function waitFor<T>(
  probe: () => Promise<T>,
  ok: (v: T) => boolean,
  what: string,
): Promise<T> {
  for (let i = 0; i < 1200; i++) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined && ok(value)) return value;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Checks what a user would: the batch completed, each delivery has one report, none ERRORED. */
async function expectGradedOnce(batchId: string, summary: BatchSummary): Promise<void> {
  expect(summary).toMatchObject({ status: 'completed', total: 6, done: 6, errored: 0 });
  expect(summary.counts).toEqual(EXPECTED_COUNTS);
  const { rows } = await platform.db.query<{ delivery_id: string; n: string; key: string }>(
    `SELECT delivery_id, count(*) AS n, min(report_key) AS key
       FROM reports WHERE batch_id = $1 AND pipeline_error IS NULL
      GROUP BY delivery_id ORDER BY delivery_id`,
    [batchId],
  );
  expect(rows.map((r) => [r.delivery_id, Number(r.n)])).toEqual(
    [...deliveryIds].sort().map((id) => [id, 1]),
  );
  for (const row of rows) expect(await platform.objects.exists(row.key)).toBe(true);
  const failures = await platform.db.query('SELECT 1 FROM batch_failures WHERE batch_id = $1', [
    batchId,
  ]);
  expect(failures.rows).toEqual([]);
  const { rows: batch } = await platform.db.query<{ status: string; errored: number }>(
    'SELECT status, errored FROM batches WHERE id = $1',
    [batchId],
  );
  expect(batch).toEqual([{ status: 'completed', errored: 0 }]);
  const { rows: audit } = await platform.db.query<{ action: string }>(
    'SELECT action FROM audit_log WHERE target = $1 ORDER BY id',
    [batchId],
  );
  expect(audit.map((a) => a.action)).toEqual(['batch.start', 'batch.finish']);
}

beforeAll(async () => {
  installRuntime({ level: 'error' });
  [postgres, s3] = await Promise.all([startPostgres(), startS3Server()]);
  s3Proxy = await startTcpProxy('127.0.0.1', Number(new URL(s3.endpoint).port));
  stateDir = dir('zinc-faults-temporal-');
  temporalPort = await freePort();
  server = await startTestServer({ stateDir, port: temporalPort });

  // The test's own view of the stack goes to S3 directly, not through the proxy it cuts.
  const dataDir = dir('zinc-faults-');
  const config = loadConfig({
    env: {
      DATABASE_URL: postgres.url,
      ZINC_STORAGE_KIND: 's3',
      ZINC_S3_ENDPOINT: s3.endpoint,
      ZINC_S3_BUCKET: BUCKET,
      ZINC_S3_ACCESS_KEY_ID: s3.accessKeyId,
      ZINC_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      ZINC_TEMPORAL_NAMESPACE: NAMESPACE,
    },
    overrides: { dataDir },
    cwd: dataDir,
  });
  platform = await openPlatform(config);
  await migrateComponents(platform);
  temporal = await connectTemporalClient(config.temporal, server.address);

  const service = createSubmissionService({
    ...platform,
    limits: { maxFiles: 10, maxTotalBytes: 1 << 20, maxFileBytes: 1 << 20, maxExpansionRatio: 100 },
  });
  const { store } = service;
  const course = await store.ensureCourse({ code: 'COMP2012' });
  const activity = await store.ensureActivity(course.id, 'Lab 3');
  const collection = await store.ensureCollection(
    activity.id,
    'faults',
    '2026-09-01T00:00:00Z',
    '2026-12-01T00:00:00Z',
  );
  collectionId = collection.id;
  const configs = createConfigStore(platform);
  const { id: configId } = await configs.addVersion(CONFIG, []);
  await configs.attachToCollection(collectionId, configId);
  deliveryIds = [];
  for (const [student, op] of Object.entries(STUDENTS)) {
    await store.ensureUser({ id: student });
    await store.setMember(course.id, student, 'student');
    const { delivery } = await service.deliver({
      collectionId,
      userId: student,
      submittedAt: new Date('2026-10-01T00:00:00Z'),
      files: [{ path: 'main.cpp', content: Buffer.from(program(op)) }],
    });
    deliveryIds.push(delivery.id);
  }
  await store.ensureUser({ id: 'ta' });
  await store.setMember(course.id, 'ta', 'staff');

  await Promise.all((['core', 'submission', 'pipeline'] as const).map(startWorker));
}, 180_000);

afterAll(async () => {
  await Promise.all([...workers.values()].map((w) => w.stop()));
  await temporal?.close();
  await platform?.close();
  await server?.stop();
  await s3Proxy?.close();
  await s3?.stop();
  await postgres?.stop();
  for (const path of dirs) rmSync(path, { recursive: true, force: true });
});

async function grade(
  overrides: Partial<GradingDefaults> = {},
): Promise<{ batchId: string; handle: BatchHandle }> {
  return startBatch(temporal, { ...DEFAULTS, ...overrides }, { collectionId, requestedBy: 'ta' });
}

const progressText = (p: BatchProgress): string =>
  `${p.done}/${p.total} graded, ${p.inFlight} in flight`;

/** A fault's timeline as seen from outside, printed with the test's output (never asserted). */
function timeline(title: string) {
  const start = Date.now();
  const lines: string[] = [];
  return {
    note(text: string): void {
      lines.push(`  ${((Date.now() - start) / 1000).toFixed(1)} s: ${text}`);
    },
    add(more: readonly string[]): void {
      lines.push(...more);
    },
    print(): void {
      console.info(`${title}\n${lines.join('\n')}`);
    },
  };
}

/** Waits until the batch has graded one delivery and is grading others. */
function gradingUnderWay(handle: BatchHandle): Promise<BatchProgress> {
  return waitFor(
    () => handle.query(progressQuery),
    (p) => p.done >= 1 && p.done < p.total && p.inFlight > 0,
    'a batch partly graded',
  );
}

describe('BatchGrading through real faults', () => {
  it('grades every delivery once when the pipeline worker is killed -9 twice mid-batch', async () => {
    // One ExecutePipeline per delivery (grading.deliveries_per_activity 1); groups: next test.
    const { batchId, handle } = await grade({ deliveries_per_activity: 1 });
    const log = timeline('pipeline worker killed -9 twice:');
    for (const round of [1, 2]) {
      const victim = workers.get('pipeline')!;
      // Kill it while it is grading: an ExecutePipeline attempt it started is in the pipeline.
      const stage = await waitFor(
        () => pipelineStageOn(handle, victim.pid),
        (found) => found !== undefined,
        `grading on pipeline worker ${victim.pid}`,
      );
      const before = await handle.query(progressQuery);
      await victim.kill();
      log.note(
        `kill -9 #${round} of pid ${victim.pid}, grading at stage ${stage} (${progressText(before)})`,
      );
      const left = readdirSync(dataDirs.get(victim)!).filter((n) => n.startsWith('zinc-pipeline-'));
      log.note(`pid ${victim.pid} gone, leaving ${left.length} sandbox work dir(s) behind`);
      const again = await startWorker('pipeline');
      log.note(`pipeline worker started again as pid ${again.pid}`);
    }
    const summary = await batchResult(handle);
    log.note('batch completed');
    const attempts = await completedPipelines(handle);
    log.add(describeRetries(attempts));
    log.print();

    await expectGradedOnce(batchId, summary);
    expect(attempts).toHaveLength(6);
    // The kills hit deliveries being graded: given up on after the heartbeat timeout, retried.
    const retried = attempts.filter((a) => a.attempt > 1);
    expect(retried.length).toBeGreaterThan(0);
    for (const a of retried) expect(a.lastFailure).toMatch(/Heartbeat timeout/);
  });

  it('grades every delivery once when the pipeline worker is killed -9 while it grades a group of deliveries in one activity', async () => {
    // Groups of 3 (grading.deliveries_per_activity 3, group_secs 0: not sized by pace), so
    // the kill finds several deliveries in one ExecutePipelines.
    const { batchId, handle } = await grade({ deliveries_per_activity: 3, group_secs: 0 });
    const log = timeline('pipeline worker killed -9 while grading a group:');
    const victim = workers.get('pipeline')!;
    const stage = await waitFor(
      () => pipelineStageOn(handle, victim.pid, 'ExecutePipelines'),
      (found) => found !== undefined,
      `a group grading on pipeline worker ${victim.pid}`,
    );
    const before = await handle.query(progressQuery);
    await victim.kill();
    log.note(`kill -9 of pid ${victim.pid}, a group at stage ${stage} (${progressText(before)})`);
    const again = await startWorker('pipeline');
    log.note(`pipeline worker started again as pid ${again.pid}`);
    const summary = await batchResult(handle);
    log.note('batch completed');
    const groups = await pipelineGroups(handle);
    const alone = await completedPipelines(handle);
    for (const g of groups) {
      log.note(
        `group ${g.deliveryIds.join(', ')}: ${g.completed ? 'completed' : `lost (${g.failure})`}`,
      );
    }
    log.add(describeRetries(alone));
    log.print();

    await expectGradedOnce(batchId, summary);
    // Each delivery went out in one group; the group the kill hit was lost after the heartbeat
    // timeout, and each of its deliveries was graded alone by ExecutePipeline.
    expect(groups.flatMap((g) => g.deliveryIds).sort()).toEqual([...deliveryIds].sort());
    const lost = groups.filter((g) => !g.completed);
    expect(lost.length).toBeGreaterThan(0);
    for (const g of lost) expect(g.failure).toMatch(/Heartbeat timeout/i);
    expect(alone.map((a) => a.deliveryId).sort()).toEqual(
      lost.flatMap((g) => g.deliveryIds).sort(),
    );
  });

  it('grades every delivery once when the Temporal server is killed -9 mid-batch and started again', async () => {
    const { batchId, handle } = await grade();
    const log = timeline(
      'Temporal dev server killed -9, down 6 s, started on the same SQLite file:',
    );
    // A watcher (what `zinc grade --watch` runs) that keeps its connection through the outage;
    // the client's gRPC retries ride out some 30 s of it, no more (a longer one fails the watch).
    const watched = batchResult(handle);
    watched.catch(() => {}); // awaited below; the outage must not count as unhandled meanwhile
    const before = await gradingUnderWay(handle);
    const pids = new Map([...workers].map(([component, w]) => [component, w.pid]));
    process.kill(server.pid, 'SIGKILL');
    await server.exited;
    log.note(`kill -9 of the dev server (${progressText(before)})`);
    await sleep(6_000); // the outage: in-flight grading finishes while no server answers
    server = await startTestServer({ stateDir, port: temporalPort });
    log.note('dev server up again on the same port and state dir');

    const summary = await watched;
    log.note('batch completed (seen by the watcher started before the kill)');
    const attempts = await completedPipelines(handle);
    log.add(describeRetries(attempts));
    // No worker process dies: the SDK's workers retry their polls for as long as the server is
    // down (logging "gRPC call poll_... retried N times"), so no operator has to restart them,
    // and the same processes serve every queue again.
    const answers = await temporal.client.workflow.execute<typeof healthCheckWorkflow>(
      'healthCheckWorkflow',
      {
        taskQueue: temporal.formatTaskQueue(CORE_TASK_QUEUE),
        workflowId: `faults-health-${Date.now()}`,
        args: [
          {
            taskQueues: [CORE_TASK_QUEUE, SUBMISSION_TASK_QUEUE, PIPELINE_TASK_QUEUE].map((q) =>
              temporal.formatTaskQueue(q),
            ),
            timeoutSecs: 30,
          },
        ],
      },
    );
    log.note('health check answered');
    log.print();

    await expectGradedOnce(batchId, summary);
    expect(answers.map((a) => ('worker' in a ? a.worker.pid : a.error))).toEqual([
      pids.get('core'),
      pids.get('submission'),
      pids.get('pipeline'),
    ]);
    for (const w of workers.values()) expect(w.alive()).toBe(true);
  });

  it('retries and grades the deliveries hit by object storage being unreachable for 5 s', async () => {
    const { batchId, handle } = await grade();
    const log = timeline('object storage unreachable for 5 s (TCP proxy in front of S3 cut):');
    const pids = [...workers.values()].map((w) => w.pid);
    const before = await gradingUnderWay(handle);
    await s3Proxy.cut();
    log.note(`S3 cut (${progressText(before)})`);
    await sleep(5_000); // the outage, at least...
    // ...and until it has failed a delivery, however slow grading is on a busy machine.
    const hit = await waitFor(
      () => retriesAfter(handle, /^S3 object store /),
      (n) => n > 0,
      'a delivery failed by the storage outage',
    );
    const during = await handle.query(progressQuery);
    await s3Proxy.restore();
    log.note(`S3 back (${progressText(during)}; ${hit} waiting to be retried)`);
    const summary = await batchResult(handle);
    log.note('batch completed');
    const attempts = await completedPipelines(handle);
    log.add(describeRetries(attempts));
    log.print();

    await expectGradedOnce(batchId, summary);
    const retried = attempts.filter((a) => a.attempt > 1);
    expect(retried.length).toBeGreaterThan(0);
    // Storage errors are the infrastructure's: retried with backoff, not counted as ERRORED.
    for (const a of retried) expect(a.lastFailure).toMatch(/^S3 object store .*: cannot /);
    expect([...workers.values()].map((w) => w.alive() && w.pid)).toEqual(pids);
  });
});

// ExecutePipeline on the real dev server, with the real sandbox and g++, a real PostgreSQL (shared
// with a separate worker process) and disk storage: the outcome and the stored report,
// idempotency and regrades, heartbeats through long tests and a killed worker, cancellation, the
// three kinds of failure, grading.completed, and forged inputs (another course's delivery or
// config, a key pointing elsewhere) that grade nothing foreign.
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createZinc } from '../src/main/zinc.js';
import type { ZincConfig } from '../src/config/index.js';
import { pipelineExtension } from '../src/extensions/pipeline/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  RetryState,
} from '@temporalio/common';
import { temporal as proto } from '@temporalio/proto';
import { createConfigStore } from '../src/extensions/pipeline/config-store.js';
import { PIPELINE_TASK_QUEUE } from '../src/extensions/pipeline/constants.js';
import type {
  ExecutePipelineInput,
  PipelineOutcome,
} from '../src/extensions/pipeline/constants.js';
import type { GradingReport } from '../src/extensions/pipeline/report/index.js';
import { createReportStore } from '../src/extensions/pipeline/report-store.js';
import { createSubmissionService } from '../src/extensions/submission/service.js';
import type { ZincEvent } from '../src/platform/events.js';
import { CORE_TASK_QUEUE } from '../src/temporal/constants.js';
import { asActivities, asWorkflows } from '../src/temporal/registration.js';
import { formatTaskQueue } from '../src/temporal/task-queue.js';
import { createWorkerSet, type WorkerSet } from '../src/temporal/worker.js';
import type { executePipeline } from './fixtures/workflows.js';
import {
  buildSandboxLauncher,
  gxxMajor,
  leftIn,
  testSandboxUid,
  usePrivateTmpdir,
} from './helpers/pipeline.js';
import { startPostgres, type TestPostgres } from './helpers/postgres.js';
import { processesOfUid } from './helpers/sandbox.js';
import { startTestStack, type TestStack } from './helpers/stack.js';
import {
  activityStarts,
  countingBwrap,
  nonZero,
  reachableDir,
  sandboxCommands,
  waitFor,
} from './helpers/pipeline-activity.js';
import { exitOf, spawnTs, tempDir, waitForFile } from './helpers/temporal.js';

const workflowsPath = fileURLToPath(new URL('./fixtures/workflows.ts', import.meta.url));
const workerScript = fileURLToPath(new URL('./fixtures/pipeline-worker.ts', import.meta.url));

const SANDBOX_UID = testSandboxUid();
const KILLED_WORKER_UID = SANDBOX_UID + 1;
/** The queue prefixes of the killed-worker test and of the worker whose sandbox cannot start. */
const KILL_PREFIX = 'zinckill';
const BROKEN_PREFIX = 'zincbroken';

const settings = () => `_settings:
  lang: cpp/g++:${gxxMajor()}
  use_template: FILENAMES
  template: [main.cpp]
  stage_wait_duration_secs: 30
compile:
  input: ["*.cpp"]
  output: main
  flags: ["-std=c++17"]
`;
const CONFIG = `${settings()}stdioTest:
  testCases:
    - { id: 1, file: main, args: ["0"], stdin: "1 2", expected: "3", score: 1 }
    - { id: 2, file: main, args: ["0"], file_stdin: t2.in, file_expected: t2.out, score: 1, visibility: ALWAYS_HIDDEN }
score:
  normalizedTo: 100
`;
const ASSETS = [
  { path: 't2.in', content: Buffer.from('40 2\n') },
  { path: 't2.out', content: Buffer.from('42\n') },
];
/** Tests that sleep `ms` each, well within their time limit. */
const slowConfig = (tests: number, ms: number) =>
  `${settings()}stdioTest:
  testCases:
${Array.from(
  { length: tests },
  (_, i) =>
    `    - { id: ${i + 1}, file: main, args: ["${ms}"], stdin: "1 2", expected: "3", score: 1, time_limit_secs: 10 }`,
).join('\n')}
`;
const LOOP_CONFIG = `${settings()}stdioTest:
  testCases:
    - { id: 1, file: main, stdin: "", expected: "", score: 1, time_limit_secs: 60 }
`;

const PROGRAMS = {
  /** Sleeps argv[1] milliseconds, then adds two numbers. */
  correct: `#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>
int main(int argc, char **argv) {
  std::this_thread::sleep_for(std::chrono::milliseconds(argc > 1 ? std::atoi(argv[1]) : 0));
  long a, b;
  std::cin >> a >> b;
  std::cout << a + b << "\\n";
}
`,
  broken: 'int main( { return 0; }\n',
  crash: 'int main() { volatile int *p = nullptr; *p = 1; return 0; }\n',
  loop: 'int main() { volatile unsigned long n = 0; for (;;) n = n + 1; }\n',
};

let stack: TestStack;
let postgres: TestPostgres;
let tmp: string;
let sandboxRuns: () => number;
let workers: { stop(): Promise<void> };
const configs: Record<string, string> = {};
const deliveries: Record<string, { id: string; key: string }> = {};
/** The collection every delivery above belongs to (and every config is attached to). */
let collectionId: string;
/** Another course's collection, its delivery (a broken program) and its config. */
const foreign = { collectionId: '', delivery: { id: '', key: '' }, config: '' };
const completed: ZincEvent[] = [];

type SandboxSettings = Partial<ZincConfig['pipeline']['sandbox']>;

/** The pipeline extension's registration over this stack's platform, with these sandbox settings. */
function pipelineRegistration(sandbox: SandboxSettings) {
  const { config } = stack;
  const zinc = createZinc(
    {
      ...config,
      pipeline: { ...config.pipeline, sandbox: { ...config.pipeline.sandbox, ...sandbox } },
    },
    stack.platform,
  );
  return asActivities(pipelineExtension, zinc.pipeline);
}

/** Workers on queues of another prefix (this process), stopped with the result. */
async function workersWithPrefix(prefix: string, sandbox: SandboxSettings) {
  const set: WorkerSet = await createWorkerSet({
    temporal: { ...stack.config.temporal, task_queue_prefix: prefix },
    address: stack.server.address,
    worker: stack.config.worker,
    registrations: [pipelineRegistration(sandbox)],
  });
  const done = set.run();
  return {
    async stop() {
      set.shutdown();
      await done;
      await set.close();
    },
  };
}

interface Call {
  input: ExecutePipelineInput;
  prefix?: string;
  heartbeatTimeoutSecs?: number;
  maximumAttempts?: number;
}

/** Starts a workflow that runs ExecutePipeline once (with retries) on a pipeline queue. */
function start(call: Call): Promise<WorkflowHandle<typeof executePipeline>> {
  return stack.temporal.client.workflow.start<typeof executePipeline>('executePipeline', {
    taskQueue: stack.temporal.formatTaskQueue(CORE_TASK_QUEUE),
    workflowId: `execute-pipeline-${Date.now()}-${Math.random()}`,
    args: [
      {
        taskQueue: formatTaskQueue(
          call.prefix ?? stack.config.temporal.task_queue_prefix,
          PIPELINE_TASK_QUEUE,
        ),
        input: call.input,
        heartbeatTimeoutSecs: call.heartbeatTimeoutSecs ?? 10,
        startToCloseSecs: 120,
        maximumAttempts: call.maximumAttempts ?? 5,
      },
    ],
  });
}

async function execute(call: Call): Promise<PipelineOutcome> {
  return (await start(call)).result();
}

function input(batchId: string, delivery: string, config: string): ExecutePipelineInput {
  return {
    batchId,
    collectionId,
    deliveryId: deliveries[delivery]!.id,
    configVersion: configs[config]!,
  };
}

/** The activity failure a failed workflow ended with. */
async function activityFailureOf(
  handle: WorkflowHandle<typeof executePipeline>,
): Promise<ActivityFailure> {
  const error = await handle.result().catch((err: unknown) => err);
  expect(error).toBeInstanceOf(WorkflowFailedError);
  const cause = (error as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ActivityFailure);
  return cause as ActivityFailure;
}

const workDirsIn = (dir: string) => leftIn(dir).filter((name) => name.startsWith('zinc-pipeline-'));

beforeAll(async () => {
  buildSandboxLauncher();
  postgres = await startPostgres();
  stack = await startTestStack({ DATABASE_URL: postgres.url });
  tmp = usePrivateTmpdir('zinc-execute-pipeline-');
  stack.platform.events.subscribe('grading.completed', (event) => {
    completed.push(event);
  });

  const service = createSubmissionService({
    ...stack.platform,
    limits: { maxFiles: 10, maxTotalBytes: 1 << 20, maxFileBytes: 1 << 20, maxExpansionRatio: 100 },
  });
  const { store } = service;
  const course = await store.ensureCourse({ code: 'COMP2012' });
  const activity = await store.ensureActivity(course.id, 'Lab 2');
  const collection = await store.ensureCollection(
    activity.id,
    'main',
    '2026-09-01T00:00:00Z',
    '2026-12-01T00:00:00Z',
  );
  collectionId = collection.id;
  for (const [student, program] of Object.entries({ ...PROGRAMS, gone: PROGRAMS.correct })) {
    await store.ensureUser({ id: student });
    await store.setMember(course.id, student, 'student');
    const { delivery } = await service.deliver({
      collectionId: collection.id,
      userId: student,
      submittedAt: new Date('2026-10-01T00:00:00Z'),
      files: [{ path: 'main.cpp', content: Buffer.from(program) }],
    });
    deliveries[student] = { id: delivery.id, key: delivery.objectKey };
  }
  await stack.platform.objects.deletePrefix(deliveries.gone!.key); // its files are lost
  const configStore = createConfigStore(stack.platform);
  configs.main = (await configStore.addVersion(CONFIG, ASSETS)).id;
  configs.slow = (await configStore.addVersion(slowConfig(4, 3000), [])).id;
  configs.slowForKill = (await configStore.addVersion(slowConfig(2, 3000), [])).id;
  configs.loop = (await configStore.addVersion(LOOP_CONFIG, [])).id;
  for (const id of Object.values(configs)) await configStore.attachToCollection(collection.id, id);

  // Another course: its collection, a student's broken program, and its own config.
  const otherCourse = await store.ensureCourse({ code: 'COMP3021' });
  const otherCollection = await store.ensureCollection(
    (await store.ensureActivity(otherCourse.id, 'Lab 9')).id,
    'main',
    '2026-09-01T00:00:00Z',
    '2026-12-01T00:00:00Z',
  );
  await store.ensureUser({ id: 'o1' });
  await store.setMember(otherCourse.id, 'o1', 'student');
  const { delivery: otherDelivery } = await service.deliver({
    collectionId: otherCollection.id,
    userId: 'o1',
    submittedAt: new Date('2026-10-01T00:00:00Z'),
    files: [{ path: 'main.cpp', content: Buffer.from(PROGRAMS.broken) }],
  });
  foreign.collectionId = otherCollection.id;
  foreign.delivery = { id: otherDelivery.id, key: otherDelivery.objectKey };
  foreign.config = (
    await configStore.addVersion(CONFIG.replace('normalizedTo: 100', 'normalizedTo: 50'), ASSETS)
  ).id;
  await configStore.attachToCollection(otherCollection.id, foreign.config);

  const counting = countingBwrap(join(tmp, 'counting'));
  sandboxRuns = counting.runs;
  workers = await stack.startWorkers([
    asWorkflows(CORE_TASK_QUEUE, workflowsPath),
    pipelineRegistration({ uid: SANDBOX_UID, bwrap: counting.path }),
  ]);
}, 180_000);

afterAll(async () => {
  await workers?.stop();
  await stack?.stop();
  await postgres?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('ExecutePipeline', () => {
  it('returns a small outcome and stores the full report under reports/<batch>/<delivery>.json, with a row', async () => {
    const runsBefore = sandboxRuns();
    const outcome = await execute({ input: input('batch-a', 'correct', 'main') });
    const { id } = deliveries.correct!;
    expect(outcome).toEqual({
      batchId: 'batch-a',
      deliveryId: id,
      reportKey: `reports/batch-a/${id}.json`,
      score: 100,
      maxScore: 100,
      verdicts: expect.any(Object) as unknown,
      pipelineError: null,
      reused: false,
    });
    expect(nonZero(outcome.verdicts)).toEqual({ COMPILED: 1, PASSED: 2 });
    expect(sandboxRuns() - runsBefore).toBe(1); // one sandbox: the compile and two tests

    const { rows } = await stack.platform.db.query(
      'SELECT config_id, score, max_score, report_key FROM reports WHERE batch_id = $1 AND delivery_id = $2',
      ['batch-a', id],
    );
    expect(rows).toEqual([
      { config_id: configs.main, score: 100, max_score: 100, report_key: outcome.reportKey },
    ]);
    // The staff's view: the hidden test with its input and expected output, the config version.
    const report = JSON.parse(
      (await stack.platform.objects.get(outcome.reportKey)).toString('utf8'),
    ) as GradingReport;
    expect(report.configVersion).toBe(configs.main);
    const stage = report.stageReports.stdioTest;
    if (stage?.kind !== 'stdioTest') throw new Error('no stdioTest stage in the report');
    expect(stage.tests[1]).toMatchObject({
      id: 2,
      verdict: 'PASSED',
      visibility: 'ALWAYS_HIDDEN',
      stdin: { text: '40 2\n' },
      expected: { text: '42\n' },
      actual: { text: '42\n' },
    });
    expect(workDirsIn(tmp)).toEqual([]);
  });

  it('returns the stored outcome again for the same (batch, delivery) without grading; a new batch grades again', async () => {
    const { id } = deliveries.correct!;
    const key = `reports/batch-a/${id}.json`;
    const before = (await stack.platform.objects.get(key)).toString('utf8');
    const runsBefore = sandboxRuns();
    await stack.flushEvents();
    const eventsBefore = completed.filter((e) => e.data.batchId === 'batch-a').length;
    expect(eventsBefore).toBe(1);

    const again = await execute({ input: input('batch-a', 'correct', 'main') });
    expect(again).toMatchObject({ reportKey: key, score: 100, maxScore: 100, reused: true });
    expect(sandboxRuns()).toBe(runsBefore); // nothing ran in the sandbox
    expect((await stack.platform.objects.get(key)).toString('utf8')).toBe(before); // same startedAt
    await stack.flushEvents();
    expect(completed.filter((e) => e.data.batchId === 'batch-a')).toHaveLength(1);

    const regrade = await execute({ input: input('batch-b', 'correct', 'main') });
    expect(regrade).toMatchObject({ reportKey: `reports/batch-b/${id}.json`, reused: false });
    expect(sandboxRuns() - runsBefore).toBe(1);
    const { reports } = stack.zinc.pipeline.service;
    const first = (await reports.loadDocument('batch-a', id)) as GradingReport;
    const second = (await reports.loadDocument('batch-b', id)) as GradingReport;
    expect(second.startedAt > first.startedAt).toBe(true);
    await waitFor(
      () => completed.filter((e) => e.data.batchId === 'batch-b'),
      (found) => found.length > 0,
      'grading.completed of batch-b',
    );
    expect(completed.find((e) => e.data.batchId === 'batch-b')).toMatchObject({
      id: `grading.completed:batch-b:${id}`,
      data: {
        batchId: 'batch-b',
        deliveryId: id,
        userId: 'correct',
        score: 100,
        maxScore: 100,
        verdict: 'PASSED',
        reportKey: `reports/batch-b/${id}.json`,
      },
    });
  });

  it('stores one report and announces it once when two attempts for one (batch, delivery) overlap', async () => {
    const { id } = deliveries.correct!;
    const call = { input: input('batch-twice', 'correct', 'main') };
    const [first, second] = await Promise.all([start(call), start(call)]);
    const outcomes = await Promise.all([first.result(), second.result()]);
    expect(outcomes.map((o) => o.reused).sort()).toEqual([false, true]);
    expect(outcomes[0]).toEqual({ ...outcomes[1], reused: outcomes[0].reused });
    const { rows } = await stack.platform.db.query(
      'SELECT count(*)::int AS n FROM reports WHERE batch_id = $1',
      ['batch-twice'],
    );
    expect(rows).toEqual([{ n: 1 }]);
    await sleep(200);
    expect(completed.filter((e) => e.data.batchId === 'batch-twice')).toHaveLength(1);
    const report = (await createReportStore(stack.platform).loadDocument(
      'batch-twice',
      id,
    )) as GradingReport;
    expect(report.verdicts).toEqual(outcomes[0].verdicts);
  });

  it('keeps the document and the row of one report when saves race', async () => {
    const { reports } = stack.zinc.pipeline.service;
    const summary = (score: number) => ({
      score,
      maxScore: 10,
      verdicts: { PASSED: score },
      pipelineError: null,
    });
    // Ten pairs of racing saves, each pair for one (batch, delivery) with different reports.
    const pairs = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        Promise.all(
          [3, 7].map((score) =>
            reports.save('batch-race', `dlv_${i}`, configs.main!, summary(score)),
          ),
        ),
      ),
    );
    for (const [i, saved] of pairs.entries()) {
      const row = (await reports.get('batch-race', `dlv_${i}`))!;
      const document = (await reports.loadDocument('batch-race', `dlv_${i}`)) as {
        score: number;
      };
      expect(document.score).toBe(row.score);
      expect(saved.map((s) => s.stored).sort()).toEqual([false, true]);
      expect(saved.map((s) => s.record)).toEqual([row, row]);
    }
  });

  it("returns a student's compile error or crash as a normal outcome, graded once", async () => {
    const broken = await start({ input: input('batch-a', 'broken', 'main') });
    const crash = await start({ input: input('batch-a', 'crash', 'main') });
    // Without early_return_on_throw the tests still run, and find no program to run.
    expect(nonZero((await broken.result()).verdicts)).toEqual({
      COMPILE_ERROR: 1,
      RUNTIME_ERROR: 2,
    });
    const crashed = await crash.result();
    expect(nonZero(crashed.verdicts)).toEqual({ COMPILED: 1, RUNTIME_ERROR: 2 });
    expect(crashed).toMatchObject({ score: 0, maxScore: 100, pipelineError: null });
    for (const handle of [broken, crash]) {
      expect((await activityStarts(handle)).map((s) => s.attempt)).toEqual([1]);
    }
    await waitFor(
      () => completed.filter((e) => e.data.batchId === 'batch-a'),
      (found) => found.length === 3,
      'grading.completed of the three deliveries of batch-a',
    );
  });

  it('heartbeats through tests that each take as long as the heartbeat timeout', async () => {
    const handle = await start({
      input: input('batch-slow', 'correct', 'slow'),
      heartbeatTimeoutSecs: 3,
    });
    const outcome = await handle.result();
    expect(nonZero(outcome.verdicts)).toEqual({ COMPILED: 1, PASSED: 4 });
    expect((await activityStarts(handle)).map((s) => s.attempt)).toEqual([1]);
  });

  it('notices a killed worker by its missed heartbeats and grades the delivery once on another', async () => {
    const markers = tempDir('zinc-pipeline-worker-');
    const workerTmp = reachableDir(tmp, 'killed-worker');
    let child: ChildProcess | undefined = spawnTs(workerScript, {
      ZINC_TEMPORAL_HOST_PORT: stack.server.address,
      ZINC_TEMPORAL_NAMESPACE: stack.config.temporal.namespace,
      ZINC_TEMPORAL_TASK_QUEUE_PREFIX: KILL_PREFIX,
      DATABASE_URL: postgres.url,
      ZINC_DATA_DIR: stack.config.data_dir,
      ZINC_TEST_SANDBOX_UID: String(KILLED_WORKER_UID),
      ZINC_TEST_MARKERS: markers,
      TMPDIR: workerTmp,
    });
    let rescuer: { stop(): Promise<void> } | undefined;
    try {
      await waitForFile(join(markers, 'worker-ready'));
      const handle = await start({
        input: input('batch-kill', 'correct', 'slowForKill'),
        prefix: KILL_PREFIX,
        heartbeatTimeoutSecs: 3,
      });
      // The worker process is in the first test (the compile is behind it): kill it there.
      await waitFor(
        () => sandboxCommands(KILLED_WORKER_UID),
        (commands) => commands.some((c) => c[0] === './main'),
        'the killed worker to run a test',
      );
      const pid = child.pid!;
      child.kill('SIGKILL');
      expect(await exitOf(child)).toBe('SIGKILL');
      child = undefined;
      // Its sandbox dies with it (bwrap --die-with-parent, the launcher is pid 1).
      await waitFor(
        () => processesOfUid(KILLED_WORKER_UID),
        (pids) => pids.length === 0,
        "the killed worker's sandbox to go",
      );
      rescuer = await workersWithPrefix(KILL_PREFIX, { uid: SANDBOX_UID });

      const outcome = await handle.result();
      expect(outcome).toMatchObject({ score: 2, maxScore: 2, reused: false });
      expect(nonZero(outcome.verdicts)).toEqual({ COMPILED: 1, PASSED: 2 });
      const [started] = await activityStarts(handle);
      expect(started!.attempt).toBe(2);
      expect(started!.identity).toMatch(new RegExp(`^${process.pid}@`));
      expect(started!.identity).not.toMatch(new RegExp(`^${pid}@`));
      expect(started!.lastFailure?.timeoutFailureInfo?.timeoutType).toBe(
        proto.api.enums.v1.TimeoutType.TIMEOUT_TYPE_HEARTBEAT,
      );
      const { rows } = await stack.platform.db.query(
        'SELECT count(*)::int AS n FROM reports WHERE batch_id = $1',
        ['batch-kill'],
      );
      expect(rows).toEqual([{ n: 1 }]);
    } finally {
      child?.kill('SIGKILL');
      await rescuer?.stop();
      rmSync(markers, { recursive: true, force: true });
    }
  });

  it('kills the sandbox when cancelled, leaving no process, no work dir and no report', async () => {
    const handle = await start({
      input: input('batch-cancel', 'loop', 'loop'),
      heartbeatTimeoutSecs: 3,
    });
    await waitFor(
      () => sandboxCommands(SANDBOX_UID),
      (commands) => commands.some((c) => c[0] === './main'),
      'the endless test to run',
    );
    expect(processesOfUid(SANDBOX_UID).length).toBeGreaterThan(0);
    await handle.cancel();
    const error = await handle.result().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect((await handle.describe()).status.name).toBe('CANCELLED');
    // The workflow waited for the activity to finish cancelling: everything is gone already.
    expect(sandboxCommands(SANDBOX_UID)).toEqual([]);
    expect(processesOfUid(SANDBOX_UID)).toEqual([]);
    expect(workDirsIn(tmp)).toEqual([]);
    const history = await handle.fetchHistory();
    expect(history.events!.some((e) => e.activityTaskCanceledEventAttributes)).toBe(true);
    expect((await activityStarts(handle)).map((s) => s.attempt)).toEqual([1]);
    const { id } = deliveries.loop!;
    expect(await createReportStore(stack.platform).loadDocument('batch-cancel', id)).toBeNull();
    expect(await stack.platform.objects.exists(`reports/batch-cancel/${id}.json`)).toBe(false);
  });

  it('fails config faults and missing delivery files on the first attempt, without retrying', async () => {
    const store = createConfigStore(stack.platform);
    const invalidYaml = (await store.addVersion('_settings: [unclosed\n', [])).id;
    const lostAsset = (
      await store.addVersion(CONFIG.replace('normalizedTo: 100', 'normalizedTo: 10'), ASSETS)
    ).id;
    await stack.platform.objects.delete(`configs/${lostAsset}/assets/t2.out`);
    for (const id of [invalidYaml, lostAsset]) await store.attachToCollection(collectionId, id);
    const cases: Array<[ExecutePipelineInput, string, RegExp]> = [
      [
        { ...input('batch-err', 'correct', 'main'), configVersion: 'cfg_0000000000000000' },
        'ConfigNotFound',
        /grading config cfg_0000000000000000 does not exist/,
      ],
      [
        { ...input('batch-err', 'correct', 'main'), configVersion: invalidYaml },
        'InvalidConfig',
        new RegExp(`grading config ${invalidYaml} is not valid`),
      ],
      [
        { ...input('batch-err', 'correct', 'main'), configVersion: lostAsset },
        'InvalidConfig',
        /t2\.out/,
      ],
      [
        input('batch-err', 'gone', 'main'),
        'DeliveryFilesMissing',
        new RegExp(`has no files under ${deliveries.gone!.key}`),
      ],
    ];
    for (const [call, type, message] of cases) {
      const handle = await start({ input: call });
      const failure = await activityFailureOf(handle);
      const cause = failure.cause as ApplicationFailure;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      expect({ type: cause.type, nonRetryable: cause.nonRetryable }).toEqual({
        type,
        nonRetryable: true,
      });
      expect(cause.message).toMatch(message);
      expect(failure.retryState).toBe(RetryState.NON_RETRYABLE_FAILURE);
      expect((await activityStarts(handle)).map((s) => s.attempt)).toEqual([1]);
    }
    expect(await createReportStore(stack.platform).listForBatch('batch-err')).toEqual([]);
  });

  it("refuses forged inputs without grading anything: another collection's delivery or config", async () => {
    const runsBefore = sandboxRuns();
    const cases: Array<[ExecutePipelineInput, string, RegExp]> = [
      [
        // the batch's collection, but a delivery of another course
        { ...input('batch-forged', 'correct', 'main'), deliveryId: foreign.delivery.id },
        'DeliveryNotInCollection',
        new RegExp(
          `delivery ${foreign.delivery.id} does not belong to collection ${collectionId}; a batch grades only its own collection's deliveries`,
        ),
      ],
      [
        // another course's config on this collection (hidden tests would show in the report)
        { ...input('batch-forged', 'correct', 'main'), configVersion: foreign.config },
        'ConfigNotAttached',
        new RegExp(
          `grading config ${foreign.config} is not attached to collection ${collectionId}; a batch may use only its collection's configs`,
        ),
      ],
      [
        // an input recorded before v3 (no collectionId): the config must be attached to the
        // delivery's own collection
        {
          batchId: 'batch-forged',
          deliveryId: deliveries.correct!.id,
          deliveryKey: deliveries.correct!.key,
          configVersion: foreign.config,
        },
        'ConfigNotAttached',
        /is not attached to collection/,
      ],
      [
        { ...input('batch-forged', 'correct', 'main'), deliveryId: 'dlv_nowhere' },
        'DeliveryNotFound',
        /delivery dlv_nowhere does not exist/,
      ],
    ];
    for (const [call, type, message] of cases) {
      const failure = await activityFailureOf(await start({ input: call }));
      const cause = failure.cause as ApplicationFailure;
      expect({ type: cause.type, nonRetryable: cause.nonRetryable }).toEqual({
        type,
        nonRetryable: true,
      });
      expect(cause.message).toMatch(message);
    }
    expect(sandboxRuns()).toBe(runsBefore); // nothing ran
    expect(await createReportStore(stack.platform).listForBatch('batch-forged')).toEqual([]);
  });

  it('never reads a key from its input: a deliveryKey pointing at another delivery is ignored', async () => {
    // The key names the other course's broken program; the ID names a correct one. Recorded
    // inputs of batches before v3 carry a key, so one is accepted and ignored, with or without
    // collectionId.
    const legacy = await execute({
      input: {
        batchId: 'batch-key',
        deliveryId: deliveries.correct!.id,
        deliveryKey: foreign.delivery.key,
        configVersion: configs.main!,
      },
    });
    const current = await execute({
      input: { ...input('batch-key-2', 'correct', 'main'), deliveryKey: foreign.delivery.key },
    });
    for (const outcome of [legacy, current]) {
      expect(outcome).toMatchObject({ deliveryId: deliveries.correct!.id, score: 100 });
      expect(nonZero(outcome.verdicts)).toEqual({ COMPILED: 1, PASSED: 2 });
    }
    const { reports } = stack.zinc.pipeline.service;
    expect(await reports.get('batch-key', foreign.delivery.id)).toBeNull();
    expect(await reports.get('batch-key-2', foreign.delivery.id)).toBeNull();
  });

  it('retries an unavailable sandbox until the attempts are spent, storing nothing', async () => {
    const broken = await workersWithPrefix(BROKEN_PREFIX, {
      uid: SANDBOX_UID,
      bwrap: '/nonexistent/bwrap',
    });
    try {
      const handle = await start({
        input: input('batch-broken', 'correct', 'main'),
        prefix: BROKEN_PREFIX,
        maximumAttempts: 3,
      });
      const failure = await activityFailureOf(handle);
      expect(failure.retryState).toBe(RetryState.MAXIMUM_ATTEMPTS_REACHED);
      const cause = failure.cause as ApplicationFailure;
      expect({ type: cause.type, nonRetryable: cause.nonRetryable }).toEqual({
        type: 'SandboxUnavailable',
        nonRetryable: false,
      });
      expect(cause.message).toMatch(/cannot start bubblewrap \(\/nonexistent\/bwrap\)/);
      expect((await activityStarts(handle)).map((s) => s.attempt)).toEqual([3]);
      expect(await createReportStore(stack.platform).listForBatch('batch-broken')).toEqual([]);
      expect(workDirsIn(tmp)).toEqual([]);
    } finally {
      await broken.stop();
    }
  });
});

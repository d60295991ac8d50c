// Live feedback through the API, on the real dev server with every worker (one stack):
// - staff turn it on for a collection (students may not; bad input is refused; both audited);
// - a student's upload is then graded at once: the upload answers where to read the feedback,
//   and that route answers the student view of that delivery's report, the hidden test hidden
//   (staff get the whole report); starting its grading again starts nothing;
// - another student cannot read it;
// - the LiveGrading history shows ExecutePipeline scheduled on the live queue
//   (zinc-pipeline-live) with priority key 1, and a batch's on zinc-pipeline-default with the
//   course as its fairness key; the live report is not one of the batch's results;
// - off: an upload is not graded, and its feedback is "not graded live";
// - with the only batch slot of the pipeline worker held by a batch delivery that takes its
//   time, and another waiting behind it, a student's upload is graded on the live queue's own
//   slots: its feedback is there while that batch delivery is still running.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import proto, { type temporal } from '@temporalio/proto';
import { createApiServer, listenApi } from '../src/api/server.js';
import type { ZodApp } from '../src/api/context.js';
import { startLiveGrading } from '../src/core/live-feedback.js';
import {
  startApiFixture,
  PROGRAMS,
  until,
  type ApiAnswer,
  type ApiFixture,
} from './helpers/api.js';
import { startTestStack, type TestStack } from './helpers/stack.js';

let api: ApiFixture;

function upload(program: string, name = 'main.cpp'): FormData {
  const form = new FormData();
  form.append('files', new Blob([program]), name);
  return form;
}

/** The scheduling events of a workflow's pipeline runs (ExecutePipeline, ExecutePipelines). */
async function pipelineScheduled(stack: TestStack, workflowId: string) {
  const history = await stack.temporal.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? [])
    .map((e: temporal.api.history.v1.IHistoryEvent) => e.activityTaskScheduledEventAttributes)
    .filter((a) => a?.activityType?.name?.startsWith('ExecutePipeline') === true);
}

const setLive = (token: string, collectionId: string, body: unknown) =>
  api.call('PATCH', `/api/collections/${collectionId}/live-feedback`, { token, json: body });

describe('live feedback', () => {
  beforeAll(async () => {
    api = await startApiFixture();
  }, 180_000);

  afterAll(async () => {
    await api?.stop();
  });

  it('is set by staff only; students and bad input are refused and audited', async () => {
    const student = await setLive(api.tokens.s1!, api.ids.quick, { on: true });
    expect(student.status).toBe(403);
    expect(student.body.message).toBe(
      's1 is not staff of course COMP2011, so may not turn live feedback on or off for its collections',
    );
    const bad = await setLive(api.tokens.ta!, api.ids.quick, { on: 'yes' });
    expect(bad.status).toBe(400);
    expect(bad.body.fields[0].path).toBe('body.on');
    expect(await api.stack.zinc.submission.store.getLiveFeedback(api.ids.quick)).toBe(false);

    const on = await setLive(api.tokens.ta!, api.ids.quick, { on: true });
    expect(on.status, on.text).toBe(200);
    expect(on.body).toEqual({ collectionId: api.ids.quick, before: false, after: true });
    const audit = (await api.stack.zinc.core.batches.listAudit()).filter(
      (r) => r.action === 'api.collection.live',
    );
    expect(audit.map((r) => [r.actor, r.outcome.split(' ')[0]])).toEqual([
      ['s1', 'refused'],
      ['ta', 'refused'],
      ['ta', 'on'],
    ]);
  });

  it('grades an upload at once: the student gets the student view, hidden test hidden', async () => {
    const sent = await api.call('POST', `/api/collections/${api.ids.quick}/deliveries`, {
      token: api.tokens.s1,
      body: upload(`${PROGRAMS.correct}// live\n`),
    });
    expect(sent.status, sent.text).toBe(201);
    const deliveryId = sent.body.delivery.id as string;
    expect(sent.body.liveFeedback).toEqual({ feedback: `/api/deliveries/${deliveryId}/feedback` });

    // Polled with ?wait= until graded (pending meanwhile).
    const read = await until(
      () => api.call('GET', `${sent.body.liveFeedback.feedback}?wait=30`, { token: api.tokens.s1 }),
      (a) => a.status !== 200 || a.body.status !== 'pending',
      'the live report',
    );
    expect(read.status, read.text).toBe(200);
    expect(read.body).toMatchObject({ deliveryId, status: 'graded', view: 'student' });
    expect(read.body.configVersion).toBe(api.ids.config);
    const tests = read.body.report.stageReports.stdioTest.tests;
    expect(tests[0]).toMatchObject({ id: 1, verdict: 'PASSED' });
    expect(tests[1]).toEqual({ id: 2, hidden: true });
    // Nothing of the hidden test (stdin 40 2, expected 42) is in the student's report.
    expect(JSON.stringify(read.body.report)).not.toMatch(/40 2|"42/);

    const staff = await api.call('GET', `/api/deliveries/${deliveryId}/feedback`, {
      token: api.tokens.ta,
    });
    expect(staff.body.view).toBe('staff');
    expect(staff.body.report.stageReports.stdioTest.tests[1]).toMatchObject({
      id: 2,
      verdict: 'PASSED',
    });

    // Starting its live grading again (as a retried start would) starts nothing: one per delivery.
    const upload1 = (await api.stack.zinc.core.batches.listAudit()).find(
      (r) => r.action === 'api.delivery.create' && r.target === deliveryId,
    );
    expect(upload1?.details.liveFeedback).toBe('started');
    const again = await startLiveGrading(api.stack.temporal, api.stack.config.grading, {
      id: deliveryId,
      collectionId: api.ids.quick,
    });
    expect(again).toEqual({ workflowId: `live-${deliveryId}`, started: false });
    const { count } = await api.stack.temporal.client.workflow.count(
      `WorkflowType = "liveGradingWorkflow" AND WorkflowId = "live-${deliveryId}"`,
    );
    expect(count).toBe(1);

    // Another student may not read it; nor may staff of another course.
    for (const who of ['s2', 'tb']) {
      const other = await api.call('GET', `/api/deliveries/${deliveryId}/feedback`, {
        token: api.tokens[who],
      });
      expect(other.status).toBe(403);
      expect(other.body.report).toBeUndefined();
    }

    // LiveGrading ran ExecutePipeline on the live queue, with priority key 1.
    const [scheduled] = await pipelineScheduled(api.stack, `live-${deliveryId}`);
    expect(scheduled?.taskQueue?.name).toBe('zinc-pipeline-live');
    expect(scheduled?.priority?.priorityKey).toBe(1);
  });

  it('is not a batch result; batches share the queue by course (fairness key)', async () => {
    const started = await api.call('POST', '/api/batches', {
      token: api.tokens.ta,
      json: { collectionId: api.ids.quick },
    });
    expect(started.status, started.text).toBe(202);
    const batchId = started.body.batchId as string;
    await api.stack.temporal.client.workflow.getHandle(batchId).result();
    const results = await api.call('GET', `/api/batches/${batchId}/results`, {
      token: api.tokens.ta,
    });
    expect(results.status, results.text).toBe(200);
    // Three students' latest deliveries, each graded by the batch itself.
    expect(results.body.rows.map((r: { student: string }) => r.student).sort()).toEqual([
      's1',
      's2',
      's3',
    ]);
    const reports = await api.stack.zinc.pipeline.service.reports.listForBatch(batchId);
    expect(reports).toHaveLength(3);
    // Its pipeline runs (one per delivery, or groups of them) on the batch queue, keyed by course.
    const scheduled = await pipelineScheduled(api.stack, batchId);
    expect(scheduled.length).toBeGreaterThan(0);
    expect(new Set(scheduled.map((a) => a?.taskQueue?.name))).toEqual(
      new Set(['zinc-pipeline-default']),
    );
    expect(new Set(scheduled.map((a) => a?.priority?.fairnessKey))).toEqual(
      new Set([api.ids.course]),
    );
  });

  it('off: an upload is not graded', async () => {
    const off = await setLive(api.tokens.ta!, api.ids.quick, { on: false });
    expect(off.body).toEqual({ collectionId: api.ids.quick, before: true, after: false });
    const sent = await api.call('POST', `/api/collections/${api.ids.quick}/deliveries`, {
      token: api.tokens.s2,
      body: upload(`${PROGRAMS.correct}// not live\n`),
    });
    expect(sent.status, sent.text).toBe(201);
    expect(sent.body.liveFeedback).toBeUndefined();
    const deliveryId = sent.body.delivery.id as string;
    const read = await api.call('GET', `/api/deliveries/${deliveryId}/feedback?wait=2`, {
      token: api.tokens.s2,
    });
    expect(read.status).toBe(404);
    expect(read.body.message).toBe(
      `delivery ${deliveryId} was not graded live: its collection did not have live feedback on when it was uploaded`,
    );
    const { count } = await api.stack.temporal.client.workflow.count(
      `WorkflowId = "live-${deliveryId}"`,
    );
    expect(count).toBe(0);
  });
});

// A batch delivery that sleeps far longer than a live grading takes; the live one answers at once.
const SLOW_CONFIG = `_settings:
  lang: python/python3:3
  lang_version_may_differ: true
  use_template: FILENAMES
  template: [main.py]
  stage_wait_duration_secs: 120
stdioTest:
  testCases:
    - { id: 1, file: main.py, stdin: "2 2", expected: "4", score: 1 }
score:
  normalizedTo: 100
`;
const SLOW = 'import time\ntime.sleep(30)\na, b = map(int, input().split())\nprint(a + b)\n';
const QUICK = 'a, b = map(int, input().split())\nprint(a + b)\n';

describe('live feedback while batch work holds every batch slot', () => {
  let stack: TestStack;
  let app: ZodApp;
  let url: string;
  let collectionId: string;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    // One batch slot per pipeline worker; the live queue keeps its default two.
    stack = await startTestStack({
      ZINC_WORKER_MAX_CONCURRENT_ACTIVITIES: '1',
      ZINC_WORKER_SHUTDOWN_GRACE_SECS: '1',
      ZINC_API_PORT: '0',
    });
    const { service, store } = stack.zinc.submission;
    const course = await store.ensureCourse({ code: 'COMP1021' });
    const lab = await store.ensureActivity(course.id, 'Lab 1');
    const now = Date.now();
    const collection = await store.ensureCollection(
      lab.id,
      'main',
      new Date(now - 86_400_000),
      new Date(now + 30 * 86_400_000),
    );
    collectionId = collection.id;
    const { configs } = stack.zinc.pipeline.service;
    const { id: configId } = await configs.addVersion(SLOW_CONFIG, []);
    await configs.attachToCollection(collectionId, configId);
    for (const [user, role] of [
      ['ta', 'staff'],
      ['b1', 'student'],
      ['b2', 'student'],
      ['s1', 'student'],
    ] as const) {
      await store.ensureUser({ id: user });
      await store.setMember(course.id, user, role);
      tokens[user] = (await stack.zinc.core.tokens.create({ userId: user })).token;
    }
    // Two deliveries for the batch, each holding a pipeline slot for half a minute.
    for (const user of ['b1', 'b2']) {
      await service.deliver({
        collectionId,
        userId: user,
        submittedAt: new Date(now - 3_600_000),
        files: [{ path: 'main.py', content: Buffer.from(SLOW) }],
      });
    }
    await store.setLiveFeedback(collectionId, true);
    await stack.startWorkers();
    app = await createApiServer({
      config: stack.config,
      temporal: stack.temporal,
      zinc: stack.zinc,
    });
    url = await listenApi(app, stack.config.api);
  }, 180_000);

  afterAll(async () => {
    await app?.close();
    await stack?.stop();
  });

  async function call(method: string, path: string, token: string, body?: FormData | object) {
    const form = body instanceof FormData;
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined && !form ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: form ? body : JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, body: JSON.parse(text) };
  }

  it("a student's upload is graded while a batch delivery holds the only batch slot", async () => {
    const started = await call('POST', '/api/batches', tokens.ta!, { collectionId });
    expect(started.status, started.text).toBe(202);
    const batchId = started.body.batchId as string;
    const batch = stack.temporal.client.workflow.getHandle(batchId);

    // Wait until a batch delivery runs: the worker's one batch slot is taken.
    const STARTED = proto.temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED;
    const gradingNow = async () =>
      ((await batch.describe()).raw.pendingActivities ?? []).filter(
        (a) => a.activityType?.name?.startsWith('ExecutePipeline') === true && a.state === STARTED,
      ).length;
    for (let i = 0; (await gradingNow()) === 0; i++) {
      if (i === 600) throw new Error('timed out waiting for the batch to grade a delivery');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    const sent = await call(
      'POST',
      `/api/collections/${collectionId}/deliveries`,
      tokens.s1!,
      upload(QUICK, 'main.py'),
    );
    expect(sent.status, sent.text).toBe(201);
    // Read the feedback until it is graded, or until the batch has stored a report (a live
    // grading that waited for the batch's slot would be graded only after that).
    const reports = stack.zinc.pipeline.service.reports;
    let feedback: ApiAnswer;
    for (;;) {
      feedback = await call('GET', `${sent.body.liveFeedback.feedback}?wait=1`, tokens.s1!);
      if (feedback.status !== 200 || feedback.body.status !== 'pending') break;
      if ((await reports.listForBatch(batchId)).length > 0) break;
    }
    // Read at once after: the batch is still grading its first delivery, nothing of it stored.
    const batchRunning = (await batch.describe()).status.name;
    const batchReports = await reports.listForBatch(batchId);
    const stillGrading = await gradingNow();

    expect(feedback.status, feedback.text).toBe(200);
    expect(feedback.body, 'the live feedback before the batch stored a report').toMatchObject({
      status: 'graded',
      view: 'student',
    });
    expect(feedback.body.report.stageReports.stdioTest.tests[0]).toMatchObject({
      id: 1,
      verdict: 'PASSED',
    });
    expect(batchRunning).toBe('RUNNING');
    expect(batchReports).toEqual([]);
    expect(stillGrading).toBe(1);
    const [scheduled] = await pipelineScheduled(stack, `live-${sent.body.delivery.id}`);
    expect(scheduled?.taskQueue?.name).toBe('zinc-pipeline-live');

    await batch.cancel();
  });
});

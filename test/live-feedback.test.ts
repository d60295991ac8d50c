// Live feedback through the API, on the real dev server with every worker (one stack):
// - staff turn it on for a collection (students may not; bad input is refused; both audited);
// - a student's upload is then graded at once: the upload answers where to read the feedback,
//   and that route answers the student view of that delivery's report, the hidden test hidden
//   (staff get the whole report); starting its grading again starts nothing;
// - another student cannot read it;
// - the LiveGrading history shows ExecutePipeline scheduled with priority key 1, and a batch's
//   with the course as its fairness key; the live report is not one of the batch's results;
// - off: an upload is not graded, and its feedback is "not graded live".
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { temporal } from '@temporalio/proto';
import { startLiveGrading } from '../src/core/live-feedback.js';
import { startApiFixture, PROGRAMS, until, type ApiFixture } from './helpers/api.js';

let api: ApiFixture;

beforeAll(async () => {
  api = await startApiFixture();
}, 180_000);

afterAll(async () => {
  await api?.stop();
});

function upload(program: string): FormData {
  const form = new FormData();
  form.append('files', new Blob([program]), 'main.cpp');
  return form;
}

/** The ExecutePipeline scheduling events of a workflow's history. */
async function pipelineScheduled(workflowId: string) {
  const history = await api.stack.temporal.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? [])
    .map((e: temporal.api.history.v1.IHistoryEvent) => e.activityTaskScheduledEventAttributes)
    .filter((a) => a?.activityType?.name === 'ExecutePipeline');
}

const setLive = (token: string, collectionId: string, body: unknown) =>
  api.call('PATCH', `/api/collections/${collectionId}/live-feedback`, { token, json: body });

describe('live feedback', () => {
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

    // LiveGrading ran ExecutePipeline ahead of batch work: priority key 1.
    const [scheduled] = await pipelineScheduled(`live-${deliveryId}`);
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
    const scheduled = await pipelineScheduled(batchId);
    expect(scheduled.map((a) => a?.priority?.fairnessKey)).toEqual([
      api.ids.course,
      api.ids.course,
      api.ids.course,
    ]);
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

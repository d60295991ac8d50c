// Grading at the deadline and collection windows through the API, on the real dev server with
// every worker: a schedule a few seconds ahead fires and its batch grades to completion,
// recorded and audited like any batch; the schedule is a real Temporal Schedule (`temporal
// schedule list`); asking again for the same (collection, config) updates it; moving the
// collection's stop time moves an at-close schedule; pause, unpause and delete; a requester who
// is no longer staff when it fires is refused then (audited, no batch); non-staff and bad input
// are refused and change nothing.
/* eslint-disable @typescript-eslint/no-unsafe-member-access */
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTemporalCli } from '../src/temporal/cli-binary.js';
import { startApiFixture, type ApiFixture } from './helpers/api.js';
import { NAMESPACE } from './helpers/temporal.js';

let api: ApiFixture;

beforeAll(async () => {
  api = await startApiFixture();
}, 180_000);

afterAll(async () => {
  await api?.stop();
});

const seconds = (n: number) => new Date(Date.now() + n * 1000).toISOString();

/** GET /api/schedules of a collection, as ta. */
async function schedulesOf(collectionId: string) {
  const listed = await api.call('GET', `/api/schedules?collectionId=${collectionId}`, {
    token: api.tokens.ta,
  });
  expect(listed.status, listed.text).toBe(200);
  return listed.body.schedules as Array<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Waits (no time asserted) until the collection's schedule has a last run, and returns it. */
async function lastRunOf(collectionId: string) {
  for (;;) {
    const [schedule] = await schedulesOf(collectionId);
    if (schedule?.lastRun) return schedule.lastRun as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The IDs `temporal schedule list` shows, once it shows `id` (its visibility follows a moment later). */
async function temporalScheduleList(id: string): Promise<string[]> {
  for (;;) {
    const out = execFileSync(
      findTemporalCli(),
      [
        'schedule',
        'list',
        '--address',
        api.stack.server.address,
        '--namespace',
        NAMESPACE,
        '-o',
        'json',
      ],
      { encoding: 'utf8' },
    );
    const ids = (JSON.parse(out || '[]') as Array<{ scheduleId: string }>).map((s) => s.scheduleId);
    if (ids.includes(id)) return ids;
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('grading schedules through the API', () => {
  it('refuses non-staff and bad input, creating nothing', async () => {
    const before = await schedulesOf(api.ids.quick);
    const student = await api.call('POST', '/api/schedules', {
      token: api.tokens.s1,
      json: { collectionId: api.ids.quick, at: seconds(60) },
    });
    expect(student.status).toBe(403);
    expect(student.body.message).toBe(
      's1 is not staff of course COMP2011, so may not schedule, pause or delete the gradings of its collections',
    );
    const otherStaff = await api.call('POST', '/api/schedules', {
      token: api.tokens.tb,
      json: { collectionId: api.ids.quick, atClose: true },
    });
    expect(otherStaff.status).toBe(403);
    const both = await api.call('POST', '/api/schedules', {
      token: api.tokens.ta,
      json: { collectionId: api.ids.quick, at: seconds(60), atClose: true },
    });
    expect(both.status).toBe(400);
    expect(both.body.fields).toEqual([{ path: 'body.at', message: 'give either at or atClose' }]);
    const past = await api.call('POST', '/api/schedules', {
      token: api.tokens.ta,
      json: { collectionId: api.ids.quick, at: '2020-01-01T00:00:00Z' },
    });
    expect(past.status).toBe(400);
    expect(past.body.message).toMatch(/^at: 2020-01-01T00:00:00.000Z is not in the future/);
    const closed = await api.call('POST', '/api/schedules', {
      token: api.tokens.ta,
      json: { collectionId: api.ids.closed, atClose: true },
    });
    expect(closed.status).toBe(409);
    expect(closed.body.message).toContain('closed at 2020-02-01T00:00:00.000Z');
    const noConfig = await api.call('POST', '/api/schedules', {
      token: api.tokens.ta,
      json: { collectionId: api.ids.bare, at: seconds(60) },
    });
    expect(noConfig.status).toBe(409);
    expect(await schedulesOf(api.ids.quick)).toEqual(before);
    const handle = api.stack.temporal.client.schedule.getHandle(`grade-${api.ids.quick}-default`);
    await expect(handle.describe()).rejects.toThrow(/not found/i);
    const audit = await api.stack.zinc.core.batches.listAudit();
    expect(
      audit.filter((r) => r.action === 'api.schedule.create' && r.outcome.startsWith('refused')),
    ).toHaveLength(6);
  });

  it('fires a few seconds ahead: the batch is recorded and grades to completion', async () => {
    const created = await api.call('POST', '/api/schedules', {
      token: api.tokens.ta,
      json: { collectionId: api.ids.quick, configVersion: api.ids.config, at: seconds(3) },
    });
    expect(created.status, created.text).toBe(201);
    const scheduleId = `grade-${api.ids.quick}-${api.ids.config}`;
    expect(created.body.schedule).toMatchObject({
      scheduleId,
      collectionId: api.ids.quick,
      configVersion: api.ids.config,
      requestedBy: 'ta',
      timing: 'at',
      state: 'scheduled',
      lastRun: null,
    });
    expect(await temporalScheduleList(scheduleId)).toContain(scheduleId);

    const lastRun = await lastRunOf(api.ids.quick);
    expect(lastRun).toMatchObject({ started: true, existing: false });
    const batchId = lastRun.batchId as string;
    expect(batchId).toBe(`batch-${api.ids.quick}-${api.ids.config}-1`);
    // Started as `zinc grade` starts it: same workflow type, queue and search attributes.
    const handle = api.stack.temporal.client.workflow.getHandle(batchId);
    const described = await handle.describe();
    expect(described.type).toBe('batchGradingWorkflow');
    expect(described.taskQueue).toBe('zinc-core-default');
    expect(described.searchAttributes).toMatchObject({
      ZincCollectionId: [api.ids.quick],
      ZincConfigId: [api.ids.config],
      ZincRequestedBy: ['ta'],
    });
    const summary = (await handle.result()) as { status: string; total: number };
    expect(summary).toMatchObject({ status: 'completed', total: 3 });
    const batch = await api.call('GET', `/api/batches/${batchId}`, { token: api.tokens.ta });
    expect(batch.status).toBe(200);
    expect(batch.body).toMatchObject({ batchId, status: 'completed', requestedBy: 'ta' });
    const [listed] = await schedulesOf(api.ids.quick);
    expect(listed).toMatchObject({ scheduleId, state: 'fired' });
    const audit = await api.stack.zinc.core.batches.listAudit();
    expect(audit.find((r) => r.action === 'schedule.fire')).toMatchObject({
      actor: 'ta',
      target: scheduleId,
      outcome: `started batch ${batchId}`,
      collectionId: api.ids.quick,
    });
    expect(audit.find((r) => r.action === 'batch.start' && r.target === batchId)).toBeDefined();
  });

  it('updates the schedule of the same pair, and moves an at-close schedule with the window', async () => {
    const scheduleId = `grade-${api.ids.quick}-${api.ids.config}`;
    const again = await api.call('POST', '/api/schedules', {
      token: api.tokens.ta,
      json: {
        collectionId: api.ids.quick,
        configVersion: api.ids.config,
        atClose: true,
        graceSecs: 300,
      },
    });
    expect(again.status, again.text).toBe(200);
    const { stopAt } = (await api.stack.zinc.submission.store.getCollection(api.ids.quick))!;
    // Calendar specs have whole seconds: the time is rounded up to one.
    const closeAt = new Date(Math.ceil((Date.parse(stopAt) + 300_000) / 1000) * 1000).toISOString();
    expect(again.body).toMatchObject({
      created: false,
      schedule: { scheduleId, timing: 'at-close', graceSecs: 300, fireAt: closeAt },
    });
    expect(again.body.schedule.state).toBe('scheduled'); // re-armed after it fired

    const newStop = new Date(Math.ceil((Date.now() + 3_600_000) / 1000) * 1000);
    const moved = await api.call('PATCH', `/api/collections/${api.ids.quick}/window`, {
      token: api.tokens.ta,
      json: { stopAt: newStop.toISOString() },
    });
    expect(moved.status, moved.text).toBe(200);
    const fireAt = new Date(newStop.getTime() + 300_000).toISOString();
    expect(moved.body).toMatchObject({
      collectionId: api.ids.quick,
      before: { stopAt },
      after: { stopAt: newStop.toISOString() },
      movedSchedules: [{ scheduleId, fireAt, firedNow: false }],
    });
    const described = await api.stack.temporal.client.schedule.getHandle(scheduleId).describe();
    expect(described.info.nextActionTimes.map((d) => d.toISOString())).toEqual([fireAt]);
    const [listed] = await schedulesOf(api.ids.quick);
    expect(listed).toMatchObject({ scheduleId, fireAt, state: 'scheduled' });
    const audit = await api.stack.zinc.core.batches.listAudit();
    expect(audit.at(-1)).toMatchObject({
      actor: 'ta',
      action: 'api.collection.window',
      outcome: 'changed',
      collectionId: api.ids.quick,
    });
  });

  it('refuses window changes by non-staff and with bad times, changing nothing', async () => {
    const before = (await api.stack.zinc.submission.store.getCollection(api.ids.quick))!;
    const tries: Array<[string, unknown, number, string]> = [
      ['s1', { stopAt: seconds(7200) }, 403, 's1 is not staff of course COMP2011'],
      ['tb', { stopAt: seconds(7200) }, 403, 'tb is not a member of course COMP2011'],
      ['ta', { stopAt: '2000-01-01T00:00:00Z' }, 400, 'must be after start'],
      ['ta', { stopAt: 'next friday' }, 400, 'body.stopAt: expected an ISO-8601 time'],
      ['ta', {}, 400, 'give startAt, stopAt, or both'],
    ];
    for (const [user, json, status, message] of tries) {
      const answer = await api.call('PATCH', `/api/collections/${api.ids.quick}/window`, {
        token: api.tokens[user],
        json,
      });
      expect(answer.status, answer.text).toBe(status);
      expect(answer.body.message).toContain(message);
    }
    const missing = await api.call('PATCH', '/api/collections/col_nope/window', {
      token: api.tokens.ta,
      json: { stopAt: seconds(7200) },
    });
    expect(missing.status).toBe(404);
    expect(await api.stack.zinc.submission.store.getCollection(api.ids.quick)).toEqual(before);
  });

  it('pauses, unpauses and deletes for staff only', async () => {
    const scheduleId = `grade-${api.ids.quick}-${api.ids.config}`;
    const refused = await api.call('POST', `/api/schedules/${scheduleId}/pause`, {
      token: api.tokens.s1,
    });
    expect(refused.status).toBe(403);
    const paused = await api.call('POST', `/api/schedules/${scheduleId}/pause`, {
      token: api.tokens.ta,
    });
    expect(paused.status, paused.text).toBe(200);
    expect(paused.body.schedule.state).toBe('paused');
    const unpaused = await api.call('POST', `/api/schedules/${scheduleId}/unpause`, {
      token: api.tokens.ta,
    });
    expect(unpaused.body.schedule.state).toBe('scheduled');
    const deleted = await api.call('DELETE', `/api/schedules/${scheduleId}`, {
      token: api.tokens.ta,
    });
    expect(deleted.status, deleted.text).toBe(200);
    expect(deleted.body).toMatchObject({ deleted: true, schedule: { scheduleId } });
    expect(await schedulesOf(api.ids.quick)).toEqual([]);
    const gone = await api.call('DELETE', `/api/schedules/${scheduleId}`, { token: api.tokens.ta });
    expect(gone.status).toBe(404);
    const actions = (await api.stack.zinc.core.batches.listAudit())
      .filter((r) => r.action.startsWith('api.schedule.') && r.target === scheduleId)
      .map((r) => `${r.actor} ${r.action} ${r.outcome.split(':')[0]}`);
    expect(actions.slice(-5)).toEqual([
      's1 api.schedule.pause refused 403 forbidden',
      'ta api.schedule.pause paused',
      'ta api.schedule.unpause unpaused',
      'ta api.schedule.delete deleted',
      'ta api.schedule.delete refused 404 not_found',
    ]);
  });

  it('a paused at-close schedule whose time passed while paused fires when unpaused', async () => {
    const scheduleId = `grade-${api.ids.quick}-${api.ids.config}`;
    const ta = { token: api.tokens.ta };
    const open = await api.call('PATCH', `/api/collections/${api.ids.quick}/window`, {
      ...ta,
      json: { stopAt: seconds(3600) },
    });
    expect(open.status, open.text).toBe(200);
    const created = await api.call('POST', '/api/schedules', {
      ...ta,
      json: { collectionId: api.ids.quick, configVersion: api.ids.config, atClose: true },
    });
    expect(created.status, created.text).toBe(201);
    const paused = await api.call('POST', `/api/schedules/${scheduleId}/pause`, ta);
    expect(paused.body.schedule.state).toBe('paused');
    const batchesBefore = (await api.stack.zinc.core.batches.list(api.ids.quick)).length;

    // The deadline (and its ten minutes' grace) moves into the past while the schedule is
    // paused: it does not fire...
    const closed = await api.call('PATCH', `/api/collections/${api.ids.quick}/window`, {
      ...ta,
      json: { stopAt: seconds(-3600) },
    });
    expect(closed.status, closed.text).toBe(200);
    expect(closed.body.movedSchedules).toMatchObject([{ scheduleId, firedNow: false }]);
    expect((await schedulesOf(api.ids.quick))[0]).toMatchObject({ scheduleId, state: 'paused' });

    // ...and unpausing it grades the collection now, as it would have at the deadline.
    const unpaused = await api.call('POST', `/api/schedules/${scheduleId}/unpause`, ta);
    expect(unpaused.status, unpaused.text).toBe(200);
    const run = await lastRunOf(api.ids.quick);
    expect(run).toMatchObject({ started: true });
    // The batch records itself in its first activity, a moment after the schedule started it.
    const listed = async () => api.stack.zinc.core.batches.list(api.ids.quick);
    while (!(await listed()).some((b) => b.id === run.batchId)) await sleep(200);
    expect((await listed()).length).toBe(batchesBefore + 1);
    expect((await schedulesOf(api.ids.quick))[0]).toMatchObject({ scheduleId, state: 'fired' });
    expect((await api.call('DELETE', `/api/schedules/${scheduleId}`, ta)).status).toBe(200);
  });

  it('refuses at fire time a requester who is no longer staff: audited, no batch', async () => {
    const { store } = api.stack.zinc.submission;
    await store.ensureUser({ id: 'tc' });
    await store.setMember(api.ids.course, 'tc', 'staff');
    const { token } = await api.stack.zinc.core.tokens.create({ userId: 'tc' });
    const created = await api.call('POST', '/api/schedules', {
      token,
      json: { collectionId: api.ids.slow, at: seconds(3) },
    });
    expect(created.status, created.text).toBe(201);
    await store.setMember(api.ids.course, 'tc', 'student');
    const lastRun = await lastRunOf(api.ids.slow);
    expect(lastRun).toMatchObject({
      started: false,
      refusal: { failure: 'Forbidden', userId: 'tc', courseCode: 'COMP2011' },
    });
    const audit = await api.stack.zinc.core.batches.listAudit();
    const refusal = audit.findLast((r) => r.action === 'batch.start');
    expect(refusal).toMatchObject({
      actor: 'tc',
      target: api.ids.slow,
      outcome:
        'refused: tc is not staff of course COMP2011, so may not start batches of its collections',
    });
    expect(refusal!.details).toMatchObject({ scheduleId: `grade-${api.ids.slow}-default` });
    expect(await api.stack.zinc.core.batches.list(api.ids.slow)).toEqual([]);
  });
});

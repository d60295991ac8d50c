// A batch's results and a collection's gradebook over the HTTP API, on one graded batch of the
// fixture's "quick" collection (s1 correct, s2 wrong, s3 broken) to which p1 uploads s1's file:
// - while the batch runs (paused here), its results say partial: true, in JSON and in CSV
//   (X-Zinc-Partial); once it ends, partial: false with every row;
// - the rows have the headline verdict, per-test points, raw points, how late each delivery
//   is against the collection's window, and name the students with byte-identical
//   deliveries; so does the batch's summary;
// - the gradebook has a row per enrolled student (NO_DELIVERY for p2, p3), as JSON or CSV,
//   for staff of the course only.
// JSON answers are read as `any` and checked by value:
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-assignment */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROGRAMS, startApiFixture, until, type ApiFixture } from './helpers/api.js';

let api: ApiFixture;
let batchId: string;
let p1SubmittedAt: string;

beforeAll(async () => {
  // One delivery per activity: the pause below then stops the batch after one delivery (a group,
  // the default, would grade its few deliveries before the pause took effect).
  api = await startApiFixture({ grading: ['deliveries_per_activity: 1'] });
  // p1 hands in s1's file, byte for byte.
  const form = new FormData();
  form.append('files', new Blob([PROGRAMS.correct]), 'main.cpp');
  const uploaded = await api.call('POST', `/api/collections/${api.ids.quick}/deliveries`, {
    token: api.tokens.p1,
    body: form,
  });
  expect(uploaded.status, uploaded.text).toBe(201);
  // Then the window is made to have closed two hours before p1's upload (zinc has no command
  // that moves a window yet): every delivery is late now, p1's by exactly two hours.
  p1SubmittedAt = uploaded.body.delivery.submittedAt;
  await api.stack.platform.db.query('UPDATE collections SET stop_at = $2 WHERE id = $1', [
    api.ids.quick,
    new Date(Date.parse(p1SubmittedAt) - 2 * 3_600_000).toISOString(),
  ]);
}, 180_000);

afterAll(async () => {
  await api?.stop();
});

const staff = () => ({ token: api.tokens.ta });
const results = (headers: Record<string, string> = {}) =>
  api.call('GET', `/api/batches/${batchId}/results`, { ...staff(), headers });

describe('batch results over the API', () => {
  it('are partial while the batch runs, and whole once it ends', async () => {
    const started = await api.call('POST', '/api/batches', {
      ...staff(),
      json: { collectionId: api.ids.quick, concurrency: 1 },
    });
    expect(started.status).toBe(202);
    batchId = started.body.batchId;
    const read = () => api.call('GET', `/api/batches/${batchId}`, staff());
    await until(read, (a) => a.body.live === true && a.body.done >= 1, 'the first result');
    expect((await api.call('POST', `/api/batches/${batchId}/pause`, staff())).status).toBe(202);
    await until(read, (a) => a.body.status === 'paused' && a.body.inFlight === 0, 'the pause');

    const partial = await results();
    expect(partial.status).toBe(200);
    expect(partial.body).toMatchObject({ batchId, partial: true, total: 4 });
    expect(['running', 'paused']).toContain(partial.body.status);
    expect(partial.body.rows.length).toBeGreaterThan(0);
    expect(partial.body.rows.length).toBeLessThan(4);
    const partialCsv = await results({ accept: 'text/csv' });
    expect(partialCsv.headers.get('x-zinc-partial')).toBe('true');

    expect((await api.call('POST', `/api/batches/${batchId}/resume`, staff())).status).toBe(202);
    await until(read, (a) => a.body.status === 'completed', 'the batch to complete');
    const whole = await results();
    expect(whole.body).toMatchObject({
      batchId,
      collectionId: api.ids.quick,
      status: 'completed',
      partial: false,
      total: 4,
    });
    expect(
      whole.body.rows.map(
        (r: { student: string; verdict: string; score: number | null; batchId: string | null }) => [
          r.student,
          r.verdict,
          r.score,
        ],
      ),
    ).toEqual([
      ['p1', 'PASSED', 100],
      ['s1', 'PASSED', 100],
      ['s2', 'WRONG_OUTPUT', 0],
      ['s3', 'COMPILE_ERROR', 0],
    ]);
  });

  it('give per-test points, raw points and the identical deliveries, in JSON, CSV and the summary', async () => {
    const { body } = await results();
    expect(body.identical).toEqual([
      { group: 1, students: ['p1', 's1'], deliveries: expect.any(Array) },
    ]);
    const [p1, s1, s2, s3] = body.rows;
    expect(s1).toMatchObject({ identicalTo: ['p1'], identicalGroup: 1, late: true, reason: null });
    expect(p1).toMatchObject({
      identicalTo: ['s1'],
      identicalGroup: 1,
      submittedAt: p1SubmittedAt,
      late: true,
      lateBySecs: 7200,
    });
    expect(s2).toMatchObject({ points: 0, maxPoints: 2, identicalTo: [], identicalGroup: null });
    expect(s2.tests).toEqual([
      { test: 'stdioTest#1', verdict: 'WRONG_OUTPUT', points: 0, maxPoints: 1 },
      { test: 'stdioTest#2', verdict: 'WRONG_OUTPUT', points: 0, maxPoints: 1 },
    ]);
    expect(s2.verdicts).toEqual({ COMPILED: 1, WRONG_OUTPUT: 2 }); // no zeros
    expect(s3).toMatchObject({ verdict: 'COMPILE_ERROR', points: 0, maxPoints: 2 });
    expect(JSON.stringify(body)).not.toMatch(/reports\/|reportKey/);

    const csv = await results({ accept: 'text/csv' });
    expect(csv.headers.get('x-zinc-partial')).toBe('false');
    const lines = csv.text.trim().split('\n');
    expect(lines[0]).toBe(
      'student,verdict,score,max_score,points,max_points,late,late_by,identical_group,identical_to,reason,submitted_at,delivery,batch,stdioTest#1,stdioTest#2',
    );
    expect(lines[1]).toMatch(
      new RegExp(`^p1,PASSED,100,100,2,2,late,2h,1,s1,,${p1SubmittedAt},dlv_\\w+,${batchId},1,1$`),
    );
    expect(lines[2]).toMatch(new RegExp(`^s1,PASSED,100,100,2,2,late,[^,]+,1,p1,,`));

    const batch = await api.call('GET', `/api/batches/${batchId}`, staff());
    expect(batch.body.identical).toEqual(body.identical);
  });
});

describe('the gradebook over the API', () => {
  it('has a row per enrolled student, NO_DELIVERY for those without one, as JSON or CSV', async () => {
    const path = `/api/collections/${api.ids.quick}/gradebook`;
    const json = await api.call('GET', path, staff());
    expect(json.status).toBe(200);
    expect(json.body).toMatchObject({
      collectionId: api.ids.quick,
      course: 'COMP2011',
      partial: false,
      batches: [batchId],
      identical: [{ group: 1, students: ['p1', 's1'] }],
    });
    expect(
      json.body.rows.map(
        (r: { student: string; verdict: string; score: number | null; batchId: string | null }) => [
          r.student,
          r.verdict,
          r.batchId,
        ],
      ),
    ).toEqual([
      ['p1', 'PASSED', batchId],
      ['p2', 'NO_DELIVERY', null],
      ['p3', 'NO_DELIVERY', null],
      ['s1', 'PASSED', batchId],
      ['s2', 'WRONG_OUTPUT', batchId],
      ['s3', 'COMPILE_ERROR', batchId],
    ]);

    const csv = await api.call('GET', `${path}?format=csv`, staff());
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toBe(
      `attachment; filename="gradebook-${api.ids.quick}.csv"`,
    );
    const lines = csv.text.trim().split('\n');
    expect(lines).toHaveLength(7);
    expect(lines[2]).toBe('p2,NO_DELIVERY,,,,,,,,,no delivery,,,,,');
  });

  it('is for staff of the course only, and names an unknown collection', async () => {
    const path = `/api/collections/${api.ids.quick}/gradebook`;
    const student = await api.call('GET', path, { token: api.tokens.s1 });
    expect(student.status).toBe(403);
    expect(student.body.message).toMatch(/s1 is not staff of course COMP2011/);
    expect((await api.call('GET', path, { token: api.tokens.tb })).status).toBe(403);
    const unknown = await api.call('GET', '/api/collections/col_nope/gradebook', staff());
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toBe('collection col_nope does not exist');
  });
});

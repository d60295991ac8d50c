// Regrade review and release over the HTTP API, on the fixture's "quick" collection graded with
// a config whose third test is VISIBLE_AFTER_GRADING (s1 correct, s2 wrong, s3 broken):
// - before any release a student gets no grade: my-report is 404 "not released yet", and the
//   batch's report of their own delivery is 403 (it was 200 with a score before releases);
// - a release by a student, or by staff of another course, is refused (403), audited, and
//   changes nothing; a batch that has not completed (paused) cannot be released (409);
// - after staff release the batch, the student's report shows the VISIBLE_AFTER_GRADING test
//   and its score, and still hides the ALWAYS_HIDDEN test;
// - s2 hands in a fixed program and a second batch grades it: the diff against the first names
//   exactly s2 (improved, +100), as JSON and as CSV; until the second batch is released s2 still
//   reads the first batch's report; releasing it supersedes the first release;
// - a diff refuses an unknown batch and a batch of another collection, naming them, and is for
//   staff only.
// JSON answers are read as `any` and checked by value:
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASSETS, PROGRAMS, startApiFixture, until, type ApiFixture } from './helpers/api.js';

/** The sum assignment with a third test shown to students only once grades are released. */
const RELEASE_CONFIG = `_settings:
  lang: cpp/g++:12
  lang_version_may_differ: true
  use_template: FILENAMES
  template: [main.cpp]
  stage_wait_duration_secs: 20
compile:
  input: ["*.cpp"]
  output: main
  flags: ["-std=c++17", "-O1"]
stdioTest:
  testCases:
    - { id: 1, file: main, stdin: "1 2", expected: "3", score: 1 }
    - { id: 2, file: main, file_stdin: t2.in, file_expected: t2.out, score: 1, visibility: ALWAYS_HIDDEN }
    - { id: 3, file: main, stdin: "5 6", expected: "11", score: 1, visibility: VISIBLE_AFTER_GRADING }
score:
  normalizedTo: 100
`;

let api: ApiFixture;
let configVersion: string;
let first: string;
let second: string;
const delivery: Record<string, string> = {};

const staff = () => ({ token: api.tokens.ta });
const as = (user: string) => ({ token: api.tokens[user] });
const releases = async () =>
  Number(
    (await api.stack.platform.db.query<{ n: string }>('SELECT count(*) AS n FROM grade_releases'))
      .rows[0]!.n,
  );

/** Starts a batch of `collectionId` with the release config and waits for it to complete. */
async function gradeAll(collectionId: string): Promise<string> {
  const started = await api.call('POST', '/api/batches', {
    ...staff(),
    json: { collectionId, configVersion },
  });
  expect(started.status, started.text).toBe(202);
  const batchId: string = started.body.batchId;
  await until(
    () => api.call('GET', `/api/batches/${batchId}`, staff()),
    (a) => a.body.status === 'completed',
    `batch ${batchId} to complete`,
  );
  return batchId;
}

beforeAll(async () => {
  api = await startApiFixture();
  const { configs } = api.stack.zinc.pipeline.service;
  ({ id: configVersion } = await configs.addVersion(RELEASE_CONFIG, ASSETS));
  for (const c of [api.ids.quick, api.ids.slow]) {
    await configs.attachToCollection(c, configVersion);
  }
  const listed = await api.call('GET', `/api/collections/${api.ids.quick}/deliveries`, staff());
  for (const d of listed.body.deliveries) delivery[d.userId] = d.id;
  first = await gradeAll(api.ids.quick);
}, 300_000);

afterAll(async () => {
  await api?.stop();
});

const myReport = (user: string) =>
  api.call('GET', `/api/collections/${api.ids.quick}/my-report`, as(user));

/** A test of a report as the API shows it (a hidden one has only its id). */
interface ShownTest {
  id: number;
  hidden?: true;
  verdict?: string;
  visibility?: string;
}

/** The tests of a report's stdioTest stage. */
const testsOf = (report: { stageReports: { stdioTest: { tests: ShownTest[] } } }): ShownTest[] =>
  report.stageReports.stdioTest.tests;

describe('before release', () => {
  it('a student gets no grade: my-report is 404, the batch report of their delivery 403', async () => {
    const mine = await myReport('s1');
    expect(mine.status).toBe(404);
    expect(mine.body.message).toBe(
      `the grades of collection ${api.ids.quick} are not released yet; staff release them with zinc batch release`,
    );
    const report = await api.call('GET', `/api/reports/${first}/${delivery.s1}`, as('s1'));
    expect(report.status).toBe(403);
    expect(report.body.message).toMatch(`the grades of batch ${first} are not released`);
    expect(report.text).not.toMatch(/"score"/);
    // Staff read the whole report, every test.
    const whole = await api.call('GET', `/api/reports/${first}/${delivery.s1}`, staff());
    expect(whole.status).toBe(200);
    expect(whole.body).toMatchObject({ view: 'staff', score: 100 });
    expect(testsOf(whole.body.report).map((t) => t.verdict)).toEqual([
      'PASSED',
      'PASSED',
      'PASSED',
    ]);
  });

  it('a release by a student or by staff of another course is refused and changes nothing', async () => {
    const auditBefore = await api.stack.zinc.core.batches.countAudit();
    const bySt = await api.call('POST', `/api/batches/${first}/release`, as('s1'));
    expect(bySt.status).toBe(403);
    expect(bySt.body.message).toBe(
      "s1 is not staff of course COMP2011, so may not release its batches' grades to students",
    );
    const byOther = await api.call('POST', `/api/batches/${first}/release`, as('tb'));
    expect(byOther.status).toBe(403);
    expect(await releases()).toBe(0);
    expect((await myReport('s1')).status).toBe(404);
    const rows = (await api.stack.zinc.core.batches.listAudit()).filter(
      (r) => r.target === first && r.action.endsWith('batch.release'),
    );
    expect(rows.map((r) => [r.actor, r.action, r.outcome.split(':')[0]])).toEqual([
      ['s1', 'batch.release', 'refused'],
      ['s1', 'api.batch.release', 'refused 403 forbidden'],
      ['tb', 'batch.release', 'refused'],
      ['tb', 'api.batch.release', 'refused 403 forbidden'],
    ]);
    expect(await api.stack.zinc.core.batches.countAudit()).toBe(auditBefore + 4);
  });

  it('a batch that has not completed cannot be released', async () => {
    const started = await api.call('POST', '/api/batches', {
      ...staff(),
      json: { collectionId: api.ids.slow, configVersion, concurrency: 1 },
    });
    expect(started.status).toBe(202);
    const slow: string = started.body.batchId;
    const read = () => api.call('GET', `/api/batches/${slow}`, staff());
    // A first result: its record is written (a batch not recorded yet is not found).
    await until(read, (a) => a.body.live === true && a.body.done >= 1, 'the first result');
    expect((await api.call('POST', `/api/batches/${slow}/pause`, staff())).status).toBe(202);
    await until(read, (a) => a.body.status === 'paused', 'the pause');
    const refused = await api.call('POST', `/api/batches/${slow}/release`, staff());
    expect(refused.status).toBe(409);
    // Its record may still say running: the workflow records its status as it goes.
    expect(refused.body.message).toMatch(
      new RegExp(
        `^batch ${slow} is (paused|running); only a completed batch's grades can be released$`,
      ),
    );
    expect(await releases()).toBe(0);
    // It is of another collection: a diff with it is refused, naming both.
    const other = await api.call('GET', `/api/batches/${first}/diff?against=${slow}`, staff());
    expect(other.status).toBe(400);
    expect(other.body.message).toBe(
      `batches ${slow} (collection ${api.ids.slow}) and ${first} (collection ${api.ids.quick}) are of different collections; compare two batches of one collection`,
    );
    expect((await api.call('POST', `/api/batches/${slow}/cancel`, staff())).status).toBe(202);
  });
});

describe('after release', () => {
  it('shows the student the VISIBLE_AFTER_GRADING test and the score, never the hidden test', async () => {
    const released = await api.call('POST', `/api/batches/${first}/release`, staff());
    expect(released.status, released.text).toBe(200);
    expect(released.body).toMatchObject({
      batchId: first,
      collectionId: api.ids.quick,
      already: false,
      superseded: null,
      release: { batchId: first, releasedBy: 'ta', supersededAt: null },
    });
    const mine = await myReport('s1');
    expect(mine.status, mine.text).toBe(200);
    expect(mine.body).toMatchObject({
      batchId: first,
      deliveryId: delivery.s1,
      latestDeliveryId: delivery.s1,
      view: 'student',
      score: 100,
      maxScore: 100,
    });
    const tests = testsOf(mine.body.report);
    expect(tests.map((t) => [t.id, t.hidden ?? false, t.verdict ?? null])).toEqual([
      [1, false, 'PASSED'],
      [2, true, null],
      [3, false, 'PASSED'],
    ]);
    expect(tests[2]).toMatchObject({ visibility: 'VISIBLE_AFTER_GRADING' });
    // The hidden test's input and expected output appear nowhere.
    expect(JSON.stringify(mine.body)).not.toMatch(/"text":"(40 2|42)\b/);
    // The same report through the report route, now allowed.
    const same = await api.call('GET', `/api/reports/${first}/${delivery.s1}`, as('s1'));
    expect(same.status).toBe(200);
    expect(same.body.report).toEqual(mine.body.report);
    // Another student's report stays theirs.
    const s2 = await myReport('s2');
    expect(s2.body).toMatchObject({ deliveryId: delivery.s2, score: 0 });
    expect(testsOf(s2.body.report)[2]).toMatchObject({ id: 3, verdict: 'WRONG_OUTPUT' });
    // Releasing it again changes nothing.
    const again = await api.call('POST', `/api/batches/${first}/release`, staff());
    expect(again.body).toMatchObject({ already: true });
    expect(await releases()).toBe(1);
  });

  it('a regrade: the diff names exactly the changed student, and its release supersedes', async () => {
    const form = new FormData();
    form.append('files', new Blob([PROGRAMS.correct]), 'main.cpp');
    const uploaded = await api.call('POST', `/api/collections/${api.ids.quick}/deliveries`, {
      ...as('s2'),
      body: form,
    });
    expect(uploaded.status, uploaded.text).toBe(201);
    const fixed: string = uploaded.body.delivery.id;
    second = await gradeAll(api.ids.quick);

    const diff = await api.call('GET', `/api/batches/${second}/diff?against=${first}`, staff());
    expect(diff.status, diff.text).toBe(200);
    expect(diff.body).toEqual({
      collectionId: api.ids.quick,
      oldBatchId: first,
      newBatchId: second,
      partial: false,
      counts: { changed: 1, improved: 1, worsened: 0, unchanged: 2, onlyInOld: 0, onlyInNew: 0 },
      rows: [
        {
          student: 's2',
          change: 'improved',
          oldVerdict: 'WRONG_OUTPUT',
          newVerdict: 'PASSED',
          oldScore: 0,
          newScore: 100,
          delta: 100,
          maxScore: 100,
          oldDelivery: delivery.s2,
          newDelivery: fixed,
        },
      ],
    });
    const csv = await api.call(
      'GET',
      `/api/batches/${second}/diff?against=${first}&format=csv`,
      staff(),
    );
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.text).toBe(
      'student,change,old_verdict,new_verdict,old_score,new_score,delta,max_score,old_delivery,new_delivery\n' +
        `s2,improved,WRONG_OUTPUT,PASSED,0,100,100,100,${delivery.s2},${fixed}\n`,
    );

    // Not released yet: s2 still reads the first batch's report, and not the second's.
    const before = await myReport('s2');
    expect(before.body).toMatchObject({
      batchId: first,
      deliveryId: delivery.s2,
      latestDeliveryId: fixed,
      score: 0,
    });
    expect((await api.call('GET', `/api/reports/${second}/${fixed}`, as('s2'))).status).toBe(403);

    const released = await api.call('POST', `/api/batches/${second}/release`, staff());
    expect(released.status).toBe(200);
    expect(released.body.superseded).toMatchObject({ batchId: first, supersededBy: second });
    const views = await Promise.all(
      [first, second].map((id) => api.call('GET', `/api/batches/${id}`, staff())),
    );
    expect(views.map((v) => v.body.released as string | null)).toEqual(['superseded', 'released']);
    // The collection's batch listing says the same.
    const listing = await api.call('GET', `/api/batches?collectionId=${api.ids.quick}`, staff());
    const listed = listing.body.batches as Array<{ batchId: string; released: string | null }>;
    expect(
      Object.fromEntries(
        listed
          .filter((b) => [first, second].includes(b.batchId))
          .map((b) => [b.batchId, b.released]),
      ),
    ).toEqual({ [first]: 'superseded', [second]: 'released' });
    const after = await myReport('s2');
    expect(after.body).toMatchObject({ batchId: second, deliveryId: fixed, score: 100 });
    // The superseded release's report is no longer the student's to read.
    const old = await api.call('GET', `/api/reports/${first}/${delivery.s2}`, as('s2'));
    expect(old.status).toBe(403);
  });

  it('a diff names an unknown batch and is for staff of the course only', async () => {
    const unknown = await api.call(
      'GET',
      `/api/batches/${second}/diff?against=batch-nope`,
      staff(),
    );
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toBe('batch batch-nope does not exist');
    const student = await api.call('GET', `/api/batches/${second}/diff?against=${first}`, as('s1'));
    expect(student.status).toBe(403);
    const missing = await api.call('GET', `/api/batches/${second}/diff`, staff());
    expect(missing.status).toBe(400);
    expect(missing.text).toMatch(/against/);
  });
});

// zinc's HTTP API over real HTTP (fetch to a listening port) in front of the real stack: batches
// started, watched, steered and read; uploads; reports in the staff and student views; the
// audit log; health, readiness and the OpenAPI document.
// JSON answers are read as `any` and checked by value:
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer, listenApi } from '../src/api/server.js';
import { createZinc } from '../src/main/zinc.js';
import { createS3ObjectStore } from '../src/platform/s3-object-store.js';
import { connectTemporalClient } from '../src/temporal/client.js';
import { makeZip } from './helpers/archives.js';
import { PROGRAMS, startApiFixture, until, type ApiFixture } from './helpers/api.js';
import { startTcpProxy } from './helpers/tcp-proxy.js';

let api: ApiFixture;
/** Closed last: a client whose server went away may still retry a call for a while. */
const closeLast: Array<() => Promise<void>> = [];

function upload(parts: Array<[string, string | Buffer, string]>): FormData {
  const form = new FormData();
  for (const [field, content, name] of parts) form.append(field, new Blob([content]), name);
  return form;
}

beforeAll(async () => {
  api = await startApiFixture();
}, 180_000);

afterAll(async () => {
  for (const close of closeLast) await close();
  await api?.stop();
});

describe('zinc HTTP API', () => {
  it('answers /healthz and /readyz, and serves an OpenAPI document made from its schemas', async () => {
    expect(await api.call('GET', '/healthz')).toMatchObject({
      status: 200,
      body: { status: 'ok' },
    });
    const ready = await api.call('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({
      status: 'ready',
      message: 'ready',
      checks: { database: 'ok', objectStorage: 'ok', temporal: 'ok' },
      exporters: {
        metrics: 'not served by this process',
        traces: 'off (telemetry.tracing.otlp_endpoint is not set)',
      },
    });

    const doc = await api.call('GET', '/api/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.0.3');
    expect(Object.keys(doc.body.paths).sort()).toEqual([
      '/api/audit',
      '/api/batches',
      '/api/batches/{id}',
      '/api/batches/{id}/cancel',
      '/api/batches/{id}/diff',
      '/api/batches/{id}/pause',
      '/api/batches/{id}/release',
      '/api/batches/{id}/results',
      '/api/batches/{id}/resume',
      '/api/batches/{id}/terminate',
      '/api/collections/{id}/deliveries',
      '/api/collections/{id}/gradebook',
      '/api/collections/{id}/live-feedback',
      '/api/collections/{id}/my-report',
      '/api/collections/{id}/window',
      '/api/deliveries/{id}/feedback',
      '/api/reports/{batchId}/{deliveryId}',
      '/api/schedules',
      '/api/schedules/{id}',
      '/api/schedules/{id}/pause',
      '/api/schedules/{id}/unpause',
      '/healthz',
      '/readyz',
    ]);
    const start = doc.body.paths['/api/batches'].post;
    const body = start.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(['collectionId']);
    expect(body.additionalProperties).toBe(false);
    expect(body.properties.concurrency).toMatchObject({
      type: 'integer',
      minimum: 1,
      maximum: 1000,
    });
    expect(Object.keys(start.responses)).toEqual(
      expect.arrayContaining(['202', '400', '401', '403', '404']),
    );
    expect(start.security).toEqual([{ bearer: [] }]);
    expect(
      doc.body.paths['/api/collections/{id}/deliveries'].post.requestBody.content[
        'multipart/form-data'
      ].schema.properties,
    ).toHaveProperty('archive');
    expect(doc.body.components.securitySchemes.bearer).toMatchObject({ scheme: 'bearer' });
  });

  it('/readyz answers 503 naming what it cannot reach', async () => {
    const { config, server, platform } = api.stack;
    const [host, port] = server.address.split(':');
    const proxy = await startTcpProxy(host!, Number(port));
    const temporal = await connectTemporalClient(config.temporal, `127.0.0.1:${proxy.port}`);
    closeLast.push(() => temporal.close());
    const deadStorage = createS3ObjectStore({
      endpoint: 'http://127.0.0.1:9', // discard port: nothing listens there
      region: 'us-east-1',
      bucket: 'zinc',
      accessKeyId: 'zinc',
      secretAccessKey: 'zinc-secret',
      forcePathStyle: true,
    });
    const app = await createApiServer({
      config,
      temporal,
      zinc: createZinc(config, { db: platform.db, objects: deadStorage, events: platform.events }),
    });
    const url = await listenApi(app, { host: '127.0.0.1', port: 0 });
    try {
      await proxy.cut();
      const answer = await fetch(`${url}/readyz`);
      expect(answer.status).toBe(503);
      const body = (await answer.json()) as {
        status: string;
        message: string;
        checks: Record<string, string>;
      };
      expect(body.status).toBe('unavailable');
      expect(body.checks.database).toBe('ok');
      expect(body.checks.objectStorage).toMatch(/^unreachable: /);
      expect(body.checks.temporal).toMatch(/^unreachable: /);
      expect(body.message).toMatch(
        /^not ready: objectStorage unreachable: .*; temporal unreachable: /,
      );
      expect((await fetch(`${url}/healthz`)).status).toBe(200); // the process itself is up
    } finally {
      await app.close();
      await deadStorage.close();
      await proxy.close();
    }
  });

  let quickBatch = '';

  it('staff start a batch (202); the same request while it runs gives the same batch; it grades with the real pipeline', async () => {
    const started = await api.call('POST', '/api/batches', {
      token: api.tokens.ta,
      json: { collectionId: api.ids.quick },
    });
    expect(started.status).toBe(202);
    quickBatch = started.body.batchId as string;
    expect(started.body).toEqual({
      batchId: `batch-${api.ids.quick}-default-1`,
      existing: false,
      status: 'running',
      url: `/api/batches/${quickBatch}`,
    });
    expect(started.headers.get('location')).toBe(`/api/batches/${quickBatch}`);
    const again = await api.call('POST', '/api/batches', {
      token: api.tokens.ta,
      json: { collectionId: api.ids.quick, concurrency: 2 },
    });
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ batchId: quickBatch, existing: true });

    const done = await until(
      () => api.call('GET', `/api/batches/${quickBatch}`, { token: api.tokens.ta }),
      (a) => a.status === 200 && a.body.status === 'completed',
      'the batch to complete',
    );
    expect(done.body).toMatchObject({
      batchId: quickBatch,
      collectionId: api.ids.quick,
      configVersion: api.ids.config,
      live: false,
      total: 3,
      done: 3,
      errored: 0,
      inFlight: 0,
      requestedBy: 'ta', // the authenticated user, not whoever runs the server
      counts: { PASSED: 1, WRONG_OUTPUT: 1, COMPILE_ERROR: 1 },
      reason: null,
    });
    expect(done.body.stats).toMatchObject({ reports: 3 });

    const results = await api.call('GET', `/api/batches/${quickBatch}/results`, {
      token: api.tokens.ta,
    });
    expect(results.status).toBe(200);
    expect(
      results.body.rows.map((r: { student: string; verdict: string }) => [r.student, r.verdict]),
    ).toEqual([
      ['s1', 'PASSED'],
      ['s2', 'WRONG_OUTPUT'],
      ['s3', 'COMPILE_ERROR'],
    ]);
    const csv = await api.call('GET', `/api/batches/${quickBatch}/results`, {
      token: api.tokens.ta,
      headers: { accept: 'text/csv' },
    });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = csv.text.trim().split('\n');
    expect(lines[0]).toMatch(/^student,verdict,score,max_score,points,max_points,/);
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(/^s1,PASSED,100,100,2,2,/);

    const listed = await until(
      () => api.call('GET', `/api/batches?collectionId=${api.ids.quick}`, { token: api.tokens.ta }),
      (a) =>
        a.status === 200 &&
        a.body.batches.some((b: { status: string }) => b.status === 'completed'),
      'the batch in the listing',
    );
    expect(listed.body.batches).toEqual([
      expect.objectContaining({
        batchId: quickBatch,
        collectionId: api.ids.quick,
        requestedBy: 'ta',
        status: 'completed',
      }),
    ]);
    const mine = await api.call('GET', '/api/batches', { token: api.tokens.ta });
    expect(mine.body.batches.map((b: { batchId: string }) => b.batchId)).toContain(quickBatch);
    const theirs = await api.call('GET', '/api/batches', { token: api.tokens.tb });
    expect(theirs.status).toBe(200);
    expect(theirs.body.batches).toEqual([]); // tb is staff of COMP2012 only
  });

  it('gives staff the whole report and a student, once released, only the redacted view of their own', async () => {
    const deliveries = await api.call('GET', `/api/collections/${api.ids.quick}/deliveries`, {
      token: api.tokens.ta,
    });
    const s1 = deliveries.body.deliveries.find((d: { userId: string }) => d.userId === 's1');
    const path = `/api/reports/${quickBatch}/${s1.id as string}`;

    const staff = await api.call('GET', path, { token: api.tokens.ta });
    expect(staff.status).toBe(200);
    expect(staff.body).toMatchObject({ view: 'staff', userId: 's1', score: 100, maxScore: 100 });
    const staffTests = staff.body.report.stageReports.stdioTest.tests;
    expect(staffTests[1]).toMatchObject({ id: 2, verdict: 'PASSED', stdin: { text: '40 2\n' } });

    // Not released yet: the student gets nothing of it; once staff release the batch, the view.
    const early = await api.call('GET', path, { token: api.tokens.s1 });
    expect(early.status).toBe(403);
    expect(early.text).not.toContain('40 2');
    const release = `/api/batches/${quickBatch}/release`;
    expect((await api.call('POST', release, { token: api.tokens.ta })).status).toBe(200);
    const student = await api.call('GET', path, { token: api.tokens.s1 });
    expect(student.status).toBe(200);
    expect(student.body).toMatchObject({ view: 'student', userId: 's1', score: 100 });
    const tests = student.body.report.stageReports.stdioTest.tests;
    expect(tests[0]).toMatchObject({ id: 1, verdict: 'PASSED' });
    expect(tests[1]).toEqual({ id: 2, hidden: true });
    expect(student.text).not.toContain('40 2');

    const other = await api.call('GET', path, { token: api.tokens.s2 });
    expect(other.status).toBe(403);
    expect(other.body.message).toBe(
      "s2 may read only their own reports, not those of another student's delivery",
    );
  });

  it('lets staff pause, resume and cancel a running batch, and the workflow acts on it', async () => {
    const started = await api.call('POST', '/api/batches', {
      token: api.tokens.ta,
      json: { collectionId: api.ids.slow, concurrency: 1 },
    });
    expect(started.status).toBe(202);
    const id = started.body.batchId as string;
    const read = () => api.call('GET', `/api/batches/${id}`, { token: api.tokens.ta });
    const first = await until(read, (a) => a.body.live === true && a.body.done >= 1, 'progress');
    expect(first.body).toMatchObject({ status: 'running', total: 3 });

    const pause = await api.call('POST', `/api/batches/${id}/pause`, {
      token: api.tokens.ta,
      json: { reason: 'checking the config' },
    });
    expect(pause.status).toBe(202);
    expect(pause.body).toEqual({
      batchId: id,
      action: 'pause',
      message: `batch ${id}: pause requested (it will be paused)`,
    });
    await until(read, (a) => a.body.status === 'paused' && a.body.inFlight === 0, 'the pause');
    expect(
      (await api.call('POST', `/api/batches/${id}/resume`, { token: api.tokens.ta })).status,
    ).toBe(202);
    await until(read, (a) => a.body.status !== 'paused', 'the resume');
    const cancel = await api.call('POST', `/api/batches/${id}/cancel`, {
      token: api.tokens.ta,
      json: { reason: 'wrong config' },
    });
    expect(cancel.status).toBe(202);
    const ended = await until(
      read,
      (a) => a.body.live === false && a.body.status === 'cancelled',
      'the cancel',
    );
    expect(ended.body.reason).toBe('cancelled by ta: wrong config');

    // The workflow writes its last audit row just after the record says cancelled.
    const audit = await until(
      () => api.call('GET', `/api/audit?collectionId=${api.ids.slow}`, { token: api.tokens.ta }),
      (a) => a.body.rows.some((r: { action: string }) => r.action === 'batch.finish'),
      'the batch.finish audit row',
    );
    const rows = audit.body.rows.map((r: { action: string; actor: string; outcome: string }) => [
      r.action,
      r.actor,
      r.outcome,
    ]);
    expect(rows).toEqual(
      expect.arrayContaining([
        ['api.batch.start', 'ta', 'started'],
        ['batch.start', 'ta', 'started'],
        ['api.batch.pause', 'ta', 'requested'],
        ['batch.pause', 'ta', 'accepted'],
        ['api.batch.resume', 'ta', 'requested'],
        ['batch.resume', 'ta', 'accepted'],
        ['api.batch.cancel', 'ta', 'requested'],
        ['batch.cancel', 'ta', 'accepted'],
        ['batch.finish', 'zinc', 'cancelled'],
      ]),
    );
  });

  it('takes uploads of files and archives, and lists deliveries: all for staff, their own for a student', async () => {
    const files = await api.call('POST', `/api/collections/${api.ids.quick}/deliveries`, {
      token: api.tokens.s1,
      body: upload([
        ['files', PROGRAMS.correct, 'main.cpp'],
        ['files', 'notes\n', 'docs/README.txt'],
      ]),
    });
    expect(files.status).toBe(201);
    expect(files.body.inserted).toBe(true);
    expect(files.body.delivery).toMatchObject({
      collectionId: api.ids.quick,
      userId: 's1',
      late: false,
      isTest: false,
    });
    expect(files.body.delivery.manifest.map((m: { path: string }) => m.path)).toEqual([
      'docs/README.txt',
      'main.cpp',
    ]);
    expect(files.body.delivery).not.toHaveProperty('objectKey');
    const stored = await api.stack.platform.objects.list(
      `deliveries/${api.ids.quick}/${files.body.delivery.id as string}/`,
    );
    expect(stored).toHaveLength(2);

    const zip = await makeZip([{ name: 'main.cpp', content: PROGRAMS.wrong }]);
    const archive = await api.call('POST', `/api/collections/${api.ids.quick}/deliveries`, {
      token: api.tokens.s2,
      body: upload([['archive', zip, 'hand-in.zip']]),
    });
    expect(archive.status).toBe(201);
    expect(archive.body.delivery.manifest).toEqual([
      expect.objectContaining({ path: 'main.cpp', size: PROGRAMS.wrong.length }),
    ]);

    const staffUpload = await api.call('POST', `/api/collections/${api.ids.quick}/deliveries`, {
      token: api.tokens.ta,
      body: upload([['files', PROGRAMS.correct, 'main.cpp']]),
    });
    expect(staffUpload.status).toBe(201);
    expect(staffUpload.body.delivery.isTest).toBe(true);

    const own = await api.call('GET', `/api/collections/${api.ids.quick}/deliveries`, {
      token: api.tokens.s1,
    });
    expect(own.status).toBe(200);
    expect(own.body.deliveries.map((d: { userId: string }) => d.userId)).toEqual(['s1', 's1']);
    const latest = await api.call(
      'GET',
      `/api/collections/${api.ids.quick}/deliveries?latest=true`,
      { token: api.tokens.ta },
    );
    expect(latest.body.deliveries.map((d: { userId: string }) => d.userId)).toEqual([
      's1',
      's2',
      's3',
    ]);
    expect(latest.body.deliveries[0].id).toBe(files.body.delivery.id);
    const withTest = await api.call(
      'GET',
      `/api/collections/${api.ids.quick}/deliveries?latest=true&includeTest=true`,
      { token: api.tokens.ta },
    );
    expect(withTest.body.deliveries.map((d: { userId: string }) => d.userId)).toEqual([
      's1',
      's2',
      's3',
      'ta',
    ]);
  });

  it('audits every state-changing request and shows staff only the rows of their courses', async () => {
    const ta = await api.call('GET', '/api/audit', { token: api.tokens.ta });
    expect(ta.status).toBe(200);
    const rows = ta.body.rows as Array<{
      actor: string;
      action: string;
      target: string;
      outcome: string;
      at: string;
      courseId: string | null;
      collectionId: string | null;
      details: Record<string, unknown>;
    }>;
    const upload = rows.find((r) => r.action === 'api.delivery.create' && r.actor === 's1');
    expect(upload).toMatchObject({
      outcome: 'stored',
      courseId: api.ids.course,
      collectionId: api.ids.quick,
      details: expect.objectContaining({
        method: 'POST',
        url: `/api/collections/${api.ids.quick}/deliveries`,
        status: 201,
        files: 2,
      }),
    });
    expect(Date.parse(upload!.at)).not.toBeNaN();
    expect(upload!.target).toMatch(/^dlv_/);
    const start = rows.find((r) => r.action === 'api.batch.start' && r.target === quickBatch);
    expect(start).toMatchObject({ actor: 'ta', outcome: 'started' });
    expect(
      rows.find((r) => r.action === 'api.batch.start' && r.outcome === 'already running'),
    ).toBeDefined();
    expect(
      rows.every((r) => r.courseId === api.ids.course || r.collectionId !== api.ids.other),
    ).toBe(true);

    const tb = await api.call('GET', '/api/audit', { token: api.tokens.tb });
    expect(tb.status).toBe(200);
    expect(tb.body.rows).toEqual([]); // nothing happened in COMP2012
    const since = await api.call(
      'GET',
      `/api/audit?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`,
      { token: api.tokens.ta },
    );
    expect(since.body.rows).toEqual([]);
    const page = await api.call('GET', '/api/audit?limit=2', { token: api.tokens.ta });
    expect(page.body.rows).toHaveLength(2);
    const next = await api.call(
      'GET',
      `/api/audit?limit=2&afterId=${page.body.nextAfterId as number}`,
      {
        token: api.tokens.ta,
      },
    );
    expect(next.body.rows[0].id).toBeGreaterThan(page.body.rows[1].id);
  });
});

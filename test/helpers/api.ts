// Test helper: zinc's HTTP API listening on a free loopback port in front of the real stack
// (dev server, PGlite, disk storage, every worker in-process), with two courses, their people,
// API tokens and a C++ grading config; and `call()`, a real fetch to it.
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { createApiServer, listenApi } from '../../src/api/server.js';
import type { ZodApp } from '../../src/api/context.js';
import { startTestStack, type TestStack } from './stack.js';
import { tempDir } from './temporal.js';

import { ASSETS, CONFIG, PROGRAMS } from './sum-course.js';

export { ASSETS, CONFIG, PROGRAMS };

/** Delivery limits of the test configuration (small, so oversized uploads stay small). */
export const LIMITS = { maxFiles: 5, maxFileBytes: 20 * 1024, maxTotalBytes: 50 * 1024 };

const DAY = 86_400_000;

export interface ApiFixture {
  stack: TestStack;
  app: ZodApp;
  url: string;
  /** Bearer tokens by user: ta (staff, COMP2011), tb (staff, COMP2012), s1..s3 and p1..p3
   * (students, COMP2011), x1 (student, COMP2012), nobody (in no course). */
  tokens: Record<string, string>;
  ids: {
    course: string;
    otherCourse: string;
    /** Open now; s1 correct, s2 wrong, s3 broken. */
    quick: string;
    /** Open now; p1..p3 slow programs (for steering). */
    slow: string;
    /** Closed (2020). */
    closed: string;
    /** Of COMP2012, open now. */
    other: string;
    /** Open now, with no grading config. */
    bare: string;
    /** Attached to quick, slow, closed and other. */
    config: string;
    /** COMP2012's own config, attached only to other. */
    otherConfig: string;
  };
  call(method: string, path: string, options?: CallOptions): Promise<ApiAnswer>;
  stop(): Promise<void>;
}

export interface CallOptions {
  token?: string | null | undefined;
  json?: unknown;
  body?: RequestInit['body'];
  headers?: Record<string, string>;
}

export interface ApiAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed JSON body (undefined when the body is not JSON). */
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** More settings of the test configuration, as `key: value` lines of each section. */
export interface FixtureSettings {
  grading?: string[];
  api?: string[];
  /** Of `submission.limits`. */
  limits?: string[];
}

/** Starts the stack, seeds it, and serves the API on a free port. */
export async function startApiFixture(settings: FixtureSettings = {}): Promise<ApiFixture> {
  const more = (lines: string[] | undefined, indent: string) =>
    (lines ?? []).map((l) => `${indent}${l}`);
  const configDir = tempDir('zinc-api-config-');
  const configFile = join(configDir, 'zinc.yaml');
  writeFileSync(
    configFile,
    [
      'submission:',
      '  limits:',
      `    max_files: ${LIMITS.maxFiles}`,
      `    max_file_mb: ${LIMITS.maxFileBytes / 1024 / 1024}`,
      `    max_total_mb: ${LIMITS.maxTotalBytes / 1024 / 1024}`,
      ...more(settings.limits, '    '),
      'grading:',
      '  concurrency: 4',
      '  initial_interval_secs: 0.2',
      '  max_interval_secs: 1',
      ...more(settings.grading, '  '),
      'api:',
      '  port: 0',
      '  json_body_limit_kb: 16',
      ...more(settings.api, '  '),
      '',
    ].join('\n'),
  );
  const stack = await startTestStack({ ZINC_CONFIG: configFile });
  const { config } = stack;
  const { zinc } = stack;
  const service = zinc.submission.service;
  const { store } = service;
  const now = Date.now();
  const course = await store.ensureCourse({ code: 'COMP2011' });
  const otherCourse = await store.ensureCourse({ code: 'COMP2012' });
  const lab = await store.ensureActivity(course.id, 'Lab 1');
  const otherLab = await store.ensureActivity(otherCourse.id, 'Lab A');
  const open = (name: string, activityId = lab.id) =>
    store.ensureCollection(activityId, name, new Date(now - DAY), new Date(now + 30 * DAY));
  const quick = await open('quick');
  const slow = await open('slow');
  const bare = await open('bare');
  const other = await open('other', otherLab.id);
  const closed = await store.ensureCollection(
    lab.id,
    'closed',
    '2020-01-01T00:00:00Z',
    '2020-02-01T00:00:00Z',
  );
  const { configs } = zinc.pipeline.service;
  const { id: configId } = await configs.addVersion(CONFIG, ASSETS);
  for (const c of [quick, slow, closed, other]) await configs.attachToCollection(c.id, configId);
  const { id: otherConfig } = await configs.addVersion(`${CONFIG}# COMP2012's\n`, ASSETS);
  await configs.attachToCollection(other.id, otherConfig);

  const members: Array<[string, string, 'staff' | 'student']> = [
    ['ta', course.id, 'staff'],
    ['tb', otherCourse.id, 'staff'],
    ['x1', otherCourse.id, 'student'],
    ...(['s1', 's2', 's3', 'p1', 'p2', 'p3'] as const).map(
      (s) => [s, course.id, 'student'] as [string, string, 'student'],
    ),
  ];
  for (const [user, courseId, role] of members) {
    await store.ensureUser({ id: user });
    await store.setMember(courseId, user, role);
  }
  await store.ensureUser({ id: 'nobody' });
  const deliver = (collectionId: string, userId: string, program: string) =>
    service.deliver({
      collectionId,
      userId,
      submittedAt: new Date(now - 3_600_000),
      files: [{ path: 'main.cpp', content: Buffer.from(program) }],
    });
  await deliver(quick.id, 's1', PROGRAMS.correct);
  await deliver(quick.id, 's2', PROGRAMS.wrong);
  await deliver(quick.id, 's3', PROGRAMS.broken);
  for (const p of ['p1', 'p2', 'p3']) await deliver(slow.id, p, PROGRAMS.slow);

  const tokenStore = zinc.core.tokens;
  const tokens: Record<string, string> = {};
  for (const user of ['ta', 'tb', 'x1', 's1', 's2', 's3', 'p1', 'nobody']) {
    tokens[user] = (await tokenStore.create({ userId: user })).token;
  }

  await stack.startWorkers();
  const app = await createApiServer({ config, temporal: stack.temporal, zinc: stack.zinc });
  const url = await listenApi(app, config.api);

  return {
    stack,
    app,
    url,
    tokens,
    ids: {
      course: course.id,
      otherCourse: otherCourse.id,
      quick: quick.id,
      slow: slow.id,
      closed: closed.id,
      other: other.id,
      bare: bare.id,
      config: configId,
      otherConfig,
    },
    async call(method, path, options = {}) {
      const headers: Record<string, string> = { ...(options.headers ?? {}) };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      let body = options.body;
      if (options.json !== undefined) {
        headers['content-type'] ??= 'application/json';
        body = JSON.stringify(options.json);
      }
      const response = await fetch(`${url}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
        signal: AbortSignal.timeout(60_000),
      });
      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      return { status: response.status, headers: response.headers, text, body: parsed };
    },
    async stop() {
      await app.close();
      await stack.stop();
    },
  };
}

/** What an error must leave unchanged: deliveries, stored objects, batches, tokens. */
export async function snapshot(fixture: ApiFixture): Promise<Record<string, number>> {
  const { db, objects } = fixture.stack.platform;
  const count = async (table: string) =>
    Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
  return {
    deliveries: await count('deliveries'),
    deliveryObjects: (await objects.list('deliveries/')).length,
    batches: await count('batches'),
    reports: await count('reports'),
    tokens: await count('api_tokens'),
    workflows: (await fixture.stack.temporal.client.workflow.count()).count,
  };
}

/** Asks `probe` every 100 ms until `ok` holds (at most a minute); fails naming `what`. */
export async function until(
  probe: () => Promise<ApiAnswer>,
  ok: (a: ApiAnswer) => boolean,
  what: string,
): Promise<ApiAnswer> {
  for (let i = 0; i < 600; i++) {
    const answer = await probe();
    if (ok(answer)) return answer;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The newest audit row. */
export async function lastAudit(fixture: ApiFixture) {
  const rows = await fixture.stack.zinc.core.batches.listAudit();
  return rows[rows.length - 1];
}

// The codec endpoint as the Temporal Web UI calls it from a browser, with the exact requests the
// UI makes (its data encoder: a preflight, then POST <endpoint>/decode with Content-Type,
// X-Namespace and, with "include cross-origin credentials" on, the browser's cookies). A staff
// member signed in to zinc's web app needs no token: the session cookie authorizes, and the
// answer carries Access-Control-Allow-Credentials for the configured UI origin alone. A bearer
// token keeps working; a student's session, another site's page and no credentials are refused.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer, listenApi } from '../src/api/server.js';
import type { ZodApp } from '../src/api/context.js';
import { startTestStack, type TestStack } from './helpers/stack.js';
import { NAMESPACE, tempDir } from './helpers/temporal.js';

const UI = 'http://127.0.0.1:8233';
const STRANGER = 'https://elsewhere.example';
const SECRET = `student-${randomBytes(3).toString('hex')}`;

let stack: TestStack;
let app: ZodApp;
let api: string;
const tokens: Record<string, string> = {};

interface Payloads {
  payloads: Array<{ metadata?: Record<string, string>; data?: string }>;
}

/** Signs in to zinc's web app with `token`, as a user does; the session cookie it sets. */
async function signIn(token: string): Promise<string> {
  const answer = await fetch(`${api}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }).toString(),
    redirect: 'manual',
  });
  expect(answer.status).toBe(303);
  const cookie = /zinc_session=[^;]+/.exec(answer.headers.get('set-cookie') ?? '')?.[0];
  if (!cookie) throw new Error('no session cookie set by /login');
  return cookie;
}

/** The UI's preflight of its POST /decode (it sends Content-Type and X-Namespace). */
function preflight(origin: string): Promise<Response> {
  return fetch(`${api}/api/codec/decode`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type,x-namespace',
    },
  });
}

/** The UI's POST /decode: what the browser sends with credentials included (its cookie). */
function decode(body: Payloads, headers: Record<string, string>): Promise<Response> {
  return fetch(`${api}/api/codec/decode`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-namespace': NAMESPACE, ...headers },
    body: JSON.stringify(body),
  });
}

let encrypted: Payloads;

beforeAll(async () => {
  const dir = tempDir('zinc-codec-creds-');
  const configFile = join(dir, 'zinc.yaml');
  writeFileSync(
    configFile,
    [
      'temporal:',
      '  encryption:',
      '    keys:',
      `      - { id: k1, key: "${randomBytes(32).toString('base64')}" }`,
      'api:',
      '  port: 0',
      '  codec:',
      `    cors_origins: ["${UI}"]`,
      '',
    ].join('\n'),
  );
  stack = await startTestStack({ ZINC_CONFIG: configFile });
  const { store } = stack.zinc.submission;
  const course = await store.ensureCourse({ code: 'CODEC1' });
  const activity = await store.ensureActivity(course.id, 'Lab 1');
  await store.ensureCollection(activity.id, 'main', '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z');
  for (const [user, role] of [
    ['ta', 'staff'],
    ['s1', 'student'],
  ] as const) {
    await store.ensureUser({ id: user });
    await store.setMember(course.id, user, role);
    tokens[user] = (await stack.zinc.core.tokens.create({ userId: user })).token;
  }
  app = await createApiServer({ config: stack.config, temporal: stack.temporal, zinc: stack.zinc });
  api = await listenApi(app, stack.config.api);

  // A payload as zinc's workers write it: encrypted (encoded here with a staff token).
  const plain = {
    payloads: [
      {
        metadata: { encoding: Buffer.from('json/plain').toString('base64') },
        data: Buffer.from(JSON.stringify({ userId: SECRET })).toString('base64'),
      },
    ],
  };
  const encoded = await fetch(`${api}/api/codec/encode`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.ta}` },
    body: JSON.stringify(plain),
  });
  expect(encoded.status).toBe(200);
  encrypted = (await encoded.json()) as Payloads;
  expect(Buffer.from(encrypted.payloads[0]!.data!, 'base64').toString('latin1')).not.toContain(
    SECRET,
  );
}, 120_000);

afterAll(async () => {
  await app?.close();
  await stack?.stop();
});

const decodedText = async (answer: Response): Promise<string> =>
  ((await answer.json()) as Payloads).payloads
    .map((p) => Buffer.from(p.data ?? '', 'base64').toString('utf8'))
    .join('\n');

describe('the codec endpoint called by the Temporal Web UI with credentials', () => {
  it('answers the preflight of the configured UI origin with credentials allowed', async () => {
    const answer = await preflight(UI);
    expect(answer.status).toBe(204);
    expect(answer.headers.get('access-control-allow-origin')).toBe(UI);
    expect(answer.headers.get('access-control-allow-credentials')).toBe('true');
    expect(answer.headers.get('access-control-allow-methods')).toContain('POST');
    expect(answer.headers.get('access-control-allow-headers')?.toLowerCase()).toContain(
      'x-namespace',
    );
  });

  it('decodes for a staff member signed in to the web app, by the session cookie alone', async () => {
    const cookie = await signIn(tokens.ta!);
    const answer = await decode(encrypted, { origin: UI, cookie });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('access-control-allow-origin')).toBe(UI);
    expect(answer.headers.get('access-control-allow-credentials')).toBe('true');
    expect(await decodedText(answer)).toContain(SECRET);
  });

  it('still decodes with a bearer token, cookie or not', async () => {
    const answer = await decode(encrypted, { origin: UI, authorization: `Bearer ${tokens.ta}` });
    expect(answer.status).toBe(200);
    expect(await decodedText(answer)).toContain(SECRET);
  });

  it("refuses a student's session, no credentials at all, and a session cookie sent by another site's page", async () => {
    const student = await decode(encrypted, { origin: UI, cookie: await signIn(tokens.s1!) });
    expect(student.status).toBe(403);
    expect(((await student.json()) as { message: string }).message).toContain('not staff');

    const nothing = await decode(encrypted, { origin: UI });
    expect(nothing.status).toBe(401);
    expect(((await nothing.json()) as { message: string }).message).toContain('web session');

    const cookie = await signIn(tokens.ta!);
    const elsewhere = await decode(encrypted, { origin: STRANGER, cookie });
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.headers.get('access-control-allow-origin')).toBeNull();
    expect(elsewhere.headers.get('access-control-allow-credentials')).toBeNull();
    expect(await elsewhere.text()).not.toContain(SECRET);

    const strangerPreflight = await preflight(STRANGER);
    expect(strangerPreflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(strangerPreflight.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('refuses a made-up or signed-out session cookie', async () => {
    const forged = await decode(encrypted, {
      origin: UI,
      cookie: `zinc_session=${randomBytes(32).toString('base64url')}`,
    });
    expect(forged.status).toBe(401);
  });

  it('refuses another namespace named in X-Namespace', async () => {
    const cookie = await signIn(tokens.ta!);
    const answer = await decode(encrypted, { origin: UI, cookie, 'x-namespace': 'zinc-other' });
    expect(answer.status).toBe(400);
    expect(((await answer.json()) as { message: string }).message).toContain('X-Namespace');
  });
});

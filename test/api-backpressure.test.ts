// The API's backpressure, in front of the real stack (dev server, PGlite, disk storage, workers):
// - a student's upload past their quota in a collection is refused (403 quota_exceeded naming the
//   quota), stores nothing, and leaves an audit row saying refused; another student may upload;
// - a burst over the per-token limit gets 429 rate_limited with Retry-After while another token
//   goes on; a burst over the per-address limit does the same while another address goes on;
//   health checks are never limited;
// - 1,000 requests without a token (and more from many addresses) are all counted by
//   zinc_api_unauthenticated_requests_total, but leave only the sampled number of audit rows.
// Rate-limit checks use more API servers over the same stack with their own limits, reached with
// fastify's inject so each request can come from a chosen client address.
// JSON answers are read as `any` and checked by value:
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment */
import { register } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ZodApp } from '../src/api/context.js';
import { createApiServer } from '../src/api/server.js';
import type { ZincConfig } from '../src/config/index.js';
import { lastAudit, snapshot, startApiFixture, type ApiFixture } from './helpers/api.js';

let api: ApiFixture;
const servers: ZodApp[] = [];

/** Another API server over the fixture's stack, with other `api` settings. */
async function serverWith(apiSettings: Partial<ZincConfig['api']>): Promise<ZodApp> {
  const config = { ...api.stack.config, api: { ...api.stack.config.api, ...apiSettings } };
  const app = await createApiServer({ config, temporal: api.stack.temporal, zinc: api.stack.zinc });
  servers.push(app);
  return app;
}

function from(app: ZodApp, address: string, token?: string) {
  return (method: 'GET' | 'POST', url: string) =>
    app.inject({
      method,
      url,
      remoteAddress: address,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
      },
      ...(method === 'POST' ? { payload: JSON.stringify({ collectionId: api.ids.quick }) } : {}),
    });
}

function upload(content: string): FormData {
  const form = new FormData();
  form.append('files', new Blob([content]), 'main.cpp');
  return form;
}

async function unauthenticatedCount(): Promise<number> {
  const metric = await register.getSingleMetric('zinc_api_unauthenticated_requests_total')?.get();
  return (metric?.values ?? []).reduce((sum, v) => sum + v.value, 0);
}

beforeAll(async () => {
  // s1 already has one delivery to `quick` (the fixture's); the quota lets them make two more.
  api = await startApiFixture({ limits: ['max_deliveries_per_student: 3'] });
}, 180_000);

afterAll(async () => {
  for (const app of servers) await app.close();
  await api?.stop();
});

describe('API backpressure', () => {
  it("refuses the upload past a student's quota, storing nothing, with an audit row", async () => {
    const path = `/api/collections/${api.ids.quick}/deliveries`;
    for (const n of [1, 2]) {
      const stored = await api.call('POST', path, {
        token: api.tokens.s1,
        body: upload(`int main() { return ${n}; }\n`),
      });
      expect(stored.status, stored.text).toBe(201);
    }
    const before = await snapshot(api);
    const refused = await api.call('POST', path, {
      token: api.tokens.s1,
      body: upload('int main() { return 3; }\n'),
    });
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({
      error: 'quota_exceeded',
      message:
        's1 has made 3 deliveries to collection quick, the most one student may make (quota submission.limits.max_deliveries_per_student = 3); nothing was stored',
    });
    expect(await snapshot(api)).toEqual(before);
    expect(await lastAudit(api)).toMatchObject({
      actor: 's1',
      action: 'api.delivery.create',
      outcome: `refused 403 quota_exceeded: ${refused.body.message}`,
    });
    // The quota is the student's: another student of the course still uploads.
    const other = await api.call('POST', path, {
      token: api.tokens.s2,
      body: upload('int main() { return 4; }\n'),
    });
    expect(other.status, other.text).toBe(201);
  });

  it('answers 429 with Retry-After over the per-token and per-address limits, and only to them', async () => {
    const app = await serverWith({
      rate_limit: { per_token_per_minute: 5, per_address_per_minute: 8 },
    });
    const s1 = from(app, '10.0.0.1', api.tokens.s1);
    const list = `/api/collections/${api.ids.quick}/deliveries`;
    for (let i = 0; i < 5; i++) expect((await s1('GET', list)).statusCode).toBe(200);
    const limited = await s1('GET', list);
    expect(limited.statusCode).toBe(429);
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.json()).toEqual({
      error: 'rate_limited',
      message: expect.stringMatching(
        /^too many requests with API token tok_\S+ \(api\.rate_limit\.per_token_per_minute\): at most 5 a minute; try again in \d+ s$/,
      ),
    });
    // The same token from another address is still limited; another token is not.
    expect((await from(app, '10.0.0.9', api.tokens.s1)('GET', list)).statusCode).toBe(429);
    expect((await from(app, '10.0.0.1', api.tokens.s2)('GET', list)).statusCode).toBe(200);

    // Per address: counted before the token is read, so requests without one count too.
    const crowd = from(app, '10.0.0.3');
    for (let i = 0; i < 8; i++) expect((await crowd('GET', list)).statusCode).toBe(401);
    const flooded = await crowd('GET', list);
    expect(flooded.statusCode).toBe(429);
    expect(Number(flooded.headers['retry-after'])).toBeGreaterThan(0);
    expect(flooded.json().message).toContain(
      'from address 10.0.0.3 (api.rate_limit.per_address_per_minute): at most 8 a minute',
    );
    expect((await from(app, '10.0.0.3', api.tokens.s2)('GET', list)).statusCode).toBe(429);
    expect((await from(app, '10.0.0.4')('GET', list)).statusCode).toBe(401);
    expect((await crowd('GET', '/healthz')).statusCode).toBe(200);
    expect((await crowd('GET', '/readyz')).statusCode).toBe(200);
  });

  it('counts every unauthenticated request but keeps only a sample of them as audit rows', async () => {
    const app = await serverWith({
      rate_limit: { per_token_per_minute: 0, per_address_per_minute: 0 },
      audit_unauthenticated: { per_address_per_minute: 10, per_minute: 100 },
    });
    const { batches } = api.stack.zinc.core;
    const rowsBefore = await batches.countAudit();
    const countedBefore = await unauthenticatedCount();

    const stranger = from(app, '10.1.0.1');
    for (let i = 0; i < 1000; i++)
      expect((await stranger('POST', '/api/batches')).statusCode).toBe(401);
    const fromOne = (await batches.countAudit()) - rowsBefore;
    // At most 10 a minute (a run that crosses into the next minute may keep 10 more).
    expect(fromOne).toBeGreaterThanOrEqual(10);
    expect(fromOne).toBeLessThanOrEqual(20);
    expect((await lastAudit(api))?.details).toMatchObject({
      address: '10.1.0.1',
      status: 401,
      sample: { seenFromAddressThisMinute: expect.any(Number) },
    });

    // Many addresses: at most 100 rows a minute in all.
    for (let i = 0; i < 300; i++) {
      const answer = await from(app, `10.2.${Math.floor(i / 250)}.${i % 250}`)(
        'POST',
        '/api/batches',
      );
      expect(answer.statusCode).toBe(401);
    }
    const fromMany = (await batches.countAudit()) - rowsBefore - fromOne;
    expect(fromMany).toBeLessThanOrEqual(200);

    expect((await unauthenticatedCount()) - countedBefore).toBe(1300);
  }, 300_000);
});

// Bad requests to zinc's HTTP API, over real HTTP in front of the real stack: each gets the
// status and message a client can act on, and changes nothing (no delivery, object, batch,
// report, token or workflow); a refused state-changing request leaves one audit row saying
// who asked and that it was refused (outcome "refused <status> <error>: <message>").
// JSON answers are read as `any` and checked by value:
/* eslint-disable @typescript-eslint/no-unsafe-member-access */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenStore } from '../src/core/auth.js';
import { createBatchStore } from '../src/core/batch-store.js';
import { lastAudit, snapshot, startApiFixture, type ApiFixture } from './helpers/api.js';
import { inputCases, type BadRequestContext } from './helpers/bad-requests.js';
import { accessCases } from './helpers/bad-requests-access.js';

let api: ApiFixture;
const k = {} as BadRequestContext;
const cases = [...inputCases(k), ...accessCases(k)];

beforeAll(async () => {
  api = await startApiFixture();
  k.api = api;
  const tokens = createTokenStore(api.stack.platform.db);
  const shortLived = await tokens.create({ userId: 's1', expiresAt: new Date(Date.now() + 1500) });
  k.expired = shortLived.token;
  const toRevoke = await tokens.create({ userId: 'ta' });
  await tokens.revoke(toRevoke.id);
  k.revoked = toRevoke.token;
  k.forged = `zinc_${'A'.repeat(43)}`;
  const started = await api.call('POST', '/api/batches', {
    token: api.tokens.ta,
    json: { collectionId: api.ids.quick },
  });
  const batchId = started.body.batchId as string;
  k.batchId = batchId;
  for (let i = 0; i < 600; i++) {
    const state = await api.call('GET', `/api/batches/${batchId}`, { token: api.tokens.ta });
    if (state.body.status === 'completed') break;
    await sleep(100);
  }
  // The workflow's last audit row comes just after the record says completed: wait for it, so
  // every case below sees only its own rows.
  const audit = createBatchStore(api.stack.platform.db);
  for (let i = 0; i < 600; i++) {
    const rows = await audit.listAudit();
    if (rows.some((r) => r.action === 'batch.finish' && r.target === batchId)) break;
    await sleep(100);
  }
  const listed = await api.call('GET', `/api/collections/${api.ids.quick}/deliveries`, {
    token: api.tokens.s1,
  });
  k.s1Delivery = listed.body.deliveries[0].id as string;
  await sleep(Math.max(0, Date.parse(shortLived.expiresAt!) - Date.now() + 100)); // let it expire
}, 240_000);

afterAll(async () => {
  await api?.stop();
});

describe('bad requests to the HTTP API', () => {
  it('are at least 25 distinct cases', () => {
    expect(new Set(cases.map((c) => c.name)).size).toBeGreaterThanOrEqual(25);
  });

  it.each(cases)('$name: $status', async (c) => {
    const audit = createBatchStore(api.stack.platform.db);
    const before = await snapshot(api);
    const auditBefore = await audit.countAudit();

    const answer = await c.send();

    expect(answer.status, answer.text).toBe(c.status);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(answer.body.error).toBe(c.error);
    if (c.message instanceof RegExp) expect(answer.body.message).toMatch(c.message);
    else expect(answer.body.message).toBe(typeof c.message === 'string' ? c.message : c.message());
    expect(answer.text).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/); // never a stack trace
    if (c.status === 401) {
      expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="zinc"');
    }
    for (const field of c.fields ?? []) {
      const found = (answer.body.fields as Array<{ path: string; message: string }>).find(
        (f) => f.path === field.path,
      );
      expect(found, `field ${field.path} in ${answer.text}`).toBeDefined();
      if (typeof field.message === 'string') expect(found!.message).toBe(field.message);
      else expect(found!.message).toMatch(field.message);
    }

    expect(await snapshot(api)).toEqual(before); // nothing changed...
    if (c.audit) {
      // ...but the refusal itself is on the record
      expect(await audit.countAudit()).toBe(auditBefore + 1);
      const row = await lastAudit(api);
      expect(row).toMatchObject({ action: c.audit.action, actor: c.audit.actor });
      expect(row!.outcome).toBe(`refused ${c.status} ${c.error}: ${answer.body.message as string}`);
      expect(row!.details).toMatchObject({ status: c.status });
    } else {
      expect(await audit.countAudit()).toBe(auditBefore); // reads and unknown routes: no row
    }
  });
});

// The web app in a real browser (Debian's chromium, driven by playwright-core), served by the
// API process of the fixture's real stack (Temporal dev server, PGlite, sandboxed grading):
// - staff flow: a TA signs in with an API token (an HttpOnly, SameSite=Strict session cookie
//   whose secret the database does not hold), starts a batch of the "quick" collection, watches
//   its progress bar reach 100%, filters the results to WRONG_OUTPUT, opens that report and sees
//   expected and actual side by side with the differing line marked, and downloads the CSV;
// - student flow: a student uploads files (and sees a refusal's reason on a closed
//   collection), reads their own report in the student view (the hidden test is not there),
//   and is refused another student's report;
// - a form posted without the session's CSRF token, or without a session, changes nothing; a
//   session ends when its token is revoked, and an unknown token opens none;
// - every page answers with a Content-Security-Policy allowing only zinc's own scripts, and no
//   page logs a console error.
// Screenshots go to docs/screenshots/ (the README shows them); the results page's weight
// (bytes transferred) is printed.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { PROGRAMS, startApiFixture, type ApiFixture } from './helpers/api.js';
import { expectRefusalLogged, launchBrowser, watchedPage } from './helpers/browser.js';

const SHOTS = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));

let api: ApiFixture;
let browser: Browser;
const errors: string[] = [];
let batchUrl = '';
let batchId = '';
/** A second batch of the same collection, never released. */
let secondBatchId = '';

async function signIn(context: BrowserContext, token: string): Promise<Page> {
  const page = await watchedPage(context, errors);
  await page.goto(`${api.url}/`);
  expect(new URL(page.url()).pathname).toBe('/login');
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Your courses' }).waitFor();
  return page;
}

beforeAll(async () => {
  api = await startApiFixture();
  browser = await launchBrowser();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await api?.stop();
});

describe('staff', () => {
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    page = await signIn(context, api.tokens.ta!);
  });
  afterAll(async () => {
    await context?.close();
  });

  it('signs in to a session cookie the page scripts cannot read, stored only as a hash', async () => {
    const [cookie] = (await context.cookies()).filter((c) => c.name === 'zinc_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(await page.evaluate<string>('document.cookie')).not.toContain('zinc_session');
    const { rows } = await api.stack.platform.db.query<{ session_hash: string; user_id: string }>(
      'SELECT session_hash, user_id FROM web_sessions',
    );
    expect(rows.map((r) => r.user_id)).toContain('ta');
    expect(rows.map((r) => r.session_hash)).not.toContain(cookie!.value);
    await page.screenshot({ path: `${SHOTS}courses.png` });
  });

  it('starts a batch and watches its progress reach 100%', async () => {
    await page.getByRole('link', { name: 'Lab 1 · quick' }).click();
    await page.getByRole('heading', { name: 'Start a batch' }).waitFor();
    await page.getByLabel('Concurrency').fill('2');
    await page.getByRole('button', { name: 'Start batch' }).click();
    await page.waitForURL(/\/batches\//);
    batchUrl = page.url();
    batchId = decodeURIComponent(new URL(batchUrl).pathname.split('/')[2]!);
    // The bar follows the event stream; when the batch ends the page loads its final state.
    await page.locator('#batch-status', { hasText: 'completed' }).waitFor({ timeout: 180_000 });
    await expect
      .poll(() =>
        page
          .locator('#batch-progress')
          .evaluate((e) => [
            (e as unknown as { value: number }).value,
            (e as unknown as { max: number }).max,
          ]),
      )
      .toEqual([3, 3]);
    expect(await page.locator('#progress-text').textContent()).toBe('3 of 3 graded (100%)');
    expect(await page.locator('#verdict-counts').textContent()).toContain('WRONG_OUTPUT');
    expect(await page.locator('svg.histogram rect.bar').count()).toBe(10);
    await page.screenshot({ path: `${SHOTS}batch.png`, fullPage: true });
    // Playwright's screenshot leaves style attributes on the page's hidden inputs, which the CSP
    // then reports once htmx copies them: load the page afresh before using it again.
    await page.reload();
  });

  it('filters the results to WRONG_OUTPUT and opens that report with its diff', async () => {
    await page.getByLabel('Verdict').selectOption('WRONG_OUTPUT');
    await page.getByText('1 of 3 deliveries').waitFor();
    await page.waitForURL(/verdict=WRONG_OUTPUT/);
    const rows = page.locator('table.results tbody tr');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('s2');
    await page.getByRole('link', { name: 'report of s2' }).click();
    await page.getByRole('heading', { name: 'Report of s2' }).waitFor();
    // s2 multiplies instead of adding: 1 2 gives 2 where 3 was expected.
    const test1 = page.locator('details.test').first();
    expect(await test1.locator('summary').textContent()).toContain('WRONG_OUTPUT');
    expect((await test1.locator('.diff td.d-removed').allTextContents()).join('')).toContain('3');
    expect((await test1.locator('.diff td.d-added').allTextContents()).join('')).toContain('2');
    expect(await test1.textContent()).toMatch(/ms of 20000 ms/);
    expect(await page.getByText('staff view (everything)').count()).toBe(1);
    expect(await page.getByText('Test 2').count()).toBe(1); // staff see the hidden test
    await page.screenshot({ path: `${SHOTS}report.png`, fullPage: true });
  });

  it('downloads the results as CSV', async () => {
    await page.goto(batchUrl);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`${batchId}.csv`);
    const csv = readFileSync(await download.path(), 'utf8');
    const lines = csv.trim().split(/\r?\n/);
    expect(lines).toHaveLength(4);
    expect(lines.find((l) => l.startsWith('s2,'))).toContain('WRONG_OUTPUT');
  });

  it('compares a regrade with the first batch, and releases the first to students', async () => {
    const started = await api.call('POST', '/api/batches', {
      token: api.tokens.ta,
      json: { collectionId: api.ids.quick },
    });
    expect(started.status, started.text).toBe(202);
    const second = started.body.batchId as string;
    secondBatchId = second;
    expect(second).not.toBe(batchId);
    for (let i = 0; i < 1200; i++) {
      const state = await api.call('GET', `/api/batches/${second}`, { token: api.tokens.ta });
      if (state.body.status === 'completed') break;
      await sleep(100);
    }
    await page.goto(`${api.url}/batches/${second}`);
    expect(await page.locator('#release-state').textContent()).toContain('Not released');
    await page.getByLabel('Compare with').selectOption(batchId);
    await page.getByRole('button', { name: 'Compare' }).click();
    await page.waitForURL(/against=/);
    // The same programs graded twice by the same config: nobody moved.
    expect((await page.locator('#diff').textContent())!.replace(/\s+/g, ' ')).toContain(
      '0 changed (0 improved, 0 worsened), 3 unchanged',
    );
    await page.goto(batchUrl);
    await page.getByRole('button', { name: 'Release grades to students' }).click();
    await page.waitForURL(/steered=released/);
    expect(await page.locator('#release-state').textContent()).toContain('Released');
    expect(await page.getByRole('button', { name: 'Release grades to students' }).count()).toBe(0);
    const listed = await api.call('GET', `/api/batches/${batchId}`, { token: api.tokens.ta });
    expect(listed.body.released).toBe('released');
    await page.reload();
  });

  it('serves the results page under a strict CSP, and reports its weight', async () => {
    const fresh = await browser.newContext();
    await fresh.addCookies(await context.cookies());
    const weighed = await watchedPage(fresh, errors);
    const sizes: Array<Promise<[string, number]>> = [];
    weighed.on('requestfinished', (request) => {
      sizes.push(
        request
          .sizes()
          .then((s) => [
            new URL(request.url()).pathname,
            s.responseBodySize + s.responseHeadersSize,
          ]),
      );
    });
    const response = await weighed.goto(batchUrl, { waitUntil: 'networkidle' });
    const csp = response!.headers()['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const each = await Promise.all(sizes);
    const bytes = each.reduce((a, [, n]) => a + n, 0);
    console.log(
      `results page weight: ${bytes} bytes transferred in ${each.length} requests (${each.map(([p, n]) => `${p.startsWith('/batches/') ? 'page' : p}: ${n}`).join(', ')})`,
    );
    expect(bytes).toBeGreaterThan(0);
    await fresh.close();
  });

  it('refuses a form without the CSRF token, and one without a session', async () => {
    const cookie = (await context.cookies()).find((c) => c.name === 'zinc_session')!;
    const before = await api.stack.platform.db.query('SELECT count(*) AS n FROM batches');
    const post = (headers: Record<string, string>) =>
      fetch(`${api.url}/collections/${api.ids.quick}/batches`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: 'concurrency=1',
      });
    const noToken = await post({ cookie: `zinc_session=${cookie.value}` });
    expect(noToken.status).toBe(403);
    expect(await noToken.text()).toContain('no valid CSRF token');
    const noSession = await post({});
    expect(noSession.status).toBe(401);
    const after = await api.stack.platform.db.query('SELECT count(*) AS n FROM batches');
    expect(after.rows).toEqual(before.rows);
  });
  it("shows a collection's grading schedules", async () => {
    const made = await api.call('POST', '/api/schedules', {
      token: api.tokens.ta,
      json: { collectionId: api.ids.slow, atClose: true },
    });
    expect(made.status, made.text).toBe(201);
    await page.goto(`${api.url}/collections/${api.ids.slow}`);
    const schedules = page.locator('dt:text-is("Schedules") + dd');
    expect((await schedules.textContent())!.replace(/\s+/g, ' ')).toMatch(
      /at-close · fires \S+ \S+ UTC · scheduled/,
    );
  });
});

describe('student', () => {
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    // A phone-sized window: the pages must work there too.
    context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    page = await signIn(context, api.tokens.s1!);
  });
  afterAll(async () => {
    await context?.close();
  });

  it('uploads files and sees the delivery listed', async () => {
    await page.getByRole('link', { name: 'Lab 1 · quick' }).click();
    await page.getByRole('heading', { name: 'My deliveries' }).waitFor();
    const before = await page.locator('#mine-h + div tbody tr').count();
    await page.getByLabel('Files (or drop them here)').setInputFiles({
      name: 'main.cpp',
      mimeType: 'text/x-c++src',
      buffer: Buffer.from(`${PROGRAMS.correct}// again\n`),
    });
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.getByText(/Delivery dlv_\S+ stored\./).waitFor();
    expect(await page.locator('#mine-h + div tbody tr').count()).toBe(before + 1);
    await page.screenshot({ path: `${SHOTS}student-upload.png`, fullPage: true });
  });

  it('sees the reason when an upload is refused', async () => {
    await page.goto(`${api.url}/collections/${api.ids.closed}`);
    await page.getByLabel('Files (or drop them here)').setInputFiles({
      name: 'main.cpp',
      mimeType: 'text/x-c++src',
      buffer: Buffer.from(PROGRAMS.correct),
    });
    await page.getByRole('button', { name: 'Upload' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: 'students may upload only while it is open' })
      .waitFor();
    expectRefusalLogged(errors, 403);
  });

  it('reads their own report in the student view once released (the first batch), without the hidden test', async () => {
    const listed = await api.call('GET', `/api/collections/${api.ids.quick}/deliveries`, {
      token: api.tokens.ta,
    });
    const s1 = listed.body.deliveries.find((d: { userId: string }) => d.userId === 's1');
    // The second batch was never released: its grades are not shown to students.
    const early = await page.goto(`${api.url}/reports/${secondBatchId}/${s1.id}`);
    expect(early!.status()).toBe(403);
    expect(await page.getByRole('alert').textContent()).toContain('not released to students');
    expectRefusalLogged(errors, 403);
    await page.goto(`${api.url}/collections/${api.ids.quick}`);
    await page.getByRole('link', { name: batchId }).click();
    await page.getByRole('heading', { name: 'Report of s1' }).waitFor();
    expect(await page.getByText('student view').count()).toBeGreaterThan(0);
    expect(await page.locator('details.test summary').allTextContents()).toEqual([
      expect.stringContaining('Test 1 PASSED'),
    ]);
    // Test 2 (ALWAYS_HIDDEN) shows only that it exists: not its input or expected output.
    expect(await page.getByText('Test 2 is hidden').count()).toBe(1);
    const outputs = (await page.locator('main pre, main table.diff').allTextContents()).join('\n');
    expect(outputs).toContain('3');
    expect(outputs).not.toContain('40 2');
    expect(outputs).not.toContain('42');
    await page.screenshot({ path: `${SHOTS}student-report.png`, fullPage: true });
  });

  it("is refused another student's report and the staff pages", async () => {
    const listed = await api.call('GET', `/api/collections/${api.ids.quick}/deliveries`, {
      token: api.tokens.ta,
    });
    const s2 = listed.body.deliveries.find((d: { userId: string }) => d.userId === 's2');
    const report = await page.goto(`${api.url}/reports/${batchId}/${s2.id}`);
    expect(report!.status()).toBe(403);
    expect(await page.getByRole('alert').textContent()).toContain(
      'may read only their own reports',
    );
    expect(await page.content()).not.toContain('WRONG_OUTPUT');
    expectRefusalLogged(errors, 403);
    const batch = await page.goto(batchUrl);
    expect(batch!.status()).toBe(403);
    expect(await page.getByRole('alert').textContent()).toContain(
      'is not staff of course COMP2011',
    );
    expectRefusalLogged(errors, 403);
  });
});

describe('sessions', () => {
  it('end when the token they were opened with is revoked', async () => {
    const context = await browser.newContext();
    const page = await signIn(context, api.tokens.p1!);
    const [token] = await api.stack.zinc.core.tokens.list('p1');
    expect(await api.stack.zinc.core.tokens.revoke(token!.id)).toBe(true);
    await page.goto(`${api.url}/`);
    expect(new URL(page.url()).pathname).toBe('/login');
    expect((await context.cookies()).filter((c) => c.name === 'zinc_session')).toEqual([]);
    await context.close();
  });

  it('are refused a token zinc does not know, with the reason', async () => {
    const context = await browser.newContext();
    const page = await watchedPage(context, errors);
    await page.goto(`${api.url}/login`);
    await page.getByLabel('API token').fill('zinc_' + 'x'.repeat(43));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'not known to zinc' }).waitFor();
    expectRefusalLogged(errors, 401);
    expect(await context.cookies()).toEqual([]);
    await context.close();
  });
});

describe('every page', () => {
  it('logged no console error', () => {
    expect(errors).toEqual([]);
  });
});

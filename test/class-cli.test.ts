// A course's small commands through the `zinc` command and the API, on one data dir and one
// graded batch (C++; a visible test and a hidden one whose input is 64 KiB):
// - `zinc report show` prints a stored report as `zinc try` prints one: the input's head under a
//   failed test, and with --student-view (or for the student) hidden tests only as hidden;
// - a stored report keeps the 64 KiB input once per config version, not in each report: a
//   passing report is a few KB, and `report show --json` still gives the whole input;
// - `zinc grade --student` grades only that student's latest delivery; a student not enrolled or
//   without a delivery is named, and nothing starts;
// - steering by a student is refused with an audit row; `regrade-failed` with nothing ERRORED
//   starts nothing and audits nothing;
// - `zinc user list`; `zinc token create --course --role student` prints one token per student
//   as CSV, and such a token reads its own student's report through the API, nobody else's;
//   POST /api/batches with studentIds names a student who is not enrolled;
// - `zinc audit` shows user, token, import and config rows (IDs, never a token).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { openPlatform } from '../src/platform/platform.js';
import type { AuditRow } from '../src/core/batch-store.js';
import type { BatchSummary } from '../src/workflows/grading/types.js';
import { cliCourse } from './helpers/cli-course.js';
import { repoRoot, tempDir } from './helpers/temporal.js';
import { zincBin } from './helpers/zinc-bin.js';

const dataDir = tempDir();

function zinc(args: string[]) {
  const run = spawnSync(process.execPath, [zincBin(), '--data-dir', dataDir, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 600_000,
    env: { ...process.env, ZINC_USER: 'ta' },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Counts the lines of its input; `extra` is added (a wrong program adds 1). */
const counter = (extra: number) =>
  `#include <iostream>\n#include <string>\nint main(){std::string l;long n=0;while(std::getline(std::cin,l))n++;std::cout<<n+${extra}<<"\\n";}\n`;

/** 64 KiB of input: 8192 lines of 7 digits. */
const BIG_LINE = '1234567';
const BIG_INPUT = `${BIG_LINE}\n`.repeat(8192);

const CONFIG = [
  '_settings:',
  '  lang: cpp/g++:12',
  '  lang_version_may_differ: true',
  '  stage_wait_duration_secs: 120',
  'compile: { input: ["*.cpp"], output: main }',
  'stdioTest:',
  '  testCases:',
  '    - { id: 1, file: main, stdin: "a\\nb\\n", expected: "2", score: 1 }',
  '    - { id: 2, file: main, file_stdin: big.in, expected: "8192", score: 1, visibility: ALWAYS_HIDDEN }',
  'score: { normalizedTo: 100 }',
].join('\n');

let collectionId: string;
let batchId: string;
let deliveries: Record<string, string>;

function json<T>(run: ReturnType<typeof zinc>): T {
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as T;
}

function auditRows(): AuditRow[] {
  return json<AuditRow[]>(zinc(['audit', '--json']));
}

beforeAll(() => {
  ({ collectionId } = cliCourse(zinc, {
    programs: { s1: counter(0), s2: counter(1), s3: counter(0) },
    config: CONFIG,
    assets: { 'big.in': BIG_INPUT },
  }));
  const enrolled = zinc(['user', 'add', 's4', '--course', 'C1', '--role', 'student']);
  expect(enrolled.status, enrolled.stderr).toBe(0);
  const summary = json<BatchSummary>(zinc(['grade', collectionId, '--json']));
  expect(summary).toMatchObject({ status: 'completed', total: 3 });
  batchId = summary.batchId;
  const listed = json<Array<{ id: string; userId: string }>>(
    zinc(['deliveries', 'list', collectionId, '--json']),
  );
  deliveries = Object.fromEntries(listed.map((d) => [d.userId, d.id]));
}, 600_000);

describe('zinc report show', () => {
  it('prints the staff view as zinc try does, with the head of a failed test input', () => {
    const shown = zinc(['report', 'show', batchId, 's2']);
    expect(shown.status, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(
      `report of s2 (delivery ${deliveries.s2}) in batch ${batchId}, staff view\n`,
    );
    expect(shown.stdout).toMatch(/^stdioTest +0\/2 passed$/m);
    expect(shown.stdout).toMatch(/^ {2}2 +WRONG_OUTPUT +0\/1 /m);
    expect(shown.stdout).toContain(`  test 2 input:\n    | ${BIG_LINE}\n`);
    expect(shown.stdout).toContain('    | ... (65536 bytes in all)\n');
    expect(shown.stdout).toContain('score 0 / 100');
    // A delivery ID names the same report.
    expect(zinc(['report', 'show', batchId, deliveries.s2!]).stdout).toBe(shown.stdout);
  });

  it('shows the student view with --student-view, and to the student: the hidden test only as hidden', () => {
    const staffAsked = zinc(['report', 'show', batchId, 's2', '--student-view']);
    expect(staffAsked.status, staffAsked.stderr).toBe(0);
    const ownAsked = zinc(['report', 'show', batchId, 's2', '--as', 's2']);
    expect(ownAsked.stdout).toBe(staffAsked.stdout);
    const text = staffAsked.stdout;
    expect(text).toContain('student view\n');
    expect(text).toMatch(/^stdioTest +0\/1 shown passed, 1 hidden$/m);
    expect(text).toMatch(/^ {2}2 +hidden$/m);
    expect(text).not.toContain(BIG_LINE);
    expect(text).toContain('score withheld (hidden tests; visible tests 0 / 1)');

    const other = zinc(['report', 'show', batchId, 's2', '--as', 's1']);
    expect(other.status).toBe(3);
    expect(other.stderr).toBe(
      "zinc: s1 may read only their own reports, not those of another student's delivery\n",
    );
    const missing = zinc(['report', 'show', batchId, 's4']);
    expect(missing.status).toBe(4);
    expect(missing.stderr).toBe(`zinc: batch ${batchId} has no report of student or delivery s4\n`);
  });

  it('keeps a passing report to a few KB: the 64 KiB input is stored once, and shown whole', async () => {
    const shown = json<{ report: { stageReports: Record<string, { tests: unknown[] }> } }>(
      zinc(['report', 'show', batchId, 's1', '--json']),
    );
    const hidden = shown.report.stageReports.stdioTest!.tests[1] as {
      verdict: string;
      stdin: { text: string; bytes: number; ref?: string };
    };
    expect(hidden.verdict).toBe('PASSED');
    expect(hidden.stdin).toMatchObject({ text: BIG_INPUT, bytes: 65536 });
    expect(hidden.stdin.ref).toBeUndefined();

    const platform = await openPlatform(loadConfig({ overrides: { dataDir }, cwd: dataDir }));
    try {
      const { rows } = await platform.db.query<{ delivery_id: string; report_key: string }>(
        'SELECT delivery_id, report_key FROM reports WHERE batch_id = $1',
        [batchId],
      );
      const sizes = await Promise.all(
        rows.map(async (r) => (await platform.objects.get(r.report_key)).length),
      );
      const resolved = Buffer.byteLength(JSON.stringify(shown.report));
      process.stdout.write(
        `report of s1: ${resolved} bytes with the input inline, ${sizes[rows.findIndex((r) => r.delivery_id === deliveries.s1)]} bytes stored\n`,
      );
      expect(resolved).toBeGreaterThan(65536);
      for (const size of sizes) expect(size).toBeLessThan(8 * 1024);
      // One copy of the input for the config version, whatever the number of reports.
      const texts = await platform.objects.list('config-texts/');
      expect(texts).toHaveLength(1);
    } finally {
      await platform.close();
    }
  });
});

describe('zinc grade --student and steering', () => {
  it('grades only the named student, and names a student it cannot grade', () => {
    const before = json<unknown[]>(zinc(['batch', 'list', '--json'])).length;
    const ghost = zinc(['grade', collectionId, '--student', 'ghost']);
    expect(ghost.status).toBe(4);
    expect(ghost.stderr).toContain('zinc grade: ghost is not a student of course C1');
    const none = zinc(['grade', collectionId, '--student', 's4']);
    expect(none.status).toBe(4);
    expect(none.stderr).toContain(
      `zinc grade: student s4 has no delivery in collection ${collectionId}: nothing to grade`,
    );
    expect(json<unknown[]>(zinc(['batch', 'list', '--json']))).toHaveLength(before);

    const one = json<BatchSummary>(zinc(['grade', collectionId, '--student', 's2', '--json']));
    expect(one).toMatchObject({ status: 'completed', total: 1, done: 1 });
    const results = json<{ rows: Array<{ student: string; verdict: string }> }>(
      zinc(['batch', 'results', one.batchId, '--format', 'json']),
    );
    expect(results.rows.map((r) => [r.student, r.verdict])).toEqual([['s2', 'WRONG_OUTPUT']]);
  });

  it('refuses a student steering a batch, with an audit row; regrade-failed with nothing ERRORED starts nothing', () => {
    const rowsBefore = auditRows().length;
    const batchesBefore = json<unknown[]>(zinc(['batch', 'list', '--json'])).length;
    const why =
      's1 is not staff of course C1, so may not pause, resume, cancel or terminate batches of its collections';
    for (const action of ['pause', 'resume', 'cancel']) {
      const refused = zinc(['batch', action, batchId, '--as', 's1']);
      expect(refused.status).toBe(3);
      expect(refused.stderr).toBe(`zinc batch ${action}: ${why}\n`);
    }
    const refusedRows = auditRows().slice(rowsBefore);
    expect(refusedRows.map((r) => [r.actor, r.action, r.target, r.outcome])).toEqual(
      ['pause', 'resume', 'cancel'].map((a) => ['s1', `batch.${a}`, batchId, `refused: ${why}`]),
    );
    // Staff are let through, and told the batch has ended.
    const ended = zinc(['batch', 'pause', batchId]);
    expect(ended.status).toBe(1);
    expect(ended.stderr).toContain(`batch ${batchId} has already ended`);

    const nothing = zinc(['batch', 'regrade-failed', batchId]);
    expect(nothing.status, nothing.stderr).toBe(0);
    expect(nothing.stdout).toBe(
      `Batch ${batchId} has no ERRORED deliveries: nothing to regrade.\n`,
    );
    expect(json<unknown[]>(zinc(['batch', 'list', '--json']))).toHaveLength(batchesBefore);
    expect(auditRows().length).toBe(rowsBefore + 3);
  });
});

describe('class commands', () => {
  let api: ChildProcess | undefined;
  afterAll(() => {
    api?.kill('SIGINT');
  });

  it('lists the members of a course', () => {
    const students = json<Array<{ courseCode: string; userId: string; role: string }>>(
      zinc(['user', 'list', '--course', 'C1', '--role', 'student', '--json']),
    );
    expect(students.map((m) => [m.courseCode, m.userId, m.role])).toEqual(
      ['s1', 's2', 's3', 's4'].map((s) => ['C1', s, 'student']),
    );
    const table = zinc(['user', 'list']);
    expect(table.stdout.split('\n')[0]).toMatch(/^COURSE +USER +ROLE +NAME$/);
    expect(table.stdout).toMatch(/^C1 +ta +staff/m);
    const unknown = zinc(['user', 'list', '--course', 'NOPE']);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toBe('zinc: course NOPE does not exist\n');
  });

  it('makes one token per student as CSV; a token reads its own report through the API only', async () => {
    const made = zinc([
      'token',
      'create',
      '--course',
      'C1',
      '--role',
      'student',
      '--expires',
      '30d',
    ]);
    expect(made.status, made.stderr).toBe(0);
    const lines = made.stdout.trim().split('\n');
    expect(lines[0]).toBe('student,token_id,token,expires_at');
    const rows = lines.slice(1).map((l) => l.split(','));
    expect(rows.map((r) => r[0])).toEqual(['s1', 's2', 's3', 's4']);
    for (const row of rows) {
      expect(row[1]).toMatch(/^tok_\w+$/);
      expect(row[2]).toMatch(/^zinc_[A-Za-z0-9_-]{43}$/);
      expect(row[3]).toMatch(/^\d{4}-\d\d-\d\dT/);
    }
    expect(made.stderr).toContain('shown only now');
    const refused = zinc(['token', 'create', '--course', 'C1']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('--course needs --role student');

    const audit = auditRows();
    const actions = new Set(audit.map((r) => r.action));
    for (const action of ['import', 'user.add', 'config.add', 'token.create']) {
      expect(actions, action).toContain(action);
    }
    const tokenRows = audit.filter((r) => r.action === 'token.create');
    expect(tokenRows.map((r) => r.target)).toEqual(rows.map((r) => r[1]));
    expect(tokenRows[0]).toMatchObject({ actor: 'ta', details: { userId: 's1', course: 'C1' } });
    for (const row of rows) expect(JSON.stringify(audit)).not.toContain(row[2]);
    expect(audit.find((r) => r.action === 'config.add')).toMatchObject({
      collectionId,
      outcome: 'added and made the default',
    });

    // `zinc api` serves the data dir; s1's class token reads s1's report, not s2's.
    const served = await serving(['api', '--api-port', '0']);
    api = served.child;
    const call = (path: string, token: string, method = 'GET') =>
      fetch(`${served.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}` },
      });
    const s1Token = rows[0]![2]!;
    // Students read a batch's report once staff release its grades.
    const early = await call(`/api/reports/${batchId}/${deliveries.s1}`, s1Token);
    expect(early.status).toBe(403);
    const released = zinc(['batch', 'release', batchId, '--as', 'ta']);
    expect(released.status, released.stderr).toBe(0);
    const own = await call(`/api/reports/${batchId}/${deliveries.s1}`, s1Token);
    expect(own.status).toBe(200);
    expect(await own.json()).toMatchObject({ userId: 's1', view: 'student' });
    expect((await call(`/api/reports/${batchId}/${deliveries.s2}`, s1Token)).status).toBe(403);
    expect((await call(`/api/batches/${batchId}/pause`, s1Token, 'POST')).status).toBe(403);
    // Staff name students through the API too: one not enrolled is named, and nothing starts.
    const taToken = zinc(['token', 'create', '--user', 'ta']).stdout.trim().split(/\s+/).pop()!;
    const ghost = await fetch(`${served.url}/api/batches`, {
      method: 'POST',
      headers: { authorization: `Bearer ${taToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ collectionId, studentIds: ['ghost'] }),
    });
    expect(ghost.status).toBe(404);
    expect(((await ghost.json()) as { message: string }).message).toContain(
      'ghost is not a student of course C1',
    );
    const revoked = zinc(['token', 'revoke', rows[0]![1]!]);
    expect(revoked.status, revoked.stderr).toBe(0);
    expect((await call(`/api/reports/${batchId}/${deliveries.s1}`, s1Token)).status).toBe(401);
    expect(auditRows().filter((r) => r.action === 'token.revoke')).toMatchObject([
      { actor: 'ta', target: rows[0]![1] },
    ]);
  });
});

/** Starts `zinc <args>` on the data dir and resolves once its API serves. */
async function serving(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [zincBin(), '--data-dir', dataDir, ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ZINC_USER: 'ta' },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const deadline = Date.now() + 120_000;
  while (!out.includes('Press Ctrl-C')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`zinc ${args.join(' ')} did not start:\n${out}\n${err}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const url = /API: +(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
  if (!url) throw new Error(`no API line in:\n${out}`);
  return { child, url };
}

// Regrade review and release through the `zinc` command, on one data dir: a config whose second
// test expects a wrong answer grades three students; staff fix the test (a new config version)
// and grade again.
// - `zinc batch diff <old> <new>` shows exactly the students whose score changed (s1 improved,
//   s3 worsened; s2 unchanged), with the counts, as a table, CSV and JSON;
// - it refuses a non-staff requester (exit 3) and unknown batches (exit 4, naming them), printing
//   nothing on stdout (two batches of different collections: test/api-release.test.ts);
// - `zinc batch release` by a student is refused (exit 3), audited, and releases nothing;
// - staff release the first batch, then the second: `zinc batch list` and `zinc batch status`
//   show which batch is released and that the first was superseded by the second.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BatchDiff } from '../src/core/batch-diff.js';
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

/** Weights 1, 1, 2 (of 4): test 2 expects `expected2` for "1 2". */
const config = (expected2: string) =>
  [
    '_settings:',
    '  lang: python/python3:3',
    '  lang_version_may_differ: true',
    '  use_template: FILENAMES',
    '  template: [main.py]',
    'stdioTest:',
    '  testCases:',
    '    - { id: 1, file: main.py, stdin: "2 2", expected: "4", score: 1 }',
    `    - { id: 2, file: main.py, stdin: "1 2", expected: "${expected2}", score: 1, visibility: VISIBLE_AFTER_GRADING }`,
    '    - { id: 3, file: main.py, stdin: "3 4", expected: "7", score: 2, visibility: ALWAYS_HIDDEN }',
    'score: { normalizedTo: 100 }',
  ].join('\n');

const PROGRAMS = {
  s1: 'a, b = map(int, input().split())\nprint(a + b)\n', // 75 -> 100
  s2: 'a, b = map(int, input().split())\nprint(a * b)\n', // 25 -> 25
  s3: 'print(4)\n', // 50 -> 25
};

const ok = (run: ReturnType<typeof zinc>, what: string) => {
  expect(run.status, `${what}: ${run.stderr}`).toBe(0);
  return run.stdout;
};

let collectionId: string;
let first: string;
let second: string;

beforeAll(() => {
  ({ collectionId } = cliCourse(zinc, {
    programs: PROGRAMS,
    config: config('4'), // the bug: 1 + 2 is not 4
    file: 'main.py',
  }));
  first = (JSON.parse(ok(zinc(['grade', collectionId, '--json']), 'grade')) as BatchSummary)
    .batchId;
  const fixedFile = join(tempDir('zinc-fixed-'), 'grading.yaml');
  writeFileSync(fixedFile, config('3'));
  ok(zinc(['config', 'add', fixedFile, '--collection', collectionId]), 'config add');
  second = (JSON.parse(ok(zinc(['grade', collectionId, '--json']), 'regrade')) as BatchSummary)
    .batchId;
}, 600_000);

describe('zinc batch diff', () => {
  it('shows exactly the students whose score changed, with the counts, as JSON', () => {
    const diff = JSON.parse(
      ok(zinc(['batch', 'diff', first, second, '--format', 'json']), 'diff'),
    ) as BatchDiff;
    expect(diff).toMatchObject({
      collectionId,
      oldBatchId: first,
      newBatchId: second,
      partial: false,
      counts: { changed: 2, improved: 1, worsened: 1, unchanged: 1, onlyInOld: 0, onlyInNew: 0 },
    });
    expect(
      diff.rows.map((r) => [
        r.student,
        r.change,
        r.oldVerdict,
        r.newVerdict,
        r.oldScore,
        r.newScore,
        r.delta,
      ]),
    ).toEqual([
      ['s1', 'improved', 'WRONG_OUTPUT', 'PASSED', 75, 100, 25],
      ['s3', 'worsened', 'WRONG_OUTPUT', 'WRONG_OUTPUT', 50, 25, -25],
    ]);
  });

  it('prints a table by default and CSV on asking', () => {
    const table = ok(zinc(['batch', 'diff', first, second]), 'diff table');
    expect(table).toContain(
      '2 changed (1 improved, 1 worsened), 1 unchanged, 0 only in old, 0 only in new',
    );
    expect(table).toMatch(/^ {2}s1 +improved +WRONG_OUTPUT 75 +PASSED 100 +\+25$/m);
    expect(table).toMatch(/^ {2}s3 +worsened +WRONG_OUTPUT 50 +WRONG_OUTPUT 25 +-25$/m);
    expect(table).not.toMatch(/^ {2}s2 /m);
    const csv = ok(zinc(['batch', 'diff', first, second, '--format', 'csv']), 'diff csv');
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe(
      'student,change,old_verdict,new_verdict,old_score,new_score,delta,max_score,old_delivery,new_delivery',
    );
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 8).join(','))).toEqual([
      's1,improved,WRONG_OUTPUT,PASSED,75,100,25,100',
      's3,worsened,WRONG_OUTPUT,WRONG_OUTPUT,50,25,-25,100',
    ]);
  });

  it('refuses a student and names unknown batches', () => {
    const student = zinc(['batch', 'diff', first, second, '--as', 's1']);
    expect(student.status).toBe(3);
    expect(student.stdout).toBe('');
    expect(student.stderr).toMatch(/s1 is not staff of course C1/);

    const unknown = zinc(['batch', 'diff', 'batch-nope', second]);
    expect(unknown.status).toBe(4);
    expect(unknown.stderr).toBe('zinc: batch batch-nope does not exist\n');
    const both = zinc(['batch', 'diff', 'batch-a', 'batch-b']);
    expect(both.stderr).toBe('zinc: batches batch-a and batch-b do not exist\n');
    // Batches of different collections: test/api-release.test.ts (the same check in the core).
  });
});

describe('zinc batch release', () => {
  const listed = () =>
    (
      JSON.parse(
        ok(zinc(['batch', 'list', '--collection', collectionId, '--json']), 'list'),
      ) as Array<{ batchId: string; released: string | null }>
    ).map((b) => [b.batchId, b.released]);

  it('refuses a student, audited, and releases nothing', () => {
    const refused = zinc(['batch', 'release', first, '--as', 's1']);
    expect(refused.status).toBe(3);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toBe(
      "zinc: s1 is not staff of course C1, so may not release its batches' grades to students\n",
    );
    expect(listed()).toEqual([
      [second, null],
      [first, null],
    ]);
    const audit = JSON.parse(ok(zinc(['audit', '--json']), 'audit')) as Array<{
      actor: string;
      action: string;
      target: string;
      outcome: string;
    }>;
    const rows = audit.filter((r) => r.action === 'batch.release');
    expect(rows.map((r) => [r.actor, r.target])).toEqual([['s1', first]]);
    expect(rows[0]!.outcome).toMatch(/^refused: s1 is not staff of course C1/);
  });

  it('releases a batch; releasing the regrade supersedes it; list and status say so', () => {
    expect(ok(zinc(['batch', 'release', first]), 'release')).toBe(
      `Batch ${first}: grades released to the students of collection ${collectionId}.\n`,
    );
    expect(listed()).toEqual([
      [second, null],
      [first, 'released'],
    ]);
    expect(ok(zinc(['batch', 'release', second]), 'release')).toBe(
      `Batch ${second}: grades released to the students of collection ${collectionId} (supersedes the release of batch ${first}).\n`,
    );
    expect(listed()).toEqual([
      [second, 'released'],
      [first, 'superseded'],
    ]);
    const table = ok(zinc(['batch', 'list', '--collection', collectionId]), 'list');
    expect(table.split('\n')[0]).toMatch(/ RELEASED$/);
    expect(table).toMatch(new RegExp(`^${second} .* released$`, 'm'));

    const status = ok(zinc(['batch', 'status', first]), 'status');
    expect(status).toMatch(
      new RegExp(
        `Grades released to students by ta at \\S+; superseded by batch ${second} at \\S+\\n$`,
      ),
    );
    const json = JSON.parse(ok(zinc(['batch', 'status', second, '--json']), 'status')) as {
      release: { batchId: string; releasedBy: string; supersededBy: string | null };
    };
    expect(json.release).toMatchObject({ batchId: second, releasedBy: 'ta', supersededBy: null });
  });
});

// A TA's gradebook through the `zinc` command, on one data dir and two graded batches:
// - `zinc grade`'s summary names byte-identical deliveries of different students (a hint) and
//   heads a program that prints forever OUTPUT_LIMIT_EXCEEDED although one of its five tests
//   ran out of time (the headline order of docs/batches.md);
// - `zinc batch results --format json` is the API's shape: not partial once ended, per-test
//   points and verdicts, raw points, identical students; `--format csv` has the columns a
//   spreadsheet needs and no internal object key;
// - `zinc collections gradebook` gives one row per enrolled student: after a student's later
//   delivery is graded by a second batch, that row wins; a student without a delivery has a
//   NO_DELIVERY row; a non-staff requester is refused. (Lateness: test/api-results.test.ts.)
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BatchResults } from '../src/core/batch-results.js';
import type { Gradebook } from '../src/core/gradebook.js';
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

const sum = (op: string) =>
  `#include <iostream>\nint main(){long a,b;std::cin>>a>>b;std::cout<<a${op}b<<"\\n";}\n`;
/** Prints forever (the output limit stops it), but spins when a is 0 (the time limit does). */
const FLOOD =
  '#include <iostream>\nint main(){long a,b;std::cin>>a>>b;if(a==0){volatile long x=0;for(;;)x++;}for(;;)std::cout<<"yes\\n";}\n';

const CONFIG = [
  '_settings:',
  '  lang: cpp/g++:12',
  '  lang_version_may_differ: true',
  '  stage_wait_duration_secs: 120', // compiling may be slow on a busy machine
  'compile: { input: ["*.cpp"], output: main }',
  'stdioTest:',
  '  output_limit_kb: 16',
  '  time_limit_secs: 2',
  '  testCases:',
  '    - { id: 1, file: main, stdin: "2 2", expected: "4", score: 1 }',
  '    - { id: 2, file: main, stdin: "1 2", expected: "3", score: 1 }',
  '    - { id: 3, file: main, stdin: "5 5", expected: "10", score: 1 }',
  '    - { id: 4, file: main, stdin: "0 7", expected: "7", score: 1 }',
  '    - { id: 5, file: main, stdin: "3 4", expected: "7", score: 1, visibility: ALWAYS_HIDDEN }',
  'score: { normalizedTo: 100 }',
].join('\n');

const TESTS = [1, 2, 3, 4, 5].map((id) => `stdioTest#${id}`);
const now = Math.floor(Date.now() / 1000) * 1000;
const HOUR = 3_600_000;
let collectionId: string;
let first: BatchResults;
let summaryText: string;

beforeAll(() => {
  ({ collectionId } = cliCourse(zinc, {
    // s3 handed in s1's file, byte for byte.
    programs: { s1: sum('+'), s2: sum('*'), s3: sum('+'), s4: FLOOD },
    config: CONFIG,
    window: {
      start: new Date(now - 24 * HOUR).toISOString(),
      stop: new Date(now + HOUR).toISOString(),
    },
  }));
  const enrolled = zinc(['user', 'add', 's5', '--course', 'C1', '--role', 'student']);
  expect(enrolled.status, enrolled.stderr).toBe(0);
  const graded = zinc(['grade', collectionId]);
  expect(graded.status, graded.stderr).toBe(0);
  summaryText = graded.stdout;
  const batchId = /^Batch (\S+): completed$/m.exec(summaryText)?.[1];
  expect(batchId, summaryText).toBeDefined();
  const json = zinc(['batch', 'results', batchId!, '--format', 'json']);
  expect(json.status, json.stderr).toBe(0);
  first = JSON.parse(json.stdout) as BatchResults;
}, 600_000);

describe('zinc grade and zinc batch results', () => {
  it('the summary heads the flooding program OUTPUT_LIMIT_EXCEEDED and names the identical deliveries', () => {
    const counts: Record<string, number> = {};
    for (const m of summaryText.matchAll(/^ {2}([A-Z_]+) +(\d+)$/gm)) counts[m[1]!] = Number(m[2]);
    expect(counts).toEqual({ PASSED: 2, WRONG_OUTPUT: 1, OUTPUT_LIMIT_EXCEEDED: 1 });
    expect(summaryText).toContain(
      'IDENTICAL DELIVERIES (byte for byte; a hint for staff, not a verdict):\n    group 1: s1, s3\n',
    );
  });

  it('answers the JSON the API answers: ended, per-test points, raw points, identical students', () => {
    expect(first).toMatchObject({
      collectionId,
      status: 'completed',
      partial: false,
      total: 4,
      identical: [{ group: 1, students: ['s1', 's3'] }],
    });
    const byStudent = Object.fromEntries(first.rows.map((r) => [r.student, r]));
    expect(first.rows.map((r) => [r.student, r.verdict])).toEqual([
      ['s1', 'PASSED'],
      ['s2', 'WRONG_OUTPUT'],
      ['s3', 'PASSED'],
      ['s4', 'OUTPUT_LIMIT_EXCEEDED'],
    ]);
    // Four of five tests hit the output limit, one the time limit: the headline keeps it visible.
    expect(byStudent.s4!.tests.map((t) => t.verdict)).toEqual([
      'OUTPUT_LIMIT_EXCEEDED',
      'OUTPUT_LIMIT_EXCEEDED',
      'OUTPUT_LIMIT_EXCEEDED',
      'TIME_LIMIT_EXCEEDED',
      'OUTPUT_LIMIT_EXCEEDED',
    ]);
    expect(byStudent.s4!.verdicts).toEqual({
      COMPILED: 1,
      OUTPUT_LIMIT_EXCEEDED: 4,
      TIME_LIMIT_EXCEEDED: 1,
    });
    // 2*2 = 4 is right by chance; the rest is wrong.
    expect(byStudent.s2).toMatchObject({ score: 20, maxScore: 100, points: 1, maxPoints: 5 });
    expect(byStudent.s2!.tests.map((t) => [t.test, t.points])).toEqual(
      TESTS.map((t, i) => [t, i === 0 ? 1 : 0]),
    );
    expect(byStudent.s1).toMatchObject({ identicalTo: ['s3'], identicalGroup: 1, late: false });
    expect(byStudent.s3).toMatchObject({ identicalTo: ['s1'], identicalGroup: 1 });
    expect(byStudent.s2).toMatchObject({ identicalTo: [], identicalGroup: null, reason: null });
  });

  it('prints CSV with a headline verdict, points, a column per test, and no internal key', () => {
    const csv = zinc(['batch', 'results', first.batchId]);
    expect(csv.status, csv.stderr).toBe(0);
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toBe(
      'student,verdict,score,max_score,points,max_points,late,late_by,identical_group,identical_to,reason,submitted_at,delivery,batch,' +
        TESTS.join(','),
    );
    expect(lines[1]).toMatch(
      new RegExp(`^s1,PASSED,100,100,5,5,,,1,s3,,[^,]+,dlv_\\w+,${first.batchId},1,1,1,1,1$`),
    );
    expect(lines[4]).toMatch(/^s4,OUTPUT_LIMIT_EXCEEDED,0,100,0,5,/);
    expect(csv.stdout).not.toMatch(/reports\/|\.json|COMPILED/);
  });
});

describe('zinc collections gradebook', () => {
  let gradebook: Gradebook;
  let second: string;

  beforeAll(() => {
    // s2 hands in a fixed program later, before the window closes; a second batch grades it.
    const later = tempDir('zinc-later-');
    const folder = join(later, `s2@${new Date(now + HOUR / 2).toISOString()}`);
    mkdirSync(folder);
    writeFileSync(join(folder, 'main.cpp'), sum('+ 0 +'));
    const imported = zinc([
      'import',
      later,
      '--course',
      'C1',
      '--activity',
      'A1',
      '--collection',
      'main',
    ]);
    expect(imported.status, imported.stderr).toBe(0);
    const graded = zinc(['grade', collectionId, '--json']);
    expect(graded.status, graded.stderr).toBe(0);
    second = (JSON.parse(graded.stdout) as BatchSummary).batchId;
    const json = zinc(['collections', 'gradebook', collectionId, '--format', 'json']);
    expect(json.status, json.stderr).toBe(0);
    gradebook = JSON.parse(json.stdout) as Gradebook;
  }, 600_000);

  it('has one row per enrolled student: the latest batch wins; NO_DELIVERY for none', () => {
    expect(gradebook).toMatchObject({
      collectionId,
      course: 'C1',
      partial: false,
      batches: [first.batchId, second],
      identical: [{ group: 1, students: ['s1', 's3'] }],
    });
    expect(gradebook.rows.map((r) => [r.student, r.verdict, r.score, r.batchId])).toEqual([
      ['s1', 'PASSED', 100, second],
      ['s2', 'PASSED', 100, second],
      ['s3', 'PASSED', 100, second],
      ['s4', 'OUTPUT_LIMIT_EXCEEDED', 0, second],
      ['s5', 'NO_DELIVERY', null, null],
    ]);
    expect(gradebook.rows[1]).toMatchObject({
      submittedAt: new Date(now + HOUR / 2).toISOString(),
      late: false,
      lateBySecs: null,
      reason: null,
    });
    expect(gradebook.rows[4]).toMatchObject({ delivery: null, reason: 'no delivery', tests: [] });
  });

  it('prints it as CSV, and refuses a student', () => {
    const csv = zinc(['collections', 'gradebook', collectionId]);
    expect(csv.status, csv.stderr).toBe(0);
    const lines = csv.stdout.trim().split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[2]).toMatch(
      new RegExp(`^s2,PASSED,100,100,5,5,,,,,,[^,]+,dlv_\\w+,${second},1,1,1,1,1$`),
    );
    expect(lines[5]).toBe('s5,NO_DELIVERY,,,,,,,,,no delivery,,,,,,,,');

    const refused = zinc(['collections', 'gradebook', collectionId, '--as', 's1']);
    expect(refused.status).toBe(3);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/s1 is not staff of course C1/);
  });
});

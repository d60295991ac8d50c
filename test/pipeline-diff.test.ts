// The grading engine's pure parts: the unified diff a WRONG_OUTPUT shows, the globs configs
// write, and how captured bytes become report text.
import { describe, expect, it } from 'vitest';
import { outputText } from '../src/extensions/pipeline/report/index.js';
import { comparableLines, sameLines } from '../src/extensions/pipeline/runner/compare.js';
import { ignoredBy, matchesGlob } from '../src/extensions/pipeline/runner/glob.js';
import { unifiedDiff } from '../src/extensions/pipeline/runner/unified-diff.js';

const lines = (text: string) => comparableLines(Buffer.from(text), []);
const diff = (expected: string, actual: string, max = 1 << 20) =>
  unifiedDiff(lines(expected), lines(actual), max);

describe('unifiedDiff', () => {
  it('shows a changed line in the middle with three lines of context', () => {
    const expected = '1\n2\n3\n4\n5\n6\n7\n8\n9\n';
    expect(diff(expected, expected.replace('5\n', 'five\n'))).toBe(
      '--- expected\n+++ actual\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n',
    );
  });

  it('keeps far-apart changes in separate hunks and joins near ones', () => {
    const expected = Array.from({ length: 30 }, (_, i) => `${i + 1}`).join('\n');
    const actual = expected.replace(/^2$/m, 'two').replace(/^25$/m, 'x').replace(/^27$/m, 'y');
    const out = diff(expected, actual);
    expect(out.match(/^@@ .* @@$/gm)).toEqual(['@@ -1,5 +1,5 @@', '@@ -22,9 +22,9 @@']);
  });

  it('shows missing and extra lines, at the start and the end', () => {
    expect(diff('a\nb\nc\n', 'b\nc\nd\n')).toBe(
      '--- expected\n+++ actual\n@@ -1,3 +1,3 @@\n-a\n b\n c\n+d\n',
    );
    expect(diff('', 'only\n')).toBe('--- expected\n+++ actual\n@@ -0,0 +1,1 @@\n+only\n');
    expect(diff('same\n', 'same')).toBe('');
  });

  it('stays bounded on large, entirely different outputs', () => {
    const big = (tag: string) => Array.from({ length: 50_000 }, (_, i) => `${tag}${i}`).join('\n');
    const out = diff(big('a'), big('b'), 4096);
    expect(out.startsWith('--- expected\n+++ actual\n@@ -1,50000 +1,50000 @@\n-a0\n')).toBe(true);
    expect(out.length).toBeLessThan(4096 + 100);
  });

  it('compares bytes exactly while showing replaced text', () => {
    const a = comparableLines(Buffer.from([0xfe, 0x0a]), []);
    const b = comparableLines(Buffer.from([0xff, 0x0a]), []);
    expect(sameLines(a, b)).toBe(false);
    expect(a[0]!.text).toBe('\uFFFD');
  });
});

describe('globs', () => {
  it('matches compile inputs as a shell would in the work dir', () => {
    expect(matchesGlob('main.cpp', '*.cpp')).toBe(true);
    expect(matchesGlob('src/main.cpp', '*.cpp')).toBe(false);
    expect(matchesGlob('src/main.cpp', '**/*.cpp')).toBe(true);
    expect(matchesGlob('main.cpp', '**/*.cpp')).toBe(true);
    expect(matchesGlob('main.cc', '*.{cpp,cc}')).toBe(true);
    expect(matchesGlob('a1.c', 'a[0-9].c')).toBe(true);
    expect(matchesGlob('ab.c', 'a[!0-9].c')).toBe(true);
    expect(matchesGlob('main.cpp', './main.cpp')).toBe(true);
    expect(matchesGlob('mainXcpp', 'main.cpp')).toBe(false);
  });

  it('ignores files the way .gitignore reads a pattern', () => {
    expect(ignoredBy('__MACOSX/._main.cpp', ['__MACOSX'])).toBe(true);
    expect(ignoredBy('deep/.DS_Store', ['.DS_Store'])).toBe(true);
    expect(ignoredBy('build/x.o', ['*.o'])).toBe(true);
    expect(ignoredBy('build/x.o', ['build/'])).toBe(true);
    expect(ignoredBy('src/build/x.o', ['build/x.o'])).toBe(false);
    expect(ignoredBy('main.cpp', ['*.o', '__MACOSX'])).toBe(false);
  });
});

describe('outputText', () => {
  it('caps at the limit without cutting a character in two, and flags invalid UTF-8', () => {
    const text = outputText(Buffer.from('aé€'), 4); // 1 + 2 + 3 bytes
    expect(text).toEqual({ text: 'aé', bytes: 6, truncated: true, invalidUtf8: false });
    expect(outputText(Buffer.from([0x61, 0xc3, 0x28]))).toEqual({
      text: 'a\uFFFD(',
      bytes: 3,
      truncated: false,
      invalidUtf8: true,
    });
  });
});

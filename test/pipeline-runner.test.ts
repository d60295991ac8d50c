// The grading engine end to end, in the real sandbox with real g++, python3 and javac: verdicts,
// diffs, early return, missing files, scores, languages, the student's view, heartbeats,
// cancellation, and the three kinds of failure kept apart.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { GradingConfig } from '../src/extensions/pipeline/config/index.js';
import { studentView } from '../src/extensions/pipeline/report/index.js';
import type {
  CompileStageReport,
  GradingReport,
  StdioTestStageReport,
  TestReport,
} from '../src/extensions/pipeline/report/index.js';
import { runPipeline } from '../src/extensions/pipeline/runner/index.js';
import type { PipelineFile } from '../src/extensions/pipeline/runner/index.js';
import { processesOfUid } from './helpers/sandbox.js';
import {
  buildSandboxLauncher,
  configOf,
  filesOf,
  gxxMajor,
  leftIn,
  testSandboxUid,
  usePrivateTmpdir,
} from './helpers/pipeline.js';

const SANDBOX_UID = testSandboxUid();
let tmp: string;

beforeAll(() => {
  buildSandboxLauncher();
  tmp = usePrivateTmpdir('zinc-runner-test-');
});

afterEach(() => {
  // Every delivery's work dir is gone and nothing of its sandboxes still runs.
  expect(leftIn(tmp)).toEqual([]);
  expect(processesOfUid(SANDBOX_UID)).toEqual([]);
});

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

/** Grades `files` with `config` in this file's sandbox. */
function grade(
  config: GradingConfig,
  files: PipelineFile[],
  assets: PipelineFile[] = [],
  extra: { signal?: AbortSignal; onStage?: (key: string) => void } = {},
): Promise<GradingReport> {
  return runPipeline({
    config,
    configVersion: 'cfg_test',
    files,
    assets,
    sandboxOptions: { sandboxUid: SANDBOX_UID },
    ...extra,
  });
}

function stdio(report: GradingReport, key = 'stdioTest'): StdioTestStageReport {
  const stage = report.stageReports[key];
  if (stage?.kind !== 'stdioTest') throw new Error(`no stdioTest stage ${key}`);
  return stage;
}

function compileOf(report: GradingReport, key = 'compile'): CompileStageReport {
  const stage = report.stageReports[key];
  if (stage?.kind !== 'compile' || stage.status === 'skipped') throw new Error(`no compile ${key}`);
  return stage;
}

function verdictsOf(report: GradingReport, key = 'stdioTest'): Record<number, string> {
  return Object.fromEntries(stdio(report, key).tests.map((test) => [test.id, test.verdict]));
}

/** Only the verdicts a report counted at least once. */
function nonZero(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
}

// ---------------------------------------------------------------------------------------------
// The DOMAIN.md example: rational.cpp adds or subtracts two fractions.

const domainYaml = (extra = '') => `_settings:
  lang: cpp/g++:${gxxMajor()}
  use_template: FILENAMES
  template: [rational.cpp]
  use_provided: true
  stage_wait_duration_secs: 10
  cpus: 1
  mem_gb: 0.5
${extra}compile:
  input: ["*.cpp"]
  output: rational
  flags: ["-std=c++17", "-O2"]
stdioTest:
  diff_ignore_flags: [TRAILING_WHITESPACE]
  testCases:
    - { id: 1, file: rational, stdin: "1/2 + 1/3", expected: "5/6", score: 2, visibility: ALWAYS_VISIBLE }
    - { id: 2, file: rational, file_stdin: big.in, file_expected: big.out, score: 3, visibility: ALWAYS_HIDDEN }
score:
  normalizedTo: 100
`;
const domainAssets = filesOf({ 'big.in': '1/4 + 1/4\n', 'big.out': '1/2\n' });

const rationalSource = (reduce: boolean) => `#include <iostream>
#include <numeric>
int main() {
  long a, b, c, d; char slash1, op, slash2;
  std::cin >> a >> slash1 >> b >> op >> c >> slash2 >> d;
  long n = op == '+' ? a * d + c * b : a * d - c * b, m = b * d;
  long g = ${reduce ? 'std::gcd(n, m)' : '1'};
  std::cout << n / g << "/" << m / g << "   \\n";
}
`;

describe('runPipeline: the DOMAIN.md example config', () => {
  it('gives a correct rational.cpp the full score, in ZINC report shape', async () => {
    const stages: string[] = [];
    const report = await grade(
      configOf(domainYaml(), domainAssets),
      filesOf({ 'rational.cpp': rationalSource(true), 'notes.txt': 'not graded' }),
      domainAssets,
      { onStage: (key) => stages.push(key) },
    );
    expect(Object.keys(report.stageReports)).toEqual(['compile', 'stdioTest', 'score']);
    expect(stages.slice(0, 1)).toEqual(['compile']);
    expect(stages).toContain('stdioTest');
    expect(report.configVersion).toBe('cfg_test');
    expect(report.pipelineError).toBeNull();

    const compile = compileOf(report);
    expect(compile).toMatchObject({ verdict: 'COMPILED', success: true, inputs: ['rational.cpp'] });
    expect(compile.run?.command).toEqual([
      'g++',
      '-std=c++17',
      '-O2',
      '-o',
      'rational',
      'rational.cpp',
    ]);
    expect(compile.run?.exitCode).toBe(0);

    const tests = stdio(report).tests;
    expect(tests.map((t) => [t.id, t.verdict, t.score, t.maxScore])).toEqual([
      [1, 'PASSED', 2, 2],
      [2, 'PASSED', 3, 3],
    ]);
    expect(tests[0]).toMatchObject({
      command: ['./rational'],
      stdin: { text: '1/2 + 1/3' },
      expected: { text: '5/6' },
      actual: { text: '5/6   \n', truncated: false, invalidUtf8: false },
      diff: null,
      exitCode: 0,
      signal: null,
      visibility: 'ALWAYS_VISIBLE',
    });
    expect(tests[1]).toMatchObject({ expected: { text: '1/2\n' }, visibility: 'ALWAYS_HIDDEN' });
    expect(tests[0]!.memoryBytes).toBeGreaterThan(0);

    expect(report.scoreReports).toEqual({
      items: [
        { stageKey: 'stdioTest', testId: 1, score: 2, maxScore: 2 },
        { stageKey: 'stdioTest', testId: 2, score: 3, maxScore: 3 },
      ],
      accumulatedScore: 5,
      totalScore: 5,
      normalizedScore: 100,
    });
    expect([report.score, report.maxScore]).toEqual([100, 100]);
    expect(nonZero(report.verdicts)).toEqual({ PASSED: 2, COMPILED: 1 });
    expect(report.verdicts.COMPILE_ERROR).toBe(0);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('reports WRONG_OUTPUT with a unified diff, and scores only what passed', async () => {
    const report = await grade(
      configOf(domainYaml(), domainAssets),
      filesOf({ 'rational.cpp': rationalSource(false) }),
      domainAssets,
    );
    expect(verdictsOf(report)).toEqual({ 1: 'PASSED', 2: 'WRONG_OUTPUT' });
    const wrong = stdio(report).tests[1]!;
    expect(wrong.score).toBe(0);
    expect(wrong.actual?.text).toBe('8/16   \n');
    expect(wrong.diff?.text).toBe('--- expected\n+++ actual\n@@ -1,1 +1,1 @@\n-1/2\n+8/16   \n');
    expect(report.scoreReports.accumulatedScore).toBe(2);
    expect([report.score, report.maxScore]).toEqual([40, 100]);
  });

  it('reports COMPILE_ERROR with the compiler output; the tests then fail to run', async () => {
    const report = await grade(
      configOf(domainYaml(), domainAssets),
      filesOf({ 'rational.cpp': 'int main() { return undeclared_name; }\n' }),
      domainAssets,
    );
    const compile = compileOf(report);
    expect(compile).toMatchObject({ verdict: 'COMPILE_ERROR', success: false, status: 'failed' });
    expect(compile.run?.exitCode).not.toBe(0);
    expect(compile.run?.timedOut).toBe(false);
    expect(compile.run?.stderr.text).toMatch(/error: .undeclared_name. was not declared/);
    expect(verdictsOf(report)).toEqual({ 1: 'RUNTIME_ERROR', 2: 'RUNTIME_ERROR' });
    expect(stdio(report).tests[0]!.message).toMatch(/cannot run rational: no such file/);
    expect(nonZero(report.verdicts)).toEqual({ COMPILE_ERROR: 1, RUNTIME_ERROR: 2 });
    expect(report.score).toBe(0);
  });

  it('with early_return_on_throw, skips every stage after the failing one but still scores', async () => {
    const report = await grade(
      configOf(domainYaml('  early_return_on_throw: true\n'), domainAssets),
      filesOf({ 'rational.cpp': 'this is not C++\n' }),
      domainAssets,
    );
    expect(compileOf(report).verdict).toBe('COMPILE_ERROR');
    const tests = stdio(report);
    expect(tests.status).toBe('skipped');
    expect(tests.tests.map((t) => [t.verdict, t.score, t.maxScore])).toEqual([
      ['SKIPPED', 0, 2],
      ['SKIPPED', 0, 3],
    ]);
    expect(tests.tests[0]!.message).toMatch(/compile failed and _settings.early_return_on_throw/);
    expect(report.stageReports.score).toMatchObject({ kind: 'score', score: 0, totalScore: 5 });
    expect([report.score, report.maxScore]).toEqual([0, 100]);
    expect(nonZero(report.verdicts)).toEqual({ COMPILE_ERROR: 1, SKIPPED: 2 });
  });

  it('refuses a delivery with an unsafe file name: pipelineError, every stage skipped', async () => {
    const report = await grade(
      configOf(domainYaml(), domainAssets),
      filesOf({ 'rational.cpp': rationalSource(true), '../rational.cpp': 'int main() {}\n' }),
      domainAssets,
    );
    expect(report.pipelineError).toMatch(
      /^delivery file refused: unsafe relative path "..\/rational.cpp"/,
    );
    expect(Object.keys(report.stageReports)).toEqual(['compile', 'stdioTest', 'score']);
    expect(report.stageReports.compile).toMatchObject({ status: 'skipped' });
    expect(stdio(report).tests.map((t) => t.verdict)).toEqual(['SKIPPED', 'SKIPPED']);
    expect([report.score, report.maxScore]).toEqual([0, 100]);
  });

  it('without fileStructureValidation, names a misnamed file the template left out', async () => {
    const report = await grade(
      configOf(domainYaml(), domainAssets),
      filesOf({ 'Rational.cpp': rationalSource(true) }),
      domainAssets,
    );
    expect(compileOf(report)).toMatchObject({
      verdict: 'COMPILE_ERROR',
      message:
        'no file matches the input ["*.cpp"]; nothing to compile: Rational.cpp (did you mean rational.cpp?) was delivered but is not among the template\'s files (rational.cpp), so it was left out',
    });
  });

  it('reports MISSING_FILES with the missing template files, honouring ignore_in_submission', async () => {
    const yaml = domainYaml('  early_return_on_throw: true\n').replace(
      'compile:',
      'fileStructureValidation:\n  ignore_in_submission: ["__MACOSX", "*.txt"]\ncompile:',
    );
    const report = await grade(
      configOf(yaml, domainAssets),
      filesOf({
        'Rational.cpp': rationalSource(true),
        '__MACOSX/._Rational.cpp': 'resource fork',
        'readme.txt': 'hello',
      }),
      domainAssets,
    );
    expect(report.stageReports.fileStructureValidation).toMatchObject({
      status: 'failed',
      verdict: 'MISSING_FILES',
      missingFiles: ['rational.cpp'],
      extraFiles: ['Rational.cpp'],
    });
    expect(report.stageReports.compile).toMatchObject({ status: 'skipped' });
    expect(nonZero(report.verdicts)).toEqual({ MISSING_FILES: 1, SKIPPED: 2 });
    expect(report.score).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
// Python: no compile, so these are quick.

const pythonLang = 'python/python3:3';
/** _settings of a python config whose delivery holds `script`. */
const pythonSettings = (script: string) =>
  `_settings:\n  lang: ${pythonLang}\n  use_template: FILENAMES\n  template: [${script}]\n`;

describe('runPipeline: output comparison and scores (python)', () => {
  it('honours each diff_ignore_flag as GNU diff would, and ignores only a final newline', async () => {
    // The program prints "x  y \n\nz\n": two spaces, a trailing space, a blank line.
    // Test ids are unique across stages: stage i has tests 2i+1 (passes) and 2i+2 (fails).
    const flagsOf = {
      exact: '',
      trailing: 'TRAILING_WHITESPACE',
      space: 'SPACE_CHANGE',
      all: 'ALL_SPACE',
      blank: 'BLANK_LINES, TRAILING_WHITESPACE',
    };
    const outputs: Record<keyof typeof flagsOf, [string, string]> = {
      exact: ['x  y \n\nz', 'x y\n\nz'],
      trailing: ['x  y\n\nz\n', 'x y\n\nz'],
      space: ['x y\n\nz', 'xy\n\nz'],
      all: ['xy\n\nz', 'xy\nz'],
      blank: ['x  y\nz', 'x y\nz'],
    };
    const keys = Object.keys(flagsOf) as (keyof typeof flagsOf)[];
    const yaml =
      pythonSettings('out.py') +
      keys
        .map(
          (key, i) => `stdioTest:${key}:
  diff_ignore_flags: [${flagsOf[key]}]
  testCases:
    - { id: ${2 * i + 1}, file: out.py, expected: ${JSON.stringify(outputs[key][0])}, score: 1 }
    - { id: ${2 * i + 2}, file: out.py, expected: ${JSON.stringify(outputs[key][1])}, score: 1 }
`,
        )
        .join('');
    const report = await grade(
      configOf(yaml),
      filesOf({ 'out.py': 'import sys\nsys.stdout.write("x  y \\n\\nz\\n")\n' }),
    );
    keys.forEach((key, i) => {
      expect([key, verdictsOf(report, `stdioTest:${key}`)]).toEqual([
        key,
        { [2 * i + 1]: 'PASSED', [2 * i + 2]: 'WRONG_OUTPUT' },
      ]);
    });
    expect(stdio(report, 'stdioTest:exact').tests[1]!.diff?.text).toBe(
      '--- expected\n+++ actual\n@@ -1,3 +1,3 @@\n-x y\n+x  y \n \n z\n',
    );
  });

  it('normalises the sum of test scores and clips it to minScore and maxScore', async () => {
    // Tests 1 and 2 pass (3 points), 3 and 4 fail (7 points), 5 passes but has no score.
    const yaml = (score: string) => `${pythonSettings('echo.py')}stdioTest:
  testCases:
    - { id: 1, file: echo.py, stdin: "one", expected: "one", score: 1 }
    - { id: 2, file: echo.py, stdin: "two", expected: "two", score: 2 }
    - { id: 3, file: echo.py, stdin: "three", expected: "3", score: 3 }
    - { id: 4, file: echo.py, stdin: "four", expected: "4", score: 4 }
    - { id: 5, file: echo.py, stdin: "five", expected: "five" }
${score}`;
    const files = filesOf({ 'echo.py': 'import sys\nprint(sys.stdin.read())\n' });
    const scoreOf = async (score: string) => {
      const report = await grade(configOf(yaml(score)), files);
      return {
        score: report.score,
        maxScore: report.maxScore,
        normalized: report.scoreReports.normalizedScore,
      };
    };
    expect(await scoreOf('')).toEqual({ score: 3, maxScore: 10, normalized: undefined });
    expect(await scoreOf('score:\n  normalizedTo: 50\n')).toEqual({
      score: 15,
      maxScore: 50,
      normalized: 15,
    });
    expect(await scoreOf('score:\n  normalizedTo: 50\n  minScore: 20\n')).toEqual({
      score: 20,
      maxScore: 50,
      normalized: 15,
    });
    expect(await scoreOf('score:\n  normalizedTo: 50\n  maxScore: 10\n')).toEqual({
      score: 10,
      maxScore: 10,
      normalized: 15,
    });
    expect(await scoreOf('score:\n  normalizedTo: 3\n')).toEqual({
      score: 0.9,
      maxScore: 3,
      normalized: 0.9,
    });
  });

  it('runs a python config: provided files, file_stdin, args, stderr and a crash', async () => {
    const assets = filesOf({
      'helper.py': 'def double(n):\n    return 2 * n\n',
      'tests/numbers.in': '1 2 3\n',
      'tests/numbers.out': '2 4 6\nargs: --sep ,\n',
    });
    const yaml = `_settings:
  lang: ${pythonLang}
  use_template: FILENAMES
  template: [main.py]
  use_provided: true
stdioTest:
  testCases:
    - { id: 1, file: main.py, args: ["--sep", ","], file_stdin: tests/numbers.in, file_expected: tests/numbers.out, score: 5 }
    - { id: 2, file: main.py, args: ["crash"], stdin: "", expected: "", score: 5 }
`;
    const main = `import sys
from helper import double
if sys.argv[1:] == ["crash"]:
    raise ValueError("boom")
print(" ".join(str(double(int(x))) for x in sys.stdin.read().split()))
print("args:", " ".join(sys.argv[1:]))
print("a warning", file=sys.stderr)
`;
    const report = await grade(
      configOf(yaml, assets),
      filesOf({ 'main.py': main, 'helper.py': 'def double(n):\n    return n\n' }),
      assets,
    );
    const [ok, crash] = stdio(report).tests as [TestReport, TestReport];
    expect(ok).toMatchObject({
      verdict: 'PASSED',
      command: ['python3', 'main.py', '--sep', ','],
      stderr: { text: 'a warning\n' },
    });
    expect(crash).toMatchObject({ verdict: 'RUNTIME_ERROR', exitCode: 1, signal: null });
    expect(crash.stderr?.text).toContain('ValueError: boom');
    expect(crash.message).toBe('exited with code 1');
    expect(report.score).toBe(5);
  });
});

// ---------------------------------------------------------------------------------------------

describe('runPipeline: java, make and shellExec', () => {
  it('compiles Java with javac and runs the main class under the JVM limits', async () => {
    const javac = (await import('node:child_process'))
      .execFileSync('javac', ['-version'], { encoding: 'utf8' })
      .trim()
      .split(/\s+/)[1]!
      .split('.')[0]!;
    const yaml = `_settings:
  lang: java/javac:${javac}
  use_template: FILENAMES
  template: [Main.java]
  mem_gb: 0.25
compile:
  input: ["*.java"]
stdioTest:
  testCases:
    - { id: 1, file: Main, stdin: "3 4", expected: "7", score: 1 }
    - { id: 2, file: Main, stdin: "three", expected: "", score: 1 }
`;
    const main = `import java.util.Scanner;
public class Main {
  public static void main(String[] args) {
    Scanner in = new Scanner(System.in);
    System.out.println(in.nextInt() + in.nextInt());
  }
}
`;
    const report = await grade(configOf(yaml), filesOf({ 'Main.java': main }));
    const compile = compileOf(report);
    expect(compile.verdict).toBe('COMPILED');
    expect(compile.run?.command[0]).toBe('javac');
    expect(compile.run?.command.slice(-3)).toEqual(['-d', '.', 'Main.java']);
    const [sum, bad] = stdio(report).tests as [TestReport, TestReport];
    expect(sum.verdict).toBe('PASSED');
    expect(sum.command[0]).toBe('java');
    expect(sum.command.slice(-3)).toEqual(['-cp', '.', 'Main']);
    expect(bad).toMatchObject({ verdict: 'RUNTIME_ERROR', exitCode: 1 });
    expect(bad.stderr?.text).toContain('java.util.InputMismatchException');
  });

  it('builds with make, runs shellExec through /bin/sh, and reports a failing command', async () => {
    const yaml = `_settings:
  lang: c/gcc:${gxxMajor()}
make:
  targets: [prog]
shellExec:prepare:
  cmd: "test -x prog && printf 'ready' > state.txt"
shellExec:failing:
  cmd: "echo about to fail >&2; exit 3"
stdioTest:
  testCases:
    - { id: 1, file: prog, expected: "ready", score: 1 }
`;
    const report = await grade(
      configOf(yaml),
      filesOf({
        Makefile: 'prog: prog.c\n\tgcc -O0 -o prog prog.c\n',
        'prog.c':
          '#include <stdio.h>\nint main(void) { FILE *f = fopen("state.txt", "r"); char b[16] = {0};\n' +
          '  if (f) fread(b, 1, 15, f); puts(b); return 0; }\n',
      }),
    );
    expect(report.stageReports.make).toMatchObject({ status: 'succeeded', success: true });
    expect(report.stageReports['shellExec:prepare']).toMatchObject({
      success: true,
      run: { command: ['/bin/sh', '-c', "test -x prog && printf 'ready' > state.txt"] },
    });
    expect(report.stageReports['shellExec:failing']).toMatchObject({
      status: 'failed',
      success: false,
      message: null,
      run: { exitCode: 3, stderr: { text: 'about to fail\n' } },
    });
    expect(verdictsOf(report)).toEqual({ 1: 'PASSED' });
  });
});

// ---------------------------------------------------------------------------------------------

describe('studentView', () => {
  // echo.py prints its stdin to stdout and to stderr.
  const yaml = `${pythonSettings('echo.py')}stdioTest:
  testCases:
    - { id: 1, file: echo.py, stdin: "shown-1", expected: "shown-1", score: 1, visibility: ALWAYS_VISIBLE }
    - { id: 2, file: echo.py, stdin: "SECRET-IN-2", expected: "SECRET-EXP-2", score: 1, visibility: ALWAYS_HIDDEN }
    - { id: 3, file: echo.py, stdin: "LATER-IN-3", expected: "LATER-EXP-3", score: 1, visibility: VISIBLE_AFTER_GRADING }
    - { id: 4, file: echo.py, stdin: "LATER-IN-4", expected: "LATER-EXP-4", score: 1, visibility: VISIBLE_AFTER_GRADING_IF_FAILED }
    - { id: 5, file: echo.py, stdin: "SECRET-5", expected: "SECRET-5", score: 1, visibility: VISIBLE_AFTER_GRADING_IF_FAILED }
    - { id: 6, file: echo.py, stdin: "SECRET-IN-6", expected: "SECRET-EXP-6", score: 1, hide_from_report: [STDIN, STDOUT, STDERR, DIFF] }
    - { id: 7, file: echo.py, stdin: "shown-7", expected: "SECRET-EXP-7", score: 1, hide_from_report: [DIFF] }
score:
  normalizedTo: 100
`;
  const files = filesOf({
    'echo.py': 'import sys\ns = sys.stdin.read()\nprint(s)\nprint(s, file=sys.stderr)\n',
  });

  it('removes what visibility and hide_from_report hide, before and after release', async () => {
    const config = configOf(yaml);
    const report = await grade(config, files);
    const staff = JSON.stringify(report);
    for (const secret of [
      'SECRET-IN-2',
      'SECRET-EXP-2',
      'SECRET-5',
      'SECRET-EXP-6',
      'LATER-EXP-3',
    ]) {
      expect(staff).toContain(secret); // the staff view is the report: nothing hidden
    }
    expect(report.score).toBeCloseTo(200 / 7, 5); // tests 1 and 5 pass

    const before = studentView(report, config, { gradingReleased: false });
    const beforeText = JSON.stringify(before);
    expect(beforeText).not.toMatch(/SECRET|LATER/);
    const shown = (view: typeof before) => {
      const stage = view.stageReports.stdioTest;
      if (stage?.kind !== 'stdioTest') throw new Error('no stdioTest');
      return stage.tests.map((test) => ('hidden' in test ? `${test.id} hidden` : `${test.id}`));
    };
    expect(shown(before)).toEqual(['1', '2 hidden', '3 hidden', '4 hidden', '5 hidden', '6', '7']);
    const beforeTests = (before.stageReports.stdioTest as StdioTestStageReport).tests;
    expect(beforeTests[5]).toMatchObject({
      verdict: 'WRONG_OUTPUT',
      stdin: null,
      expected: null,
      actual: null,
      stderr: null,
      diff: null,
    });
    expect(beforeTests[6]).toMatchObject({
      verdict: 'WRONG_OUTPUT',
      actual: { text: 'shown-7\n' },
      stdin: { text: 'shown-7' },
      expected: null,
      diff: null,
    });
    // Before release, with hidden tests, the score is withheld and the sums cover visible tests.
    expect(before.score).toBeNull();
    expect(before.scoreWithheld).toBe(true);
    expect(before.stageReports.score).toBeUndefined();
    expect(before.scoreReports).toMatchObject({ accumulatedScore: 1, totalScore: 3 });
    expect(before.scoreReports.normalizedScore).toBeUndefined();
    expect(nonZero(before.verdicts)).toEqual({ PASSED: 1, WRONG_OUTPUT: 2 });

    const after = studentView(report, config, { gradingReleased: true });
    const afterText = JSON.stringify(after);
    expect(afterText).not.toMatch(/SECRET/);
    expect(afterText).toContain('LATER-EXP-3');
    expect(afterText).toContain('LATER-EXP-4');
    expect(shown(after)).toEqual(['1', '2 hidden', '3', '4', '5 hidden', '6', '7']);
    expect(after.score).toBe(report.score);
    expect(after.scoreWithheld).toBe(false);
    expect(after.stageReports.score).toEqual(report.stageReports.score);

    // The staff report was not changed by making the views.
    expect(JSON.stringify(report)).toBe(staff);
  });

  it('never shows a stage as succeeded that failed for staff, nor tells a hidden result', async () => {
    const twoStages = `${pythonSettings('echo.py')}stdioTest:
  testCases:
    - { id: 1, file: echo.py, stdin: "a", expected: "a", score: 1 }
stdioTest:hidden:
  testCases:
    - { id: 2, file: echo.py, stdin: "b", expected: "WRONG", score: 1, visibility: ALWAYS_HIDDEN }
`;
    const config = configOf(twoStages);
    const statusOf = (view: ReturnType<typeof studentView>, key: string) =>
      view.stageReports[key]?.status;
    // The visible test passes and the hidden one fails: hidden, not succeeded (nor failed).
    const report = await grade(config, files);
    expect(report.stageReports['stdioTest:hidden']?.status).toBe('failed');
    const view = studentView(report, config, { gradingReleased: false });
    expect([statusOf(view, 'stdioTest'), statusOf(view, 'stdioTest:hidden')]).toEqual([
      'succeeded',
      'hidden',
    ]);
    // A program that cannot run at all: every stage failed for staff; the student sees the
    // visible stage failed and the hidden one as hidden.
    const broken = await grade(config, filesOf({ 'echo.py': 'this is not python\n' }));
    const brokenView = studentView(broken, config, { gradingReleased: false });
    expect([statusOf(brokenView, 'stdioTest'), statusOf(brokenView, 'stdioTest:hidden')]).toEqual([
      'failed',
      'hidden',
    ]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('runPipeline: heartbeats, cancellation and the failures that are not the student’s', () => {
  const sleepyYaml = `${pythonSettings('sleepy.py')}stdioTest:
  time_limit_secs: 60
  testCases:
    - { id: 1, file: sleepy.py, expected: "", score: 1 }
`;
  const sleepy = filesOf({ 'sleepy.py': 'import time\ntime.sleep(60)\n' });

  it('heartbeats during a long stage and, cancelled, kills the sandbox and rejects', async () => {
    const controller = new AbortController();
    const beats: string[] = [];
    const running = grade(configOf(sleepyYaml), sleepy, [], {
      signal: controller.signal,
      onStage: (key) => {
        beats.push(key);
        // The stage's start and one periodic heartbeat later: cancel the batch.
        if (beats.length === 2) controller.abort(new Error('batch cancelled'));
      },
    });
    await expect(running).rejects.toMatchObject({ name: 'SandboxCancelled' });
    expect(beats).toEqual(['stdioTest', 'stdioTest']);
  });

  it('throws PipelineConfigError when an asset a test names is missing', async () => {
    const config = configOf(domainYaml(), domainAssets);
    await expect(
      grade(config, filesOf({ 'rational.cpp': rationalSource(true) }), domainAssets.slice(0, 1)),
    ).rejects.toMatchObject({
      name: 'PipelineConfigError',
      message:
        "stdioTest.testCases[1].file_expected: file big.out is not among the config's assets",
    });
  });

  it('throws SandboxUnavailable (to be retried), never a verdict, when bubblewrap is missing', async () => {
    await expect(
      runPipeline({
        config: configOf(domainYaml(), domainAssets),
        configVersion: 'cfg_test',
        files: filesOf({ 'rational.cpp': rationalSource(true) }),
        assets: domainAssets,
        sandboxOptions: { sandboxUid: SANDBOX_UID, bwrapPath: join(tmp, 'no-such-bwrap') },
      }),
    ).rejects.toMatchObject({ name: 'SandboxUnavailable' });
  });
});

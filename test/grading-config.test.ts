// Grading configs as staff write them: the DOMAIN example, stage order, every problem named by its
// YAML path, syntax errors with lines, version ids, and the lang checked against the real g++.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  configVersionId,
  createToolchainCheck,
  detectToolchain,
  parseGradingConfig,
  parseVersionOutput,
  toolchainMismatch,
} from '../src/extensions/pipeline/config/index.js';
import type {
  GradingConfig,
  ParseGradingConfigResult,
  StdioTestStage,
} from '../src/extensions/pipeline/config/index.js';

const DOMAIN_EXAMPLE = `_settings:
  lang: cpp/g++:12
  use_template: FILENAMES
  template: [rational.cpp]
  use_provided: true
  stage_wait_duration_secs: 10
  cpus: 1
  mem_gb: 0.5
compile:
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
const EXAMPLE_ASSETS = ['big.in', 'big.out'];

function parsedConfig(result: ParseGradingConfigResult): GradingConfig {
  if (!result.ok)
    throw new Error(`expected a valid config, got:\n${JSON.stringify(result.problems, null, 2)}`);
  return result.config;
}

function problemsOf(result: ParseGradingConfigResult): { path: string; message: string }[] {
  if (result.ok) throw new Error('expected problems, the config is valid');
  return result.problems.map(({ path, message }) => ({ path, message }));
}

function stdioStage(config: GradingConfig, key: string): StdioTestStage {
  const stage = config.stages.find((s) => s.key === key);
  if (stage?.kind !== 'stdioTest') throw new Error(`no stdioTest stage ${key}`);
  return stage;
}

/** The major version of this machine's g++, asked of g++ itself. */
function machineGppMajor(): number {
  return Number(execFileSync('g++', ['-dumpversion'], { encoding: 'utf8' }).trim().split('.')[0]);
}

describe('parseGradingConfig', () => {
  it('parses the DOMAIN example with its settings, stages and defaults', () => {
    const result = parseGradingConfig(DOMAIN_EXAMPLE, { assets: EXAMPLE_ASSETS });
    const config = parsedConfig(result);
    expect(result.warnings).toEqual([]);
    expect(config.settings).toEqual({
      lang: { language: 'cpp', compiler: 'g++', version: '12' },
      use_template: 'FILENAMES',
      template: ['rational.cpp'],
      use_provided: true,
      use_skeleton: false,
      stage_wait_duration_secs: 10,
      cpus: 1,
      mem_gb: 0.5,
      early_return_on_throw: false,
      enable_features: { network: false },
      lang_version_may_differ: false,
    });
    expect(config.stages.map((s) => s.key)).toEqual(['compile', 'stdioTest', 'score']);
    expect(config.stages[0]).toEqual({
      key: 'compile',
      kind: 'compile',
      input: ['*.cpp'],
      output: 'rational',
      flags: ['-std=c++17', '-O2'],
    });
    const tests = stdioStage(config, 'stdioTest');
    expect(tests.diff_ignore_flags).toEqual(['TRAILING_WHITESPACE']);
    expect(tests.testCases).toEqual([
      {
        id: 1,
        file: 'rational',
        args: [],
        stdin: '1/2 + 1/3',
        expected: '5/6',
        visibility: 'ALWAYS_VISIBLE',
        hide_from_report: [],
        score: 2,
        time_limit_secs: 10,
        memory_limit_mb: 512,
        output_limit_kb: 8192,
      },
      {
        id: 2,
        file: 'rational',
        args: [],
        file_stdin: 'big.in',
        file_expected: 'big.out',
        visibility: 'ALWAYS_HIDDEN',
        hide_from_report: [],
        score: 3,
        time_limit_secs: 10,
        memory_limit_mb: 512,
        output_limit_kb: 8192,
      },
    ]);
    expect(config.stages[2]).toEqual({ key: 'score', kind: 'score', normalizedTo: 100 });
  });

  it('keeps stages in file order, labelled ones included', () => {
    const config = parsedConfig(
      parseGradingConfig(
        `_settings: { lang: "c/gcc:12", use_template: FILENAMES, template: [main.c] }
fileStructureValidation: {}
compile:all:
  input: ["*.c"]
stdioTest:
  testCases: [{ id: 1, file: a.out, expected: "hi" }]
stdioTest:hidden:
  testCases: [{ id: 2, file: a.out, expected: "hidden" }]
score:
`,
        { assets: [] },
      ),
    );
    expect(config.stages.map((s) => [s.key, s.kind, s.label])).toEqual([
      ['fileStructureValidation', 'fileStructureValidation', undefined],
      ['compile:all', 'compile', 'all'],
      ['stdioTest', 'stdioTest', undefined],
      ['stdioTest:hidden', 'stdioTest', 'hidden'],
      ['score', 'score', undefined],
    ]);
    // Defaults a config leaves out: output a.out, score 0 (reported, not scored), limits from settings.
    expect(config.stages[1]).toMatchObject({ output: 'a.out', flags: [] });
    expect(stdioStage(config, 'stdioTest:hidden').testCases[0]).toMatchObject({
      score: 0,
      visibility: 'ALWAYS_VISIBLE',
      time_limit_secs: 10,
      memory_limit_mb: 1024,
    });
  });

  it('reports every problem of a broken config, each at its exact path', () => {
    const result = parseGradingConfig(
      `_settings:
  lang: rust:1.70
  use_template: FILENAMES
  template: [rational.cpp]
  cpus: 0
  mem_gb: "2"
  enable_features: { network: maybe }
  early_return: true
compile:
  input: ["*.cpp"]
  output: rational
  flags: ["-O2", "-Wall", { level: 3 }]
stdioTest:
  diff_ignore_flags: [TRAILING_WHITESPACES]
  testCases:
    - { id: 1, file: rational, stdin: "1", file_stdin: one.in, expected: "1" }
    - { id: 2, file: rational, file_stdin: big.in, file_expected: big.out, score: 3 }
    - { id: 2, file: ratonal, expected: "x", visibility: HIDDEN, hide_from_report: [LOGS] }
    - { id: 4, file: rational, score: 1 }
  testcases: []
stdioTest:hidden:
  time_limit_secs: -1
  testCases:
    - { id: 5, file: rational, expected: "2", score: -2 }
compile:
  input: ["*.cpp"]
valgrind: {}
stdioTests: {}
`,
      { assets: ['one.in', 'big.out'] },
    );
    expect(problemsOf(result).map((p) => p.path)).toEqual([
      '_settings.lang',
      '_settings.cpus',
      '_settings.mem_gb',
      '_settings.enable_features.network',
      '_settings.early_return',
      'compile.flags[2]',
      'stdioTest.diff_ignore_flags[0]',
      'stdioTest.testCases[0]',
      'stdioTest.testCases[1].file_stdin',
      'stdioTest.testCases[2].id',
      'stdioTest.testCases[2].file',
      'stdioTest.testCases[2].visibility',
      'stdioTest.testCases[2].hide_from_report[0]',
      'stdioTest.testCases[3]',
      'stdioTest.testcases',
      'stdioTest:hidden.time_limit_secs',
      'stdioTest:hidden.testCases[0].score',
      'compile',
      'valgrind',
      'stdioTests',
    ]);
    expect(problemsOf(result)).toEqual([
      {
        path: '_settings.lang',
        message: 'language rust is not supported (supported: c, cpp, java, python)',
      },
      { path: '_settings.cpus', message: 'must be greater than 0, got number 0' },
      { path: '_settings.mem_gb', message: 'expected a number, got text "2"' },
      {
        path: '_settings.enable_features.network',
        message: 'expected true or false, got text "maybe"',
      },
      {
        path: '_settings.early_return',
        message: 'unknown field early_return (did you mean early_return_on_throw?)',
      },
      { path: 'compile.flags[2]', message: 'expected text, got a mapping' },
      {
        path: 'stdioTest.diff_ignore_flags[0]',
        message:
          'expected one of TRAILING_WHITESPACE, SPACE_CHANGE, ALL_SPACE, BLANK_LINES, got text "TRAILING_WHITESPACES" (did you mean TRAILING_WHITESPACE?)',
      },
      {
        path: 'stdioTest.testCases[0]',
        message: 'stdin and file_stdin are both given; keep one',
      },
      {
        path: 'stdioTest.testCases[1].file_stdin',
        message: "file big.in is not among the config's assets",
      },
      {
        path: 'stdioTest.testCases[2].id',
        message:
          'duplicate test id 2 (also stdioTest.testCases[1]); test ids are unique across all stdioTest stages',
      },
      {
        path: 'stdioTest.testCases[2].file',
        message:
          'file ratonal is not produced by an earlier compile or make stage, nor a template or provided file',
      },
      {
        path: 'stdioTest.testCases[2].visibility',
        message:
          'expected one of ALWAYS_VISIBLE, ALWAYS_HIDDEN, VISIBLE_AFTER_GRADING, VISIBLE_AFTER_GRADING_IF_FAILED, got text "HIDDEN"',
      },
      {
        path: 'stdioTest.testCases[2].hide_from_report[0]',
        message: 'expected one of STDIN, STDOUT, STDERR, DIFF, got text "LOGS"',
      },
      {
        path: 'stdioTest.testCases[3]',
        message: 'missing expected or file_expected: a test needs the output to compare with',
      },
      {
        path: 'stdioTest.testcases',
        message: 'unknown field testcases (did you mean testCases?)',
      },
      {
        path: 'stdioTest:hidden.time_limit_secs',
        message: 'must be greater than 0, got number -1',
      },
      {
        path: 'stdioTest:hidden.testCases[0].score',
        message: 'must not be negative, got number -2',
      },
      {
        path: 'compile',
        message:
          'duplicate stage key compile (first at line 9); stages of one kind need different labels, e.g. compile:a and compile:b',
      },
      { path: 'valgrind', message: 'stage kind valgrind is not supported yet' },
      { path: 'stdioTests', message: 'unknown stage kind stdioTests (did you mean stdioTest?)' },
    ]);
  });

  it('points each problem at its line', () => {
    const result = parseGradingConfig(
      `_settings:
  lang: cpp/g++:12
compile:
  input: ["*.cpp"]
stdioTest:
  testCases:
    - id: 1
      file: a.out
      expected: "1"
      score: -1
`,
      { assets: [] },
    );
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problems).toEqual([
        {
          path: 'stdioTest.testCases[0].score',
          message: 'must not be negative, got number -1',
          line: 10,
          column: 7,
        },
      ]);
    }
  });

  it('refuses a test id used in two stdioTest stages', () => {
    const result = parseGradingConfig(
      `_settings:
  lang: cpp/g++:12
  lang_version_may_differ: true
compile:
  input: ["*.cpp"]
stdioTest:
  testCases:
    - { id: 1, file: a.out, expected: "1", score: 1 }
stdioTest:hidden:
  testCases:
    - { id: 2, file: a.out, expected: "2", score: 1 }
    - { id: 1, file: a.out, expected: "3", score: 1 }
`,
      { assets: [] },
    );
    expect(problemsOf(result)).toEqual([
      {
        path: 'stdioTest:hidden.testCases[1].id',
        message:
          'duplicate test id 1 (also stdioTest.testCases[0]); test ids are unique across all stdioTest stages',
      },
    ]);
  });

  it('reports YAML syntax errors with their line and column', () => {
    const result = parseGradingConfig(
      `_settings:
  lang: cpp/g++:12
compile:
  input: ["*.cpp"
  output: a.out
`,
      { assets: [], fileName: 'lab1.yaml' },
    );
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problems).toHaveLength(1);
      expect(result.problems[0]).toMatchObject({ path: '(top level)', line: 5, column: 3 });
      expect(result.problems[0]!.message).toMatch(
        /^lab1\.yaml: YAML syntax error at line 5, column 3: /,
      );
    }
  });

  it('names the missing pieces of an empty or settings-less config', () => {
    expect(problemsOf(parseGradingConfig('', { assets: [] }))).toEqual([
      {
        path: '(top level)',
        message: 'the config is empty; it needs _settings and at least one stage',
      },
    ]);
    expect(problemsOf(parseGradingConfig('- compile\n', { assets: [] }))).toEqual([
      { path: '(top level)', message: 'expected a mapping of _settings and stages, got a list' },
    ]);
    expect(
      problemsOf(parseGradingConfig('_settings:\n  lang: python:3\n', { assets: [] })),
    ).toEqual([{ path: '(top level)', message: 'the config has no stages' }]);
    expect(problemsOf(parseGradingConfig('compile:\n  input: [a.c]\n', { assets: [] }))).toEqual([
      {
        path: '_settings',
        message: 'missing: a config starts with _settings (at least lang, e.g. lang: cpp/g++:12)',
      },
    ]);
  });

  it('accepts configs as ZINC writes them: nulls for absent fields, numbers where text is meant, anchors', () => {
    const config = parsedConfig(
      parseGradingConfig(
        `_settings:
  lang: cpp/g++:12
  use_template: null
  template: null
  use_skeleton: true
compile:
  input: ["*.cpp"]
  flags: [-O2]
stdioTest:
  time_limit_secs: 2
  memory_limit_mb: 256
  testCases:
    - &base { id: 1, file: a.out, args: [5, 1.50, true], expected: 1.0, score: 1, time_limit_secs: 5 }
    - <<: *base
      id: 2
      stdin: 007
      output_limit_kb: 16
`,
        { assets: [] },
      ),
    );
    expect(config.settings.template).toEqual([]);
    expect(config.settings.use_template).toBeUndefined();
    expect(stdioStage(config, 'stdioTest').testCases).toEqual([
      expect.objectContaining({
        id: 1,
        args: ['5', '1.50', 'true'],
        expected: '1.0',
        time_limit_secs: 5,
        memory_limit_mb: 256,
        output_limit_kb: 8192,
      }),
      expect.objectContaining({
        id: 2,
        args: ['5', '1.50', 'true'],
        stdin: '007',
        expected: '1.0',
        time_limit_secs: 5,
        output_limit_kb: 16,
      }),
    ]);
  });

  it('refuses a config that aliases blow up past the value limit', () => {
    let text = '_settings:\n  lang: cpp:12\nshellExec: { cmd: "true" }\n';
    text += 'x0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i < 7; i++)
      text += `x${i}: &a${i} [${Array(10)
        .fill(`*a${i - 1}`)
        .join(', ')}]\n`;
    const problems = problemsOf(parseGradingConfig(text, { assets: [] }));
    expect(problems).toContainEqual({
      path: 'x5',
      message:
        'the config expands to more than 200000 values (through aliases); write it out plainly',
    });
  });

  it('decides whether a test executable exists when the test runs', () => {
    const base = (lang: string, stages: string, extra = ''): ParseGradingConfigResult =>
      parseGradingConfig(`_settings:\n  lang: ${lang}\n${extra}${stages}`, {
        assets: ['driver.py', 'expected.txt'],
      });
    // A compile that comes after the test is named as such.
    expect(
      problemsOf(
        base(
          'cpp/g++:12',
          'stdioTest:\n  testCases: [{ id: 1, file: prog, expected: x }]\ncompile:\n  input: [a.cpp]\n  output: prog\n',
        ),
      ),
    ).toEqual([
      {
        path: 'stdioTest.testCases[0].file',
        message: 'file prog is produced by compile, which runs after this test',
      },
    ]);
    // A make or shellExec stage may create any file: a warning, not an error.
    const afterMake = base(
      'cpp/g++:12',
      'make: {}\nstdioTest:\n  testCases: [{ id: 1, file: ./prog, expected: x }]\n',
    );
    expect(afterMake.ok).toBe(true);
    expect(afterMake.warnings.map((w) => [w.path, w.message])).toEqual([
      [
        'stdioTest.testCases[0].file',
        'file ./prog is not a compile output, make target, template or provided file; assuming make creates it',
      ],
    ]);
    expect(
      base(
        'cpp/g++:12',
        'make: { targets: [prog] }\nstdioTest:\n  testCases: [{ id: 1, file: prog, expected: x }]\n',
      ).warnings,
    ).toEqual([]);
    // Python runs a script: a provided asset counts only with use_provided.
    const script =
      'stdioTest:\n  testCases: [{ id: 1, file: driver.py, file_expected: expected.txt }]\n';
    expect(base('python/python3:3.11', script, '  use_provided: true\n').ok).toBe(true);
    expect(problemsOf(base('python/python3:3.11', script))).toEqual([
      {
        path: 'stdioTest.testCases[0].file',
        message:
          'file driver.py is not produced by an earlier compile or make stage, nor a template or provided file (it is among the assets, but _settings.use_provided is not true)',
      },
    ]);
    // Java runs a main class, which an earlier compile stage makes.
    expect(
      base(
        'java:17',
        'compile:\n  input: ["*.java"]\nstdioTest:\n  testCases: [{ id: 1, file: Main, expected: x }]\n',
      ).ok,
    ).toBe(true);
    expect(
      problemsOf(
        base('java:17', 'stdioTest:\n  testCases: [{ id: 1, file: Main, expected: x }]\n'),
      ),
    ).toEqual([
      {
        path: 'stdioTest.testCases[0].file',
        message: 'class Main needs a compile stage before this test',
      },
    ]);
  });

  it('rejects malformed and unsupported langs and ZINC features zinc cannot run yet', () => {
    const lang = (value: string) =>
      problemsOf(
        parseGradingConfig(`_settings:\n  lang: "${value}"\nshellExec: { cmd: "true" }\n`, {
          assets: [],
        }),
      );
    expect(lang('cpp/g++')).toEqual([
      {
        path: '_settings.lang',
        message:
          'expected language[/compiler]:version, e.g. cpp/g++:12 or python/python3:3.11, got "cpp/g++"',
      },
    ]);
    expect(lang('cpp/clang++:15')).toEqual([
      {
        path: '_settings.lang',
        message: 'cpp toolchain clang++ is not supported (supported: g++)',
      },
    ]);
    expect(lang('cpp:latest')).toEqual([
      {
        path: '_settings.lang',
        message: 'version "latest" is not a version number like 12, 3.11 or 17.0.2',
      },
    ]);
    expect(
      problemsOf(
        parseGradingConfig(
          `_settings:
  lang: cpp:12
  use_template: PATH
  enable_features: { gpu_device: [0] }
diffWithSkeleton: {}
stdioTest:
  testCases: [{ id: 1, file: a.out, expected: "", valgrind: { enabled: true } }]
`,
          { assets: [] },
        ),
      ),
    ).toEqual([
      {
        path: '_settings.use_template',
        message: 'PATH is not supported yet; use FILENAMES with a template list',
      },
      {
        path: '_settings.enable_features.gpu_device',
        message: 'GPU devices are not supported yet',
      },
      { path: 'diffWithSkeleton', message: 'stage kind diffWithSkeleton is not supported yet' },
      {
        path: 'stdioTest.testCases[0].file',
        message:
          'file a.out is not produced by an earlier compile or make stage, nor a template or provided file',
      },
      { path: 'stdioTest.testCases[0].valgrind', message: 'valgrind checks are not supported yet' },
    ]);
  });
});

describe('configVersionId', () => {
  const assets = [
    { path: 'big.in', sha256: 'a'.repeat(64) },
    { path: 'big.out', sha256: 'b'.repeat(64) },
  ];

  it('is the same for the same config and assets, in any asset order', () => {
    const id = configVersionId(DOMAIN_EXAMPLE, assets);
    expect(id).toMatch(/^cfg_[0-9a-f]{16}$/);
    expect(configVersionId(DOMAIN_EXAMPLE, [...assets].reverse())).toBe(id);
    expect(
      configVersionId(
        `${DOMAIN_EXAMPLE}`,
        assets.map((a) => ({ ...a })),
      ),
    ).toBe(id);
  });

  it('changes on any edit of the text or of any asset', () => {
    const id = configVersionId(DOMAIN_EXAMPLE, assets);
    const variants = [
      configVersionId(DOMAIN_EXAMPLE.replace('score: 3', 'score: 4'), assets),
      configVersionId(`${DOMAIN_EXAMPLE}# a comment\n`, assets),
      configVersionId(DOMAIN_EXAMPLE, [assets[0]!, { path: 'big.out', sha256: 'c'.repeat(64) }]),
      configVersionId(DOMAIN_EXAMPLE, [assets[0]!, { path: 'big2.out', sha256: 'b'.repeat(64) }]),
      configVersionId(DOMAIN_EXAMPLE, [assets[0]!]),
      configVersionId(DOMAIN_EXAMPLE, [...assets, { path: 'extra.h', sha256: 'd'.repeat(64) }]),
    ];
    expect(new Set([id, ...variants]).size).toBe(variants.length + 1);
  });

  it('refuses asset lists that cannot name one version', () => {
    expect(() => configVersionId('x', [assets[0]!, assets[0]!])).toThrow(/big\.in is listed twice/);
    expect(() => configVersionId('x', [{ path: 'a', sha256: 'nope' }])).toThrow(/64 hex digits/);
  });
});

describe('toolchains on this machine', () => {
  it('detects the real g++ and its version', () => {
    const info = detectToolchain({ language: 'cpp', compiler: 'g++', version: '1' });
    expect(info.present).toBe(true);
    expect(info.tool).toBe('g++');
    expect(info.version).toMatch(/^\d+\.\d+/);
    expect(info.version!.split('.')[0]).toBe(String(machineGppMajor()));
  });

  it("makes a lang this machine's g++ does not satisfy a config problem, unless it may differ", () => {
    const major = machineGppMajor();
    const actual = detectToolchain({ language: 'cpp', version: String(major) }).version!;
    const config = (lang: string, extra = '') =>
      `_settings:\n  lang: ${lang}\n${extra}compile:\n  input: ["*.cpp"]\n`;
    const checkToolchain = createToolchainCheck();

    expect(parseGradingConfig(config(`cpp/g++:${major}`), { assets: [], checkToolchain }).ok).toBe(
      true,
    );
    expect(parseGradingConfig(config(`cpp:${actual}`), { assets: [], checkToolchain }).ok).toBe(
      true,
    );
    expect(
      problemsOf(
        parseGradingConfig(config(`cpp/g++:${major - 1}`), { assets: [], checkToolchain }),
      ),
    ).toEqual([
      {
        path: '_settings.lang',
        message: `g++ ${major - 1} requested, this machine has g++ ${actual} (set _settings.lang_version_may_differ: true to grade with it)`,
      },
    ]);
    const allowed = parseGradingConfig(
      config(`cpp/g++:${major - 1}`, '  lang_version_may_differ: true\n'),
      {
        assets: [],
        checkToolchain,
      },
    );
    expect(allowed.ok).toBe(true);
    expect(allowed.warnings).toEqual([
      expect.objectContaining({
        path: '_settings.lang',
        message: `g++ ${major - 1} requested, grading with this machine's g++ ${actual} (lang_version_may_differ)`,
      }),
    ]);
    // gcc is the same compiler family, installed with g++.
    expect(detectToolchain({ language: 'c', version: String(major) })).toMatchObject({
      tool: 'gcc',
      present: true,
    });
  });

  it('says when the toolchain is missing, even if the version may differ', () => {
    expect(
      toolchainMismatch(
        { language: 'java', version: '17' },
        { tool: 'javac', present: false },
        true,
      ),
    ).toEqual({ severity: 'error', message: 'javac 17 requested, this machine has no javac' });
  });

  it('reads versions from the banners toolchains print', () => {
    expect(parseVersionOutput('g++ (Debian 12.2.0-14+deb12u1) 12.2.0\nCopyright (C) 2022\n')).toBe(
      '12.2.0',
    );
    expect(parseVersionOutput('gcc (GCC) 13.2.1 20230801\n')).toBe('13.2.1');
    expect(parseVersionOutput('x86_64-linux-gnu-gcc-12 (Debian 12.2.0-14) 12.2.0\n')).toBe(
      '12.2.0',
    );
    expect(parseVersionOutput('Python 3.11.7\n')).toBe('3.11.7');
    expect(parseVersionOutput('Picked up JAVA_TOOL_OPTIONS: -Xmx1g\njavac 21\n')).toBe('21');
  });
});

// The content of `zinc demo`: a grading config that validates on this machine, 60 students whose
// latest deliveries cover every verdict, written in the layout `zinc import` reads; and each
// kind of program, compiled with g++ and run in the real sandbox against the config's tests,
// really ends the way it is meant to.
import { DemoDirNotEmptyError } from '../src/failures.js';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO_ASSETS,
  DEMO_CONFIG_YAML,
  DEMO_COURSE,
  DEMO_TEST_LIMITS,
} from '../src/cli/demo/assignment.js';
import { HEADER_FILE, TEMPLATE_FILE } from '../src/cli/demo/header.js';
import { PROGRAM_VARIANTS } from '../src/cli/demo/programs.js';
import { solveInput } from '../src/cli/demo/rational-tests.js';
import {
  DELIVERY_KINDS,
  DEMO_WINDOW,
  LATEST_KIND_COUNTS,
  demoDeliveries,
  latestDemoDeliveries,
  type DeliveryKind,
  type DemoDelivery,
} from '../src/cli/demo/students.js';
import { writeDemoAssets, writeDemoImportDir } from '../src/cli/demo/write-demo.js';
import { registerConfigValidate } from '../src/cli/commands/config-validate.js';
import {
  createToolchainCheck,
  parseGradingConfig,
  type CompileStage,
  type GradingConfig,
  type StdioTestStage,
} from '../src/extensions/pipeline/config/index.js';
import { importDeliveries } from '../src/extensions/submission/import.js';
import { projectRoot } from '../src/platform/paths.js';
import { grade, type Outcome, type TestVerdict } from './helpers/demo-grading.js';
import { startSubmissionStack, type SubmissionStack } from './helpers/submission.js';

const ENTRY = /^(2026\d{4})@(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)$/;

function parseDemoConfig(): GradingConfig {
  const result = parseGradingConfig(DEMO_CONFIG_YAML, {
    assets: DEMO_ASSETS.map((a) => a.path),
    checkToolchain: createToolchainCheck(),
  });
  if (!result.ok)
    throw new Error(`the demo config is not valid: ${JSON.stringify(result.problems)}`);
  return result.config;
}

const tempDirs: string[] = [];
async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

afterAll(async () => {
  for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
});

describe('demo grading config', () => {
  it('validates with the real toolchain check, without warnings', () => {
    const result = parseGradingConfig(DEMO_CONFIG_YAML, {
      assets: DEMO_ASSETS.map((a) => a.path),
      checkToolchain: createToolchainCheck(),
    });
    expect(result.ok ? [] : result.problems).toEqual([]);
    // Only a machine whose g++ is not 12 notes it (lang_version_may_differ): graded the same.
    expect(result.warnings.filter((w) => w.path !== '_settings.lang')).toEqual([]);
  });

  it('has four visible and four hidden tests worth 100 in all, with the limits it promises', () => {
    const config = parseDemoConfig();
    expect(config.settings).toMatchObject({
      lang: { language: 'cpp', compiler: 'g++', version: '12' },
      template: [TEMPLATE_FILE],
      use_provided: true,
    });
    expect(config.stages.map((s) => s.key)).toEqual([
      'fileStructureValidation',
      'compile',
      'stdioTest',
      'stdioTest:hidden',
      'score',
    ]);
    const compile = config.stages.find((s): s is CompileStage => s.kind === 'compile')!;
    expect(compile).toMatchObject({
      input: ['*.cpp'],
      output: 'rational',
      flags: ['-std=c++17', '-O2'],
    });
    const tests = config.stages.filter((s): s is StdioTestStage => s.kind === 'stdioTest');
    const [visible, hidden] = tests.map((s) => s.testCases);
    expect(visible!.map((t) => t.visibility)).toEqual(Array(4).fill('ALWAYS_VISIBLE'));
    expect(hidden!.map((t) => t.visibility)).toEqual(Array(4).fill('ALWAYS_HIDDEN'));
    for (const t of visible!) expect(t.stdin).toBeDefined();
    for (const t of hidden!) expect([t.file_stdin, t.file_expected]).not.toContain(undefined);
    for (const t of [...visible!, ...hidden!]) expect(t).toMatchObject(DEMO_TEST_LIMITS);
    const total = [...visible!, ...hidden!].reduce((sum, t) => sum + t.score, 0);
    expect(total).toBe(100);
    expect(config.stages.at(-1)).toMatchObject({ kind: 'score', normalizedTo: 100 });
  });

  it("keeps each hidden test's expected file equal to the reference answers", () => {
    const asset = new Map(DEMO_ASSETS.map((a) => [a.path, a.content]));
    const hidden = parseDemoConfig().stages.find(
      (s) => s.key === 'stdioTest:hidden',
    ) as StdioTestStage;
    for (const t of hidden.testCases) {
      const input = asset.get(t.file_stdin!)!;
      expect(input.split('\n').length).toBeGreaterThan(10);
      expect(asset.get(t.file_expected!)).toBe(solveInput(input));
    }
    expect(asset.get(HEADER_FILE)).toContain('struct Rational');
  });

  it('is written as config.yaml and assets/ that `zinc config validate` accepts', async () => {
    const dir = await tempDir('zinc-demo-config-');
    const written = await writeDemoAssets(dir);
    expect(written).toEqual({
      configPath: join(dir, 'config.yaml'),
      assetsDir: join(dir, 'assets'),
    });
    let out = '';
    const program = new Command('zinc')
      .exitOverride()
      .configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (out += s) });
    registerConfigValidate(program.command('config'));
    let exitCode = 0;
    try {
      await program.parseAsync(
        ['config', 'validate', written.configPath, '--assets', written.assetsDir],
        {
          from: 'user',
        },
      );
    } catch (error) {
      if (!(error instanceof CommanderError)) throw error;
      exitCode = error.exitCode;
    }
    expect(out).toMatch(/^OK \S+\n$/);
    expect(exitCode).toBe(0);
    expect(readFileSync(join(written.assetsDir, 'tests', 'big.in'), 'utf8')).toBe(
      DEMO_ASSETS.find((a) => a.path === 'tests/big.in')!.content,
    );
  });
});

describe('demo students', () => {
  const deliveries = demoDeliveries();
  const latest = latestDemoDeliveries(deliveries);

  it('are 60 students with IDs 2026xxxx, each with 1 to 3 deliveries inside the window', () => {
    expect(latest).toHaveLength(60);
    const perStudent = new Map<string, DemoDelivery[]>();
    for (const d of deliveries)
      perStudent.set(d.studentId, [...(perStudent.get(d.studentId) ?? []), d]);
    expect([...perStudent.keys()].every((id) => /^2026\d{4}$/.test(id))).toBe(true);
    const counts = [...perStudent.values()].map((list) => list.length);
    expect(Math.min(...counts)).toBe(1);
    expect(Math.max(...counts)).toBe(3);
    expect(new Set(counts)).toEqual(new Set([1, 2, 3]));
    const [start, stop] = [Date.parse(DEMO_WINDOW.start), Date.parse(DEMO_WINDOW.stop)];
    for (const d of deliveries) {
      expect(d.submittedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      expect(Date.parse(d.submittedAt)).toBeGreaterThan(start);
      expect(Date.parse(d.submittedAt)).toBeLessThan(stop);
    }
    for (const list of perStudent.values()) {
      expect(new Set(list.map((d) => d.submittedAt)).size).toBe(list.length);
    }
  });

  it('end on every kind, several students each, most of them correct or partial', () => {
    const byKind = new Map<DeliveryKind, number>();
    for (const d of latest) byKind.set(d.intended, (byKind.get(d.intended) ?? 0) + 1);
    expect(Object.fromEntries(byKind)).toEqual(LATEST_KIND_COUNTS);
    for (const kind of DELIVERY_KINDS) expect(byKind.get(kind)).toBeGreaterThanOrEqual(3);
    expect((byKind.get('correct') ?? 0) + (byKind.get('partial') ?? 0)).toBeGreaterThan(30);
    // Some students improved: an earlier delivery of a different kind than their latest.
    const improved = deliveries.filter(
      (d) => d.intended !== latest.find((l) => l.studentId === d.studentId)!.intended,
    );
    expect(improved.length).toBeGreaterThan(10);
  });

  it('hand in the template file, except the missing_file ones', () => {
    for (const d of latest) {
      const paths = d.files.map((f) => f.path);
      if (d.intended === 'missing_file') {
        expect(paths).not.toContain(TEMPLATE_FILE);
        expect(paths.some((p) => /rational\.(cpp|cc)$/i.test(p))).toBe(true);
      } else {
        expect(paths).toContain(TEMPLATE_FILE);
      }
      const source = d.files.find((f) => /\.(cpp|cc)$/.test(f.path))!.content;
      expect(source).toContain(`Student ID: ${d.studentId}`);
    }
  });

  it('are the same for the same seed, the same students for another seed, spread differently', () => {
    expect(demoDeliveries(7)).toEqual(demoDeliveries(7));
    expect(demoDeliveries()).toEqual(deliveries);
    const other = latestDemoDeliveries(demoDeliveries(8));
    expect(other.map((d) => d.studentId)).toEqual(latest.map((d) => d.studentId));
    expect(other.map((d) => d.intended)).not.toEqual(latest.map((d) => d.intended));
  });
});

describe('demo import folder', () => {
  let stack: SubmissionStack;
  let dir: string;
  const deliveries = demoDeliveries(11);

  beforeAll(async () => {
    stack = await startSubmissionStack('pglite+disk');
    dir = join(await tempDir('zinc-demo-import-'), 'deliveries');
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('holds one <studentId>@<ISO time> folder per delivery with its files', async () => {
    const written = await writeDemoImportDir(dir, 11);
    expect(written).toEqual({ students: 60, deliveries: deliveries.length });
    const names = readdirSync(dir).sort();
    expect(names).toHaveLength(deliveries.length);
    const [start, stop] = [Date.parse(DEMO_WINDOW.start), Date.parse(DEMO_WINDOW.stop)];
    for (const name of names) {
      const match = ENTRY.exec(name);
      expect(match, name).not.toBeNull();
      const time = Date.parse(match![2]!);
      expect(time).toBeGreaterThan(start);
      expect(time).toBeLessThan(stop);
    }
    for (const d of deliveries) {
      for (const file of d.files) {
        const path = join(dir, `${d.studentId}@${d.submittedAt}`, file.path);
        expect(readFileSync(path, 'utf8')).toBe(file.content);
      }
    }
    await expect(writeDemoImportDir(dir, 11)).rejects.toBeInstanceOf(DemoDirNotEmptyError);
  });

  it('imports with `zinc import` as every delivery, latest per student as generated', async () => {
    const summary = await importDeliveries(stack.service, dir, {
      ...DEMO_COURSE,
      startAt: new Date(DEMO_WINDOW.start),
      stopAt: new Date(DEMO_WINDOW.stop),
    });
    expect(summary.rejected).toEqual([]);
    expect(summary.imported).toBe(deliveries.length);
    const stored = await stack.service.store.listDeliveries(summary.collectionId, {
      latestOnly: true,
    });
    const expected = latestDemoDeliveries(deliveries);
    expect(stored!.map((d) => [d.userId, Date.parse(d.submittedAt)])).toEqual(
      expected.map((d) => [d.studentId, Date.parse(d.submittedAt)]),
    );
    expect(stored!.every((d) => !d.late && !d.isTest)).toBe(true);
  });
});

/** The verdict a kind is about; its programs may otherwise only pass or print wrong answers. */
const KIND_VERDICT: Partial<Record<DeliveryKind, TestVerdict>> = {
  time_limit: 'TIME_LIMIT_EXCEEDED',
  crash: 'RUNTIME_ERROR',
  memory_limit: 'MEMORY_LIMIT_EXCEEDED',
  output_flood: 'OUTPUT_LIMIT_EXCEEDED',
};

describe('demo programs, compiled and run in the sandbox', () => {
  const config = parseDemoConfig();
  // One latest delivery of every program variant the students end on (all kinds included).
  const representatives = [
    ...new Map(latestDemoDeliveries(demoDeliveries()).map((d) => [d.variant, d])).values(),
  ].filter((d) => d.intended !== 'missing_file');
  const outcomes = new Map<string, Outcome>();

  beforeAll(async () => {
    execFileSync('bash', [join(projectRoot(), 'scripts', 'build-sandbox-helper.sh')], {
      stdio: 'inherit',
    });
    // Two at a time, as many as the machine has cores.
    const queue = [...representatives];
    const worker = async (): Promise<void> => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        outcomes.set(next.variant, await grade(config, next));
      }
    };
    await Promise.all([worker(), worker()]);
    for (const o of outcomes.values()) {
      const verdicts = Object.values(o.verdicts).join(' ');
      console.log(`${o.variant.padEnd(36)} ${o.compiled ? verdicts : 'COMPILE_ERROR'}`);
    }
  }, 600_000);

  const ofKind = (kind: DeliveryKind): Outcome[] => {
    const list = [...outcomes.values()].filter((o) => o.kind === kind);
    expect(list.length, `programs of kind ${kind}`).toBeGreaterThan(0);
    return list;
  };

  it('covers every program students may hand in, so every kind but missing_file', () => {
    const compiled = PROGRAM_VARIANTS.filter((v) => v.kind !== 'missing_file');
    expect(representatives.map((d) => d.variant).sort()).toEqual(
      compiled.map((v) => v.name).sort(),
    );
    const kinds = new Set(representatives.map((d) => d.intended));
    expect([...kinds].sort()).toEqual(DELIVERY_KINDS.filter((k) => k !== 'missing_file').sort());
  });

  it('correct: compiles and passes every visible and hidden test', () => {
    for (const o of ofKind('correct')) {
      expect(o.compilerErrors, o.variant).toBe('');
      expect(Object.values(o.verdicts), o.variant).toEqual(Array(8).fill('PASSED'));
    }
  });

  it('partial: passes some tests and prints wrong answers on others', () => {
    for (const o of ofKind('partial')) {
      const verdicts = Object.values(o.verdicts);
      expect(verdicts, o.variant).toContain('PASSED');
      expect(verdicts, o.variant).toContain('WRONG_OUTPUT');
      expect(new Set(verdicts), o.variant).toEqual(new Set(['PASSED', 'WRONG_OUTPUT']));
    }
  });

  it('wrong_output: runs cleanly but differs from the expected output on most tests', () => {
    for (const o of ofKind('wrong_output')) {
      const verdicts = Object.values(o.verdicts);
      expect(o.verdicts[1], o.variant).toBe('WRONG_OUTPUT');
      expect(verdicts.filter((v) => v === 'WRONG_OUTPUT').length, o.variant).toBeGreaterThan(4);
      expect(
        verdicts.every((v) => v === 'PASSED' || v === 'WRONG_OUTPUT'),
        o.variant,
      ).toBe(true);
    }
  });

  it('compile_error: g++ refuses it with an error', () => {
    for (const o of ofKind('compile_error')) {
      expect(o.compiled, o.variant).toBe(false);
      expect(o.compilerErrors, o.variant).toMatch(/rational\.cpp:\d+:\d+: error: /);
    }
  });

  for (const [kind, verdict] of Object.entries(KIND_VERDICT) as Array<
    [DeliveryKind, TestVerdict]
  >) {
    it(`${kind}: ends ${verdict} on some tests, and fails in no other way`, () => {
      for (const o of ofKind(kind)) {
        const verdicts = Object.values(o.verdicts);
        expect(o.compiled, o.variant).toBe(true);
        expect(verdicts, o.variant).toContain(verdict);
        expect(
          verdicts.filter((v) => v !== verdict && v !== 'PASSED' && v !== 'WRONG_OUTPUT'),
          o.variant,
        ).toEqual([]);
      }
    });
  }
});

describe('demo import folder: nested paths', () => {
  it('writes a delivery file inside a folder (src/rational.cpp) as a folder', async () => {
    const nested = demoDeliveries().find((d) => d.files.some((f) => f.path.includes('/')));
    expect(nested).toBeDefined();
    const dir = await tempDir('zinc-demo-nested-');
    await writeDemoImportDir(join(dir, 'in'));
    const file = nested!.files.find((f) => f.path.includes('/'))!;
    const path = join(dir, 'in', `${nested!.studentId}@${nested!.submittedAt}`, file.path);
    expect(readFileSync(path, 'utf8')).toBe(file.content);
  });
});

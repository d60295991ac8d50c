// `zinc try`: grades a delivery folder on this machine and prints the report; exit 0 whatever
// the student's verdict, 1 for an invalid config, 2 when the sandbox cannot run.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GradingReport } from '../src/extensions/pipeline/report/index.js';
import { makeTar, makeZip } from './helpers/archives.js';
import { buildSandboxLauncher, gxxMajor } from './helpers/pipeline.js';
import { zincBin } from './helpers/zinc-bin.js';

let dir: string;

/** Runs `zinc try ...args` as its own process. */
function zincTry(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ out: string; err: string; exitCode: number }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [zincBin(), 'try', ...args],
      { cwd: dir, env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ out: stdout, err: stderr, exitCode: code });
      },
    );
  });
}

function write(path: string, content: string): string {
  const full = join(dir, path);
  mkdirSync(join(full, '..'), { recursive: true });
  writeFileSync(full, content);
  return full;
}

beforeAll(() => {
  buildSandboxLauncher();
  dir = mkdtempSync(join(tmpdir(), 'zinc-try-cli-'));
  write(
    'config.yaml',
    `_settings:
  lang: cpp/g++:${gxxMajor()}
  use_template: FILENAMES
  template: [sum.cpp]
  use_provided: true
compile:
  input: ["*.cpp"]
  output: sum
stdioTest:
  testCases:
    - { id: 1, file: sum, stdin: "1 2", expected: "3", score: 2 }
    - { id: 2, file: sum, file_stdin: big.in, file_expected: big.out, score: 3, visibility: ALWAYS_HIDDEN }
score:
  normalizedTo: 100
`,
  );
  write('assets/big.in', '40 2\n');
  write('assets/big.out', '42\n');
  write(
    'good/sum.cpp',
    '#include <iostream>\nint main() { long a, b; std::cin >> a >> b; std::cout << a + b << "\\n"; }\n',
  );
  write(
    'bad/sum.cpp',
    '#include <iostream>\nint main() { long a, b; std::cin >> a >> b; std::cout << a - b << "\\n"; }\n',
  );
  write(
    'invalid.yaml',
    `_settings:
  lang: cpp/g++:${gxxMajor()}
stdioTest:
  testCases:
    - { id: 1, file: sum, file_stdin: missing.in, expected: "1", score: -1 }
`,
  );
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('zinc try', () => {
  it('prints a table of stages, tests and the score, and exits 0', async () => {
    const result = await zincTry([
      join(dir, 'config.yaml'),
      join(dir, 'good'),
      '--assets',
      join(dir, 'assets'),
    ]);
    expect(result.err).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.out).toMatch(/^compile\s+COMPILED\s+g\+\+ -o sum sum\.cpp/m);
    expect(result.out).toMatch(/^stdioTest\s+2\/2 passed/m);
    expect(result.out).toMatch(/^ {2}1\s+PASSED\s+2\/2/m);
    expect(result.out).toMatch(/^ {2}2\s+PASSED\s+3\/3/m);
    expect(result.out).toContain('score 100 / 100');
  });

  it('exits 0 for a wrong answer too, and prints the report as JSON with --json', async () => {
    const result = await zincTry([
      join(dir, 'config.yaml'),
      join(dir, 'bad'),
      '--assets',
      join(dir, 'assets'),
      '--json',
    ]);
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.out) as GradingReport;
    expect(report.configVersion).toMatch(/^cfg_/);
    expect(report.verdicts).toMatchObject({ COMPILED: 1, WRONG_OUTPUT: 2 });
    expect(report.score).toBe(0);
    const tests = report.stageReports.stdioTest;
    if (tests?.kind !== 'stdioTest') throw new Error('no stdioTest');
    expect(tests.tests[1]?.diff?.text).toContain('-42\n+38\n');
  });

  it('exits 1 for an invalid config, naming every problem by its path', async () => {
    const result = await zincTry([join(dir, 'invalid.yaml'), join(dir, 'good')]);
    expect(result.exitCode).toBe(1);
    expect(result.out).toBe('');
    expect(result.err).toContain(
      "stdioTest.testCases[0].file_stdin: file missing.in is not among the config's assets",
    );
    expect(result.err).toMatch(/stdioTest\.testCases\[0\]\.score: /);
    expect(result.err).toMatch(/invalid\.yaml: \d+ problems; the config is not valid\n$/);
    expect(result.err).not.toContain('Usage:');
  });

  it('grades an archive as an upload unpacks it, and refuses one that is not', async () => {
    const program =
      '#include <iostream>\nint main() { long a, b; std::cin >> a >> b; std::cout << a + b << "\\n"; }\n';
    writeFileSync(
      join(dir, 'good.zip'),
      await makeZip([
        { name: 'sum.cpp', content: program },
        { name: 'README.md', content: '#' },
      ]),
    );
    writeFileSync(
      join(dir, 'good.tar.gz'),
      await makeTar([{ name: 'sum.cpp', content: program }], true),
    );
    for (const archive of ['good.zip', 'good.tar.gz']) {
      const result = await zincTry([
        join(dir, 'config.yaml'),
        join(dir, archive),
        '--assets',
        join(dir, 'assets'),
        '--json',
      ]);
      expect([archive, result.exitCode]).toEqual([archive, 0]);
      expect((JSON.parse(result.out) as GradingReport).score).toBe(100);
    }
    writeFileSync(join(dir, 'notes.txt'), 'not an archive');
    const refused = await zincTry([join(dir, 'config.yaml'), join(dir, 'notes.txt')]);
    expect(refused.exitCode).toBe(1);
    expect(refused.err).toBe('zinc: archive notes.txt: not a zip, tar or tar.gz archive\n');
  });

  it('exits 1 when the config needs assets it was not given', async () => {
    const result = await zincTry([join(dir, 'config.yaml'), join(dir, 'good')]);
    expect(result.exitCode).toBe(1);
    expect(result.err).toContain("file big.in is not among the config's assets");
  });

  it('exits 2 when the sandbox cannot run (bubblewrap missing)', async () => {
    const result = await zincTry(
      [join(dir, 'config.yaml'), join(dir, 'good'), '--assets', join(dir, 'assets')],
      { ZINC_SANDBOX_BWRAP: join(dir, 'no-such-bwrap') },
    );
    expect(result.exitCode).toBe(2);
    expect(result.out).toBe('');
    expect(result.err).toContain('cannot grade on this machine: SandboxUnavailable');
    expect(result.err).toContain('no-such-bwrap');
  });
});

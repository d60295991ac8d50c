// `zinc config validate`: OK and the version id for a valid config, every problem and exit 1 for
// an invalid one, JSON output, and asset folders read as plain files only.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerConfigValidate } from '../src/cli/commands/config-validate.js';
import { failureSpec } from '../src/failures.js';
import { zincBin } from './helpers/zinc-bin.js';
import { configVersionId } from '../src/extensions/pipeline/config/index.js';

let dir: string;
let validConfig: string;
let invalidConfig: string;
let assetsDir: string;
let validText: string;

/** Runs `zinc config validate ...args` in this process, capturing what it prints and its exit code. */
async function validate(
  ...args: string[]
): Promise<{ out: string; err: string; exitCode: number }> {
  let out = '';
  let err = '';
  const program = new Command('zinc')
    .exitOverride()
    .configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  registerConfigValidate(program.command('config'));
  try {
    await program.parseAsync(['config', 'validate', ...args], { from: 'user' });
    return { out, err, exitCode: 0 };
  } catch (error) {
    if (error instanceof CommanderError) return { out, err, exitCode: error.exitCode };
    // zinc's own failures end the command as bin/zinc.js ends it: their message and exit code.
    const spec = failureSpec((error as Error).name);
    if (spec)
      return { out, err: `${err}zinc: ${(error as Error).message}\n`, exitCode: spec.exit ?? 1 };
    throw error;
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'zinc-config-validate-'));
  // The lang names this machine's g++ so the toolchain check passes wherever the suite runs.
  const major = execFileSync('g++', ['-dumpversion'], { encoding: 'utf8' }).trim().split('.')[0];
  validText = `_settings:
  lang: cpp/g++:${major}
  use_provided: true
compile:
  input: ["*.cpp"]
  output: rational
stdioTest:
  testCases:
    - { id: 1, file: rational, file_stdin: tests/big.in, file_expected: tests/big.out, score: 3 }
`;
  validConfig = join(dir, 'valid.yaml');
  writeFileSync(validConfig, validText);
  invalidConfig = join(dir, 'invalid.yaml');
  writeFileSync(
    invalidConfig,
    `_settings:
  lang: cpp/g++:${major}
compile:
  input: ["*.cpp"]
  output: rational
stdioTest:
  testcases: []
  testCases:
    - { id: 1, file: rational, file_stdin: missing.in, expected: "1", score: -1 }
`,
  );
  assetsDir = join(dir, 'assets');
  mkdirSync(join(assetsDir, 'tests'), { recursive: true });
  writeFileSync(join(assetsDir, 'tests', 'big.in'), '1 2\n');
  writeFileSync(join(assetsDir, 'tests', 'big.out'), '3\n');
  writeFileSync(join(assetsDir, 'rational.h'), '#pragma once\n');
});

describe('zinc config validate', () => {
  it('prints OK and the version id of a valid config with its assets', async () => {
    const result = await validate(validConfig, '--assets', assetsDir);
    const expectedId = configVersionId(validText, [
      { path: 'rational.h', sha256: sha256('#pragma once\n') },
      { path: 'tests/big.in', sha256: sha256('1 2\n') },
      { path: 'tests/big.out', sha256: sha256('3\n') },
    ]);
    expect(result).toEqual({ out: `OK ${expectedId}\n`, err: '', exitCode: 0 });
  });

  it('prints every problem as file:line:column: path: message and exits 1', async () => {
    const result = await validate(invalidConfig, '--assets', assetsDir);
    expect(result.exitCode).toBe(1);
    expect(result.out.split('\n').filter(Boolean)).toEqual([
      `${invalidConfig}:7:3: stdioTest.testcases: unknown field testcases (did you mean testCases?)`,
      `${invalidConfig}:9:32: stdioTest.testCases[0].file_stdin: file missing.in is not among the config's assets`,
      `${invalidConfig}:9:71: stdioTest.testCases[0].score: must not be negative, got number -1`,
    ]);
    expect(result.err).toBe(`zinc: ${invalidConfig}: 3 problems; the config is not valid\n`);
  });

  it('names --assets when the config names asset files and no folder was given', async () => {
    const result = await validate(validConfig);
    expect(result.exitCode).toBe(1);
    expect(result.out.split('\n').filter(Boolean)).toEqual([
      `${validConfig}:9:32: stdioTest.testCases[0].file_stdin: file tests/big.in is not among the config's assets`,
      `${validConfig}:9:58: stdioTest.testCases[0].file_expected: file tests/big.out is not among the config's assets`,
      `${validConfig}:3:3: warning: _settings.use_provided: is true but the config has no assets to provide`,
      `${validConfig}: the config names asset files and no --assets <dir> was given: pass the folder that holds them with --assets <dir>`,
    ]);
  });

  it('prints a JSON result with --json', async () => {
    const valid = await validate(validConfig, '--assets', assetsDir, '--json');
    expect(valid.exitCode).toBe(0);
    const report = JSON.parse(valid.out) as {
      ok: boolean;
      versionId: string;
      config: { stages: unknown[] };
    };
    expect(report.ok).toBe(true);
    expect(report.versionId).toMatch(/^cfg_[0-9a-f]{16}$/);
    expect(report.config.stages).toHaveLength(2);

    const invalid = await validate(invalidConfig, '--json');
    expect(invalid.exitCode).toBe(1);
    const problems = (JSON.parse(invalid.out) as { problems: { path: string; line: number }[] })
      .problems;
    expect(problems.map((p) => [p.path, p.line])).toEqual([
      ['stdioTest.testcases', 7],
      ['stdioTest.testCases[0].file_stdin', 9],
      ['stdioTest.testCases[0].score', 9],
    ]);
  });

  it('refuses symbolic links in the assets folder', async () => {
    const linked = join(dir, 'linked-assets');
    mkdirSync(linked);
    writeFileSync(join(linked, 'big.in'), '1\n');
    symlinkSync(validConfig, join(linked, 'big.out'));
    const result = await validate(validConfig, '--assets', linked);
    expect(result.exitCode).toBe(1);
    expect(result.out).toBe('');
    expect(result.err).toBe(
      `zinc: assets folder ${linked}: big.out is a symbolic link; assets must be regular files\n`,
    );
  });

  it('says when the config file cannot be read', async () => {
    const result = await validate(join(dir, 'nope.yaml'));
    expect(result.exitCode).toBe(1);
    expect(result.err).toBe(`zinc: cannot read ${join(dir, 'nope.yaml')}: ENOENT\n`);
    expect(result.exitCode).toBe(1);
  });

  it('exits 0 and 1 as the zinc command', () => {
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [zincBin(), 'config', 'validate', ...args], {
        cwd: dir,
        encoding: 'utf8',
      });
    const ok = run(validConfig, '--assets', assetsDir);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^OK cfg_[0-9a-f]{16}\n$/);
    const bad = run(invalidConfig);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain(
      `${invalidConfig}:7:3: stdioTest.testcases: unknown field testcases (did you mean testCases?)\n`,
    );
    // The problems and one line saying the config is not valid: no usage text.
    expect(bad.stderr).toBe(`zinc: ${invalidConfig}: 3 problems; the config is not valid\n`);
  });
});

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

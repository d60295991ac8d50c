// Test helpers for the grading engine: configs from YAML, files from records, and a private
// temporary folder per test file so leftover work dirs can be seen.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, expect } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseGradingConfig } from '../../src/extensions/pipeline/config/index.js';
import type { GradingConfig } from '../../src/extensions/pipeline/config/index.js';
import type { PipelineFile } from '../../src/extensions/pipeline/runner/index.js';
import { projectRoot } from '../../src/platform/paths.js';
import { processesOfUid } from './sandbox.js';

/** Files from `{ path: content }`. */
export function filesOf(record: Record<string, string | Buffer>): PipelineFile[] {
  return Object.entries(record).map(([path, content]) => ({
    path,
    content: typeof content === 'string' ? Buffer.from(content) : content,
  }));
}

/** A valid config from YAML text and the assets it names; fails the test on any problem. */
export function configOf(yaml: string, assets: PipelineFile[] = []): GradingConfig {
  const result = parseGradingConfig(yaml, { assets: assets.map((asset) => asset.path) });
  if (!result.ok) {
    throw new Error(
      `test config invalid:\n${result.problems.map((p) => `${p.path}: ${p.message}`).join('\n')}`,
    );
  }
  return result.config;
}

/** This machine's g++ major version, so lang settings match wherever the suite runs. */
export function gxxMajor(): string {
  return execFileSync('g++', ['-dumpversion'], { encoding: 'utf8' }).trim().split('.')[0]!;
}

/** Builds the sandbox launcher if needed (as the sandbox tests do). */
export function buildSandboxLauncher(): void {
  execFileSync('bash', [join(projectRoot(), 'scripts', 'build-sandbox-helper.sh')], {
    stdio: 'inherit',
  });
}

/**
 * Points os.tmpdir() of this test process at a fresh folder (mode 0711, reachable by the
 * sandbox user), so the work dirs runPipeline makes are all in one place that tests can list.
 */
export function usePrivateTmpdir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o711);
  process.env.TMPDIR = dir;
  return dir;
}

/** What is left in a folder. */
export function leftIn(dir: string): string[] {
  return readdirSync(dir);
}

/** A sandbox uid of this test file's own, so its processes can be told from other files'. */
export function testSandboxUid(): number {
  return 2_200_000 + Math.floor(Math.random() * 100_000);
}

/** The host around a hostile suite: its private TMPDIR, and a secret file beside it that no
 * sandbox may read or change. */
export interface HostileHost {
  /** The suite's private TMPDIR (set in beforeAll). */
  tmp: () => string;
  /** Nothing of the sandbox user runs, nothing is left in the TMPDIR, the secret is intact. */
  expectUnchanged: (sandboxUid: number) => void;
}

/** Registers the suite's beforeAll/afterAll for a hostile test file (launcher built, private
 * TMPDIR, host secret) and returns the checks its afterEach makes. */
export function hostileHost(name: string): HostileHost {
  let tmp = '';
  let secret = '';
  beforeAll(() => {
    buildSandboxLauncher();
    tmp = usePrivateTmpdir(`zinc-${name}-test-`);
    secret = join(tmp, '..', `zinc-${name}-secret-${process.pid}.txt`);
    writeFileSync(secret, 'HOST-SECRET\n');
  });
  afterAll(() => {
    rmSync(tmp, { recursive: true, force: true });
    rmSync(secret, { force: true });
  });
  return {
    tmp: () => tmp,
    expectUnchanged: (sandboxUid) => {
      expect(processesOfUid(sandboxUid)).toEqual([]);
      expect(leftIn(tmp)).toEqual([]);
      expect(readFileSync(secret, 'utf8')).toBe('HOST-SECRET\n');
    },
  };
}

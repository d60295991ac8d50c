// The build cache, through the real grading engine (runPipeline, bubblewrap, the launcher, g++):
// - a regrade after a test changed (a new config version) takes the build from the cache: the
//   report says so, and its score, verdicts and stage output are those of an uncached grading;
// - a failed build is kept too: the same COMPILE_ERROR and compiler message, from the cache;
// - a changed source, a changed compile flag or another toolchain (a g++ that answers another
//   version inside the sandbox) misses;
// - a corrupted or truncated entry is detected, dropped and built again;
// - student code cannot write into the cache: neither a build stage nor a test reaches its
//   folder, and what a test does to /work never reaches the entry;
// - the cache stays within its bound, least recently used entries going first.
import { createHash } from 'node:crypto';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { GradingConfig } from '../src/extensions/pipeline/config/index.js';
import type {
  CompileStageReport,
  GradingReport,
  StdioTestStageReport,
} from '../src/extensions/pipeline/report/index.js';
import { formatReportText } from '../src/extensions/pipeline/report/index.js';
import { runPipeline } from '../src/extensions/pipeline/runner/index.js';
import type { PipelineFile } from '../src/extensions/pipeline/runner/index.js';
import {
  createBuildCache,
  type BuildCache,
} from '../src/extensions/pipeline/runner/cache/index.js';
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
const MiB = 1024 * 1024;
let tmp: string;
/** Outside the sandbox's TMPDIR: the caches of this file (one folder per test). */
let cacheRoot: string;
let cacheCount = 0;

beforeAll(() => {
  buildSandboxLauncher();
  cacheRoot = mkdtempSync(join(tmpdir(), 'zinc-build-cache-test-'));
  tmp = usePrivateTmpdir('zinc-build-cache-work-');
});

afterEach(() => {
  expect(leftIn(tmp).filter((name) => name !== 'tools')).toEqual([]);
  expect(processesOfUid(SANDBOX_UID)).toEqual([]);
});

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  rmSync(cacheRoot, { recursive: true, force: true });
});

/** A fresh cache folder (a new worker's cache on it: newCache(dir)). */
function freshCacheDir(): string {
  return join(cacheRoot, `cache-${++cacheCount}`);
}

function newCache(dir: string, maxBytes = 256 * MiB): BuildCache {
  return createBuildCache({ dir, maxBytes });
}

function grade(
  config: GradingConfig,
  files: PipelineFile[],
  options: { cache?: BuildCache; version?: string; bwrap?: string } = {},
): Promise<GradingReport> {
  return runPipeline({
    config,
    configVersion: options.version ?? 'cfg_v1',
    files,
    assets: [],
    sandboxOptions: {
      sandboxUid: SANDBOX_UID,
      ...(options.bwrap === undefined ? {} : { bwrapPath: options.bwrap }),
    },
    ...(options.cache === undefined ? {} : { buildCache: options.cache }),
  });
}

const yaml = (opts: { expected2?: string; flags?: string; extraStage?: string } = {}) => `_settings:
  lang: cpp/g++:${gxxMajor()}
  use_template: FILENAMES
  template: [sum.cpp]
  stage_wait_duration_secs: 30
${opts.extraStage ?? ''}compile:
  input: ["*.cpp"]
  output: sum
  flags: [${opts.flags ?? '"-std=c++17", "-O2"'}]
stdioTest:
  testCases:
    - { id: 1, file: sum, stdin: "1 2", expected: "3", score: 1 }
    - { id: 2, file: sum, stdin: "40 2", expected: "${opts.expected2 ?? '41'}", score: 1 }
score:
  normalizedTo: 100
`;

const SUM = `#include <iostream>
int main() { long a, b; std::cin >> a >> b; std::cout << a + b << "\\n"; }
`;
const BROKEN = `#include <iostream>
int main() { long a, b; std::cin >> a >> b; std::cout << a + b << "\\n" }
`;

function compileOf(report: GradingReport): CompileStageReport {
  const stage = report.stageReports.compile;
  if (stage?.kind !== 'compile' || stage.status === 'skipped') throw new Error('no compile stage');
  return stage;
}

function testsOf(report: GradingReport): StdioTestStageReport['tests'] {
  const stage = report.stageReports.stdioTest;
  if (stage?.kind !== 'stdioTest') throw new Error('no stdioTest stage');
  return stage.tests;
}

/** What a user compares between two gradings: score, verdicts, and each stage's output. */
function outcomeOf(report: GradingReport) {
  const compile = compileOf(report);
  return {
    score: report.score,
    maxScore: report.maxScore,
    verdicts: report.verdicts,
    compile: {
      verdict: compile.verdict,
      message: compile.message,
      inputs: compile.inputs,
      command: compile.run?.command,
      exitCode: compile.run?.exitCode,
      stdout: compile.run?.stdout,
      stderr: compile.run?.stderr,
    },
    tests: testsOf(report).map((test) => ({
      id: test.id,
      verdict: test.verdict,
      score: test.score,
      actual: test.actual,
      stderr: test.stderr,
      exitCode: test.exitCode,
      diff: test.diff,
    })),
  };
}

/** The files of a cache folder (entries and anything else), with their content hashes. */
function cacheFiles(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (folder: string, prefix: string) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      const rel = prefix === '' ? name : `${prefix}/${name}`;
      if (statSync(path).isDirectory()) walk(path, rel);
      else out[rel] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  };
  walk(dir, '');
  return out;
}

function entryPath(dir: string, key: string): string {
  return join(dir, key.slice(0, 2), key);
}

describe('build cache: a regrade after a test changed', () => {
  it('takes the build from the cache, and the report is that of an uncached grading', async () => {
    const dir = freshCacheDir();
    const cache = newCache(dir);
    const files = filesOf({ 'sum.cpp': SUM });
    const first = await grade(configOf(yaml()), files, { cache });
    expect(first.buildCache?.hit).toBe(false);
    expect(first.buildCache?.key).toMatch(/^[0-9a-f]{64}$/);
    expect(compileOf(first).fromCache).toBeUndefined();
    expect(first.score).toBe(50); // test 2 expects 41
    expect(Object.keys(cacheFiles(dir))).toEqual([
      `${first.buildCache!.key.slice(0, 2)}/${first.buildCache!.key}`,
    ]);

    // The staff fix test 2: a new config version, the same build stages.
    const fixed = configOf(yaml({ expected2: '42' }));
    const regrade = await grade(fixed, files, { cache, version: 'cfg_v2' });
    expect(regrade.buildCache).toEqual({
      key: first.buildCache!.key,
      hit: true,
      builtAt: expect.any(String) as unknown,
    });
    expect(regrade.configVersion).toBe('cfg_v2');
    expect(compileOf(regrade).fromCache).toBe(true);
    expect(formatReportText(regrade)).toMatch(
      /g\+\+ .*-o sum sum\.cpp \(.*, from the build cache\)/,
    );
    expect(formatReportText(first)).not.toMatch(/from the build cache/);
    expect(regrade.score).toBe(100);
    expect(testsOf(regrade).map((test) => test.verdict)).toEqual(['PASSED', 'PASSED']);

    // The same config graded without the cache gives the same report.
    const uncached = await grade(fixed, files, { version: 'cfg_v2' });
    expect(uncached.buildCache).toBeUndefined();
    expect(outcomeOf(regrade)).toEqual(outcomeOf(uncached));
    expect(compileOf(regrade).run?.stderr.text).toBe(compileOf(first).run?.stderr.text);

    // Another worker (a new cache over the same folder) asks its toolchain again and hits too.
    const other = await grade(fixed, files, { cache: newCache(dir), version: 'cfg_v2' });
    expect(other.buildCache?.hit).toBe(true);
    expect(outcomeOf(other)).toEqual(outcomeOf(uncached));
  });

  it('keeps a failed build: the same COMPILE_ERROR and compiler message, from the cache', async () => {
    const cache = newCache(freshCacheDir());
    const files = filesOf({ 'sum.cpp': BROKEN });
    const first = await grade(configOf(yaml()), files, { cache });
    expect(first.buildCache?.hit).toBe(false);
    expect(compileOf(first).verdict).toBe('COMPILE_ERROR');
    expect(compileOf(first).run?.stderr.text).toMatch(/error: expected .;. before/);

    const fixed = configOf(yaml({ expected2: '42' }));
    const regrade = await grade(fixed, files, { cache, version: 'cfg_v2' });
    expect(regrade.buildCache?.hit).toBe(true);
    expect(compileOf(regrade).fromCache).toBe(true);
    const uncached = await grade(fixed, files, { version: 'cfg_v2' });
    expect(outcomeOf(regrade)).toEqual(outcomeOf(uncached));
    expect(outcomeOf(regrade)).toMatchObject({
      score: 0,
      compile: { verdict: 'COMPILE_ERROR', exitCode: 1 },
      tests: [{ verdict: 'RUNTIME_ERROR' }, { verdict: 'RUNTIME_ERROR' }],
    });
    expect(compileOf(regrade).run?.stderr.text).toBe(compileOf(first).run?.stderr.text);
  });
});

describe('build cache: what makes another build', () => {
  it('misses when a source or a compile flag changes, hits again for the same inputs', async () => {
    const cache = newCache(freshCacheDir());
    const config = configOf(yaml());
    const first = await grade(config, filesOf({ 'sum.cpp': SUM }), { cache });
    const edited = await grade(config, filesOf({ 'sum.cpp': `${SUM}// edited\n` }), { cache });
    expect(edited.buildCache?.hit).toBe(false);
    expect(edited.buildCache?.key).not.toBe(first.buildCache?.key);

    const flagged = await grade(
      configOf(yaml({ flags: '"-std=c++17", "-O0"' })),
      filesOf({ 'sum.cpp': SUM }),
      { cache, version: 'cfg_v2' },
    );
    expect(flagged.buildCache?.hit).toBe(false);
    expect(compileOf(flagged).run?.command).toContain('-O0');
    expect(new Set([first, edited, flagged].map((r) => r.buildCache?.key)).size).toBe(3);

    const again = await grade(config, filesOf({ 'sum.cpp': `${SUM}// edited\n` }), { cache });
    expect(again.buildCache).toMatchObject({ key: edited.buildCache?.key, hit: true });
  });

  it('misses on a worker whose sandbox runs another toolchain (a g++ reporting another version)', async () => {
    // A bwrap that shows the sandbox a g++ wrapper: it says it is 12.99.0 and compiles with the
    // real compiler (bound at /opt/real-g++); another worker's image, in effect.
    const tools = join(tmp, 'tools');
    mkdirSync(tools, { recursive: true, mode: 0o755 });
    chmodSync(tools, 0o755);
    const fakeGxx = join(tools, 'g++');
    writeFileSync(
      fakeGxx,
      '#!/bin/sh\nif [ "$1" = --version ]; then echo "g++ (zinc test) 12.99.0"; exit 0; fi\nexec /opt/real-g++ "$@"\n',
    );
    chmodSync(fakeGxx, 0o755);
    const bwrap = join(tools, 'bwrap');
    writeFileSync(
      bwrap,
      `#!/bin/bash
args=()
added=
for arg in "$@"; do
  if [ "$arg" = --proc ] && [ -z "$added" ]; then
    args+=(--ro-bind /usr/bin/x86_64-linux-gnu-g++-${gxxMajor()} /opt/real-g++ --ro-bind '${fakeGxx}' /usr/bin/x86_64-linux-gnu-g++-${gxxMajor()})
    added=1
  fi
  args+=("$arg")
done
exec bwrap "\${args[@]}"
`,
    );
    chmodSync(bwrap, 0o755);

    const dir = freshCacheDir();
    const config = configOf(yaml());
    const files = filesOf({ 'sum.cpp': SUM });
    const here = await grade(config, files, { cache: newCache(dir) });
    expect(here.buildCache?.hit).toBe(false);
    const there = await grade(config, files, { cache: newCache(dir), bwrap });
    expect(there.buildCache?.hit).toBe(false);
    expect(there.buildCache?.key).not.toBe(here.buildCache?.key);
    expect(there.score).toBe(50); // it did compile, with the wrapped compiler
    const back = await grade(config, files, { cache: newCache(dir) });
    expect(back.buildCache).toMatchObject({ key: here.buildCache?.key, hit: true });
  });
});

describe('build cache: damaged entries', () => {
  it('drops a corrupted or truncated entry and builds again', async () => {
    const dir = freshCacheDir();
    const cache = newCache(dir);
    const config = configOf(yaml());
    const files = filesOf({ 'sum.cpp': SUM });
    const first = await grade(config, files, { cache });
    const path = entryPath(dir, first.buildCache!.key);
    const good = readFileSync(path);

    // One flipped byte in the compiled program.
    const flipped = Buffer.from(good);
    flipped[flipped.length - 100]! ^= 0xff;
    writeFileSync(path, flipped);
    const afterFlip = await grade(config, files, { cache });
    expect(afterFlip.buildCache).toEqual({ key: first.buildCache!.key, hit: false });
    expect(compileOf(afterFlip).fromCache).toBeUndefined();
    expect(afterFlip.score).toBe(50);
    expect(readFileSync(path).equals(flipped)).toBe(false); // rebuilt and stored again

    writeFileSync(path, good.subarray(0, good.length - 10));
    const afterCut = await grade(config, files, { cache });
    expect(afterCut.buildCache?.hit).toBe(false);
    expect(afterCut.score).toBe(50);

    const healed = await grade(config, files, { cache });
    expect(healed.buildCache?.hit).toBe(true);
    expect(healed.score).toBe(50);
  });
});

describe('build cache: student code cannot write into it', () => {
  it('a build stage and a test that go for the cache folder and /work change nothing of it', async () => {
    const dir = freshCacheDir();
    const cache = newCache(dir);
    const files = filesOf({ 'sum.cpp': SUM });
    const first = await grade(configOf(yaml()), files, { cache });
    const key = first.buildCache!.key;
    const before = cacheFiles(dir);
    const entry = entryPath(dir, key);

    // A build stage (shellExec) and a test program that try to write the entry, the cache
    // folder and its parents, and (the test) the program the build made. (The sandbox has its
    // own /tmp: a path made there is the sandbox's, gone with it.)
    const attack = [entry, dir, join(dir, key.slice(0, 2)), join(dir, 'tmp'), cacheRoot]
      .map(
        (target) =>
          `(printf x > '${target}' || printf x > '${target}/planted' || mkdir -p '${target}/planted') 2>/dev/null && echo "wrote ${target}" >&2`,
      )
      .join('; ');
    const hostile = (body: string) => `#include <cstdio>
#include <cstdlib>
#include <iostream>
int main() {
  ${body}
  long a, b; std::cin >> a >> b; std::cout << a + b << "\\n";
}
`;
    const overwrite = hostile(
      `std::system(${JSON.stringify(`${attack}; printf junk > sum; printf junk > sum.cpp`)});`,
    );
    const hostileFiles = filesOf({ 'sum.cpp': overwrite });
    const config = configOf(yaml({ extraStage: `shellExec:\n  cmd: ${JSON.stringify(attack)}\n` }));
    const attacked = await grade(config, hostileFiles, { cache });
    expect(attacked.buildCache?.hit).toBe(false);
    expect(attacked.stageReports.shellExec?.status).toBe('succeeded');
    expect(testsOf(attacked).map((test) => test.actual?.text)).toEqual(['3\n', '42\n']);

    // The first entry is as it was; the only new file is the hostile delivery's own entry.
    const after = cacheFiles(dir);
    const added = Object.keys(after).filter((name) => !(name in before));
    expect(added).toEqual([`${attacked.buildCache!.key.slice(0, 2)}/${attacked.buildCache!.key}`]);
    for (const [name, hash] of Object.entries(before)) expect(after[name]).toBe(hash);
    expect(readdirSync(cacheRoot).every((name) => name.startsWith('cache-'))).toBe(true);

    // The tests overwrote their copy of the program: the cached build is untouched by it.
    const regrade = await grade(config, hostileFiles, { cache, version: 'cfg_v2' });
    expect(regrade.buildCache?.hit).toBe(true);
    expect(testsOf(regrade).map((test) => test.actual?.text)).toEqual(['3\n', '42\n']);
  });
});

describe('build cache: its bound', () => {
  it('evicts the least recently used entries once it holds more than max bytes', async () => {
    const dir = freshCacheDir();
    const config = configOf(yaml());
    const source = (n: number) => filesOf({ 'sum.cpp': `${SUM}// delivery ${n}\n` });
    const probe = await grade(config, source(0), { cache: newCache(dir) });
    const entrySize = statSync(entryPath(dir, probe.buildCache!.key)).size;
    rmSync(dir, { recursive: true, force: true });

    // Room for about five entries; an entry may take a quarter of it.
    const cache = newCache(dir, Math.floor(entrySize * 5.5));
    const keys: string[] = [];
    for (let n = 1; n <= 4; n++) {
      keys.push((await grade(config, source(n), { cache })).buildCache!.key);
    }
    // Delivery 1 is regraded (used again), so delivery 2 is now the least recently used.
    expect((await grade(config, source(1), { cache })).buildCache?.hit).toBe(true);
    for (let n = 5; n <= 7; n++) {
      keys.push((await grade(config, source(n), { cache })).buildCache!.key);
    }
    const kept = new Set(Object.keys(cacheFiles(dir)).map((name) => name.split('/')[1]));
    const total = Object.keys(cacheFiles(dir)).reduce(
      (sum, name) => sum + statSync(join(dir, name)).size,
      0,
    );
    expect(total).toBeLessThanOrEqual(Math.floor(entrySize * 5.5));
    expect(kept.has(keys[1])).toBe(false); // delivery 2: least recently used, evicted
    expect(kept.has(keys[0])).toBe(true); // delivery 1: used again, kept
    expect(kept.has(keys[6])).toBe(true); // the newest
    expect((await grade(config, source(2), { cache })).buildCache?.hit).toBe(false);
  });
});

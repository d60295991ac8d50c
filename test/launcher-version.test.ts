// The sandbox launcher's version: the sha256 of launcher.c, compiled into the binary by
// scripts/build-sandbox-helper.sh. A launcher built from another launcher.c (a machine upgraded
// without rebuilding it) is refused with the fix named, before any student code runs: `zinc
// try` exits 2, a pipeline worker does not start, `zinc doctor` says so.
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LAUNCHER_SOURCE_SHA256,
  launcherProblemAt,
  launcherSourceOf,
} from '../src/extensions/pipeline/sandbox/launcher-version.js';
import { defaultLauncherPath } from '../src/extensions/pipeline/sandbox/index.js';
import type { DevServer } from '../src/temporal/dev-server.js';
import { buildSandboxLauncher, gxxMajor } from './helpers/pipeline.js';
import { NAMESPACE, repoRoot, startTestServer, tempDir } from './helpers/temporal.js';
import { zincBin } from './helpers/zinc-bin.js';
import { startZincWorker } from './helpers/zinc-worker.js';

const SOURCE = join(repoRoot, 'src', 'extensions', 'pipeline', 'sandbox', 'launcher.c');
const run = promisify(execFile);

let dir: string;
let older: string; // built before launchers carried their source's hash
let other: string; // built from another launcher.c
let server: DevServer | undefined;

/** `zinc <args>` as its own process: exit code and output. */
async function zinc(args: string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await run(process.execPath, [zincBin(), ...args], {
      cwd: dir,
      env: { ...process.env, ...env },
    });
    return { code: 0, out: stdout, err: stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout, err: e.stderr };
  }
}

beforeAll(() => {
  buildSandboxLauncher();
  dir = tempDir('zinc-launcher-version-');
  chmodSync(dir, 0o711);
  const built = readFileSync(defaultLauncherPath());
  // The same program with its marker blanked: what a launcher built before the marker carries.
  const marker = Buffer.from(`zinc-sandbox-launcher-source=${LAUNCHER_SOURCE_SHA256};`);
  const at = built.indexOf(marker);
  const blanked = Buffer.from(built);
  blanked.fill(0x20, at, at + marker.length);
  older = join(dir, 'older-launcher');
  writeFileSync(older, blanked, { mode: 0o755 });
  // The same program claiming another source.
  const renamed = Buffer.from(built);
  renamed.write('0'.repeat(64), at + 'zinc-sandbox-launcher-source='.length, 'latin1');
  other = join(dir, 'other-launcher');
  writeFileSync(other, renamed, { mode: 0o755 });
  mkdirSync(join(dir, 'sub'));
  writeFileSync(
    join(dir, 'config.yaml'),
    [
      '_settings:',
      `  lang: cpp/g++:${gxxMajor()}`,
      '  lang_version_may_differ: true',
      'compile:',
      '  input: ["*.cpp"]',
      '  output: main',
      'score:',
      '  normalizedTo: 100',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'sub', 'main.cpp'), 'int main() {}\n');
});

afterAll(async () => {
  await server?.stop();
});

describe('the sandbox launcher version', () => {
  it('is the sha256 of launcher.c (change LAUNCHER_SOURCE_SHA256 with launcher.c)', () => {
    const sha = createHash('sha256').update(readFileSync(SOURCE)).digest('hex');
    expect(LAUNCHER_SOURCE_SHA256, `launcher.c changed: set LAUNCHER_SOURCE_SHA256 to ${sha}`).toBe(
      sha,
    );
  });

  it('is carried by the launcher the build script makes, which is accepted', () => {
    expect(launcherSourceOf(readFileSync(defaultLauncherPath()))).toBe(LAUNCHER_SOURCE_SHA256);
    expect(launcherProblemAt(defaultLauncherPath())).toBeNull();
    // A launcher that is missing is named by the first sandbox, as before, not here.
    expect(launcherProblemAt(join(dir, 'no-such-launcher'))).toBeNull();
  });

  it('refuses a launcher built before the marker or from another launcher.c, naming the fix', () => {
    expect(launcherProblemAt(older)).toBe(
      `the sandbox launcher ${older} was built from an older launcher.c (it carries no source hash); rebuild it for this zinc with scripts/build-sandbox-helper.sh`,
    );
    expect(launcherProblemAt(other)).toContain(
      `was built from another launcher.c (sha256 000000000000…, this zinc needs ${LAUNCHER_SOURCE_SHA256.slice(0, 12)}…)`,
    );
  });

  it('zinc try exits 2 with the reason and runs nothing', async () => {
    const result = await zinc(['try', 'config.yaml', 'sub'], { ZINC_SANDBOX_LAUNCHER: older });
    expect(result.code).toBe(2);
    expect(result.out).toBe('');
    expect(result.err).toContain('cannot grade on this machine: SandboxUnavailable');
    expect(result.err).toContain(`${older} was built from an older launcher.c`);
    expect(result.err).toContain('scripts/build-sandbox-helper.sh');
    // With the right launcher the same command grades.
    const good = await zinc(['try', 'config.yaml', 'sub'], {});
    expect(good.code, good.err).toBe(0);
  });

  it('a pipeline worker with such a launcher does not start, and says why', async () => {
    server = await startTestServer();
    const dataDir = tempDir('zinc-launcher-worker-');
    copyFileSync(other, join(dataDir, 'launcher'));
    chmodSync(join(dataDir, 'launcher'), 0o755);
    const worker = startZincWorker('pipeline', {
      ZINC_DATA_DIR: dataDir,
      ZINC_TEMPORAL_HOST_PORT: server.address,
      ZINC_TEMPORAL_NAMESPACE: NAMESPACE,
      ZINC_SANDBOX_LAUNCHER: join(dataDir, 'launcher'),
    });
    const how = await worker.exited;
    expect(how).not.toBe(0);
    expect(worker.output()).toContain(
      `the sandbox launcher ${join(dataDir, 'launcher')} was built from another launcher.c`,
    );
    expect(worker.output()).not.toMatch(/worker is up/);
  }, 120_000);
});

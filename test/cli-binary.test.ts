// Finding the Temporal CLI: ZINC_TEMPORAL_CLI, then .tools/bin, then PATH, else how to install it.
import { TemporalCliNotFoundError } from '../src/failures.js';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findTemporalCli } from '../src/temporal/cli-binary.js';
import { repoRoot, tempDir } from './helpers/temporal.js';

function fakeBinary(dir: string, name = 'temporal'): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, '#!/bin/sh\necho fake\n');
  chmodSync(file, 0o755);
  return file;
}

describe('findTemporalCli', () => {
  it('prefers ZINC_TEMPORAL_CLI, then the tools directory, then PATH', () => {
    const root = tempDir();
    const explicit = fakeBinary(join(root, 'explicit'));
    const tools = fakeBinary(join(root, 'tools'));
    const onPath = fakeBinary(join(root, 'path'));
    const env = { PATH: join(root, 'path') };
    expect(
      findTemporalCli({
        env: { ...env, ZINC_TEMPORAL_CLI: explicit },
        toolsDir: join(root, 'tools'),
      }),
    ).toBe(explicit);
    expect(findTemporalCli({ env, toolsDir: join(root, 'tools') })).toBe(tools);
    expect(findTemporalCli({ env, toolsDir: join(root, 'empty') })).toBe(onPath);
  });

  it('names a ZINC_TEMPORAL_CLI that is not an executable', () => {
    expect(() =>
      findTemporalCli({ env: { ZINC_TEMPORAL_CLI: '/nonexistent/temporal', PATH: '' } }),
    ).toThrow(/ZINC_TEMPORAL_CLI is set to \/nonexistent\/temporal, which is not an executable/);
  });

  it('without a CLI and without Go, says how to install it on Linux and macOS', () => {
    const root = tempDir();
    let error: unknown;
    try {
      findTemporalCli({ env: { PATH: join(root, 'bin') }, toolsDir: join(root, 'tools') });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(TemporalCliNotFoundError);
    const message = (error as Error).message;
    expect(message).toMatch(/Go is not available/);
    expect(message).toMatch(
      /Linux: .*go install github\.com\/temporalio\/cli\/cmd\/temporal@v1\.5\.1|go install github\.com\/temporalio\/cli\/cmd\/temporal@v1\.5\.1/s,
    );
    expect(message).toMatch(/macOS: +brew install temporal/);
  });

  it('the install script does nothing when v1.5.1 is already installed', () => {
    findTemporalCli(); // installs it when missing, like every zinc command
    const run = spawnSync('bash', ['scripts/install-temporal-cli.sh'], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
    const version = spawnSync(join(repoRoot, '.tools/bin/temporal'), ['--version'], {
      encoding: 'utf8',
    });
    expect(version.stdout).toMatch(/Server 1\.29\./);
  });
});

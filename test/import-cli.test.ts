// `zinc import`, `zinc collections list` and `zinc deliveries list`, run as people run them.
import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTar, makeZip } from './helpers/archives.js';
import { repoRoot, tempDir } from './helpers/temporal.js';

const mainTs = join(repoRoot, 'src/cli/main.ts');

function zinc(args: string[]) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', mainTs, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

async function importFolder(): Promise<string> {
  const dir = tempDir();
  mkdirSync(join(dir, 's001'));
  writeFileSync(join(dir, 's001/main.cpp'), 'int main() { return 0; }\n');
  utimesSync(
    join(dir, 's001/main.cpp'),
    new Date('2026-09-10T08:00:00Z'),
    new Date('2026-09-10T08:00:00Z'),
  );
  mkdirSync(join(dir, 's001@2026-09-12T10:00:00Z/src'), { recursive: true });
  writeFileSync(join(dir, 's001@2026-09-12T10:00:00Z/src/main.cpp'), 'int main() { return 1; }\n');
  writeFileSync(
    join(dir, 's002@2026-09-11T09:30:00+08:00.zip'),
    await makeZip([{ name: 'main.cpp', content: 'zip' }]),
  );
  writeFileSync(
    join(dir, 's003@2026-09-11T12:00:00Z.tar.gz'),
    await makeTar([{ name: 'main.cpp', content: 'tgz' }], true),
  );
  mkdirSync(join(dir, 's004'));
  symlinkSync('/etc/passwd', join(dir, 's004/main.cpp'));
  mkdirSync(join(dir, 'bad id!'));
  writeFileSync(join(dir, 'bad id!/main.cpp'), 'x');
  mkdirSync(join(dir, 's005@yesterday'));
  writeFileSync(join(dir, 's005@yesterday/main.cpp'), 'x');
  writeFileSync(
    join(dir, 's006.zip'),
    await makeZip([{ name: 'main.cpp', content: 'no time in the name' }]),
  );
  writeFileSync(join(dir, 'notes.txt'), 'not a delivery');
  return dir;
}

describe('zinc import', () => {
  it('imports folders and archives, says why it refused others, and adds nothing when run again', async () => {
    const dir = await importFolder();
    const dataDir = tempDir();
    const args = [
      'import',
      dir,
      '--course',
      'COMP2012',
      '--activity',
      'Lab 1',
      '--collection',
      'main',
    ];
    const first = zinc([...args, '--data-dir', dataDir, '--json']);
    expect(first.status).toBe(1); // some entries were refused
    const summary = JSON.parse(first.stdout) as {
      collectionId: string;
      imported: number;
      skipped: number;
      rejected: Array<{ entry: string; reason: string }>;
    };
    expect(summary.collectionId).toMatch(/^col_/);
    expect(summary.imported).toBe(5);
    expect(summary.skipped).toBe(0);
    expect(summary.rejected).toEqual([
      {
        entry: 'bad id!',
        reason: '"bad id!" is not a student ID (letters, digits, ".", "_" or "-", at most 128)',
      },
      { entry: 'notes.txt', reason: 'not a folder or a .zip, .tar, .tar.gz or .tgz archive' },
      { entry: 's004', reason: 'main.cpp is a symbolic link' },
      {
        entry: 's005@yesterday',
        reason: '"yesterday" is not an ISO-8601 time such as 2026-09-30T23:59:00Z',
      },
    ]);

    const second = zinc([...args, '--data-dir', dataDir, '--json']);
    expect(JSON.parse(second.stdout)).toMatchObject({
      collectionId: summary.collectionId,
      imported: 0,
      skipped: 5,
    });

    const latest = zinc([
      'deliveries',
      'list',
      summary.collectionId,
      '--latest',
      '--json',
      '--data-dir',
      dataDir,
    ]);
    expect(latest.status).toBe(0);
    const deliveries = JSON.parse(latest.stdout) as Array<{
      userId: string;
      submittedAt: string;
      manifest: Array<{ path: string }>;
    }>;
    expect(deliveries.map((d) => [d.userId, d.submittedAt])).toEqual([
      ['s001', '2026-09-12T10:00:00.000Z'],
      ['s002', '2026-09-11T01:30:00.000Z'],
      ['s003', '2026-09-11T12:00:00.000Z'],
      ['s006', expect.any(String)],
    ]);
    expect(deliveries[0]!.manifest.map((m) => m.path)).toEqual(['src/main.cpp']);
    const all = JSON.parse(
      zinc(['deliveries', 'list', summary.collectionId, '--json', '--data-dir', dataDir]).stdout,
    ) as unknown[];
    expect(all).toHaveLength(5);

    const table = zinc(['collections', 'list', '--data-dir', dataDir]);
    expect(table.stdout).toMatch(new RegExp(`${summary.collectionId} +COMP2012 +Lab 1 +main`));
  });

  it('names an unknown collection and a missing folder', () => {
    const dataDir = tempDir();
    const unknown = zinc(['deliveries', 'list', 'col_nope', '--data-dir', dataDir]);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr.trim()).toBe('zinc: collection col_nope does not exist');
    const missing = zinc([
      'import',
      join(dataDir, 'nowhere'),
      '--course',
      'C',
      '--activity',
      'A',
      '--collection',
      'c',
      '--data-dir',
      dataDir,
    ]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/zinc: cannot read the import folder .*nowhere/);
  });
});

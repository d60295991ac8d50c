// `zinc import`, `zinc collections list` and `zinc deliveries list`, run as people run them.
import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTar, makeZip } from './helpers/archives.js';
import { repoRoot, tempDir } from './helpers/temporal.js';
import { zincBin } from './helpers/zinc-bin.js';

function zinc(args: string[]) {
  const run = spawnSync(process.execPath, [zincBin(), ...args], {
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
    const first = zinc([...args, '--as', 'ta1', '--data-dir', dataDir, '--json']);
    expect(first.status).toBe(1); // some entries were refused
    const summary = JSON.parse(first.stdout) as {
      collectionId: string;
      imported: number;
      skipped: number;
      rejected: Array<{ entry: string; reason: string }>;
      courseCreated: boolean;
      staff: string | null;
    };
    expect(summary.collectionId).toMatch(/^col_/);
    // The import made the course, so the importer is its staff (and may grade it).
    expect(summary).toMatchObject({ courseCreated: true, staff: 'ta1' });
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

    const second = zinc([...args, '--as', 'intruder', '--data-dir', dataDir, '--json']);
    expect(JSON.parse(second.stdout)).toMatchObject({
      collectionId: summary.collectionId,
      imported: 0,
      skipped: 5,
      courseCreated: false,
      staff: null,
    });
    // Importing into an existing course makes nobody staff of it.
    const staffToken = zinc(['token', 'create', '--user', 'ta1', '--data-dir', dataDir]);
    expect(staffToken.stdout).toMatch(/for ta1 \(staff of COMP2012\)/);
    const intruderToken = zinc(['token', 'create', '--user', 'intruder', '--data-dir', dataDir]);
    expect(intruderToken.status).not.toBe(0);
    expect(intruderToken.stderr).toMatch(/intruder is not a member of any course/);

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

  it('refuses hidden, non-UTF-8 and twin names and counts folders, storing nothing for them; keeps option-like names', () => {
    const dir = tempDir();
    const at = (name: string | Buffer) =>
      Buffer.concat([Buffer.from(`${dir}/`), Buffer.from(name)]);
    const put = (name: string | Buffer, content = 'x') => {
      const path = at(name);
      mkdirSync(path.subarray(0, path.lastIndexOf('/')), { recursive: true });
      writeFileSync(path, content);
    };
    // Legal, though they look like options: stored and listed as given.
    put('s010@2026-09-12T10:00:00Z/-DX.c', 'dx');
    put('s010@2026-09-12T10:00:00Z/@args.txt', 'args');
    put('s010@2026-09-12T10:00:00Z/src/-Wl,-Map=y.c', 'map');
    mkdirSync(at('s010@2026-09-12T10:00:00Z/empty'));
    put(Buffer.from('s011@2026-09-12T10:00:00Z/caf\xe9.c', 'latin1'));
    put('s012@2026-09-12T10:00:00Z/main\u202Eppc.c');
    put('s013@2026-09-12T10:00:00Z/Main.cpp');
    put('s013@2026-09-12T10:00:00Z/main.cpp');
    put('s014@2026-09-12T10:00:00Z/caf\u00E9.c');
    put('s014@2026-09-12T10:00:00Z/cafe\u0301.c');
    put('s015@2026-09-12T10:00:00Z/main.c');
    for (const i of [1, 2, 3, 4, 5]) mkdirSync(at(`s015@2026-09-12T10:00:00Z/empty${i}`));
    put('s016@2026-09-12T10:00:00Z/src\u200B/main.c');
    put(Buffer.from('s017\xff/main.c', 'latin1'));
    const config = join(tempDir(), 'zinc.yaml');
    writeFileSync(config, 'submission:\n  limits:\n    max_files: 5\n');
    const dataDir = tempDir();
    const common = ['--config', config, '--data-dir', dataDir];
    const first = zinc([
      'import',
      dir,
      '--course',
      'C',
      '--activity',
      'A',
      '--collection',
      'c',
      '--json',
      ...common,
    ]);
    expect(first.status).toBe(1);
    const summary = JSON.parse(first.stdout) as {
      collectionId: string;
      imported: number;
      rejected: Array<{ entry: string; reason: string }>;
    };
    expect(summary.imported).toBe(1);
    expect(summary.rejected).toEqual([
      { entry: 's011@2026-09-12T10:00:00Z', reason: '"caf\\xE9.c": the name is not valid UTF-8' },
      {
        entry: 's012@2026-09-12T10:00:00Z',
        reason:
          '"main\\u202Eppc.c": the name holds U+202E, a bidirectional control character, which makes a name display as something it is not',
      },
      {
        entry: 's013@2026-09-12T10:00:00Z',
        reason:
          '"Main.cpp" and "main.cpp" differ only by letter case: they are one file on Windows and macOS',
      },
      {
        entry: 's014@2026-09-12T10:00:00Z',
        reason:
          '"cafe\\u0301.c" and "caf\\u00E9.c" differ only by Unicode normalisation (NFC and NFD forms of the same text): they look the same and are one file on macOS',
      },
      {
        entry: 's015@2026-09-12T10:00:00Z',
        reason: 'has more than 5 files and folders (limit 5; folders count too); refused at main.c',
      },
      {
        entry: 's016@2026-09-12T10:00:00Z',
        reason:
          '"src\\u200B": the name holds U+200B, a zero-width character, which makes a name look like another',
      },
      { entry: 's017\\xFF', reason: 'the name is not valid UTF-8' },
    ]);

    const listed = zinc(['deliveries', 'list', summary.collectionId, '--json', ...common]);
    const deliveries = JSON.parse(listed.stdout) as Array<{
      id: string;
      userId: string;
      manifest: Array<{ path: string; size: number }>;
    }>;
    expect(deliveries.map((d) => [d.userId, d.manifest.map((m) => [m.path, m.size])])).toEqual([
      [
        's010',
        [
          ['-DX.c', 2],
          ['@args.txt', 4],
          ['src/-Wl,-Map=y.c', 3],
        ],
      ],
    ]);
    // The only objects are the accepted delivery's files.
    const objects = spawnSync('find', [join(dataDir, 'objects'), '-type', 'f'], {
      encoding: 'utf8',
    });
    expect(
      objects.stdout
        .trim()
        .split('\n')
        .map((f) => f.replace(/^.*\/dlv_[^/]+\//, ''))
        .sort(),
    ).toEqual(['-DX.c', '@args.txt', 'src/-Wl,-Map=y.c']);
    expect(objects.stdout).toContain(`/${deliveries[0]!.id}/`);
  });

  it('names an unknown collection and a missing folder', () => {
    const dataDir = tempDir();
    const unknown = zinc(['deliveries', 'list', 'col_nope', '--data-dir', dataDir]);
    expect(unknown.status).toBe(4); // something named is missing (docs/commands.md)
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

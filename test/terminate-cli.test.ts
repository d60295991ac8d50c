// `zinc batch terminate` as staff run it, each command starting the embedded stack for as long as
// it needs it: a student is refused (exit code 3, audited, the batch runs on); staff end the
// batch, which then reads terminated in `zinc batch status`, `zinc batch list` and the audit log.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { BatchSummary } from '../src/workflows/grading/types.js';
import { repoRoot, tempDir } from './helpers/temporal.js';
import { ADD_CONFIG } from './helpers/sum-course.js';
import { zincBin } from './helpers/zinc-bin.js';
import { cliCourse } from './helpers/cli-course.js';

// Each test of a delivery sleeps 3 s: six deliveries one at a time outlast the commands below.
const SLOW_ADD =
  '#include <chrono>\n#include <iostream>\n#include <thread>\nint main(){std::this_thread::sleep_for(std::chrono::seconds(3));long a,b;std::cin>>a>>b;std::cout<<a+b<<"\\n";}\n';

function zinc(dataDir: string, args: string[]) {
  const run = spawnSync(process.execPath, [zincBin(), '--data-dir', dataDir, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, ZINC_USER: 'ta' },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('zinc batch terminate', () => {
  it('refuses a student and ends the batch for staff: terminated in status, list and audit', () => {
    const dataDir = tempDir();
    const programs = Object.fromEntries(
      ['s1', 's2', 's3', 's4', 's5', 's6'].map((student) => [student, SLOW_ADD]),
    );
    const { collectionId } = cliCourse((args) => zinc(dataDir, args), {
      programs,
      config: ADD_CONFIG,
    });
    const started = zinc(dataDir, [
      'grade',
      collectionId,
      '--concurrency',
      '1',
      '--no-wait',
      '--json',
    ]);
    expect(started.status, started.stderr).toBe(0);
    const { batchId } = JSON.parse(started.stdout) as { batchId: string };

    const refused = zinc(dataDir, [
      'batch',
      'terminate',
      batchId,
      '--reason',
      'mine',
      '--as',
      's1',
    ]);
    expect(refused.status, refused.stderr).toBe(3);
    expect(refused.stderr).toBe(
      'zinc batch terminate: s1 is not staff of course C1, so may not pause, resume, cancel or terminate batches of its collections\n',
    );
    const running = JSON.parse(
      zinc(dataDir, ['batch', 'list', '--collection', collectionId, '--json']).stdout,
    ) as Array<{ batchId: string; status: string }>;
    expect(running.find((b) => b.batchId === batchId)?.status).toBe('running');

    const done = zinc(dataDir, ['batch', 'terminate', batchId, '--reason', 'wrong config']);
    expect(done.status, done.stderr).toBe(0);
    expect(done.stdout).toBe(`Batch ${batchId}: terminated (wrong config).\n`);

    const status = JSON.parse(
      zinc(dataDir, ['batch', 'status', batchId, '--json']).stdout,
    ) as BatchSummary;
    expect(status).toMatchObject({
      batchId,
      status: 'terminated',
      reason: 'terminated by ta: wrong config',
    });
    expect(status.done).toBeLessThan(6);
    const list = JSON.parse(
      zinc(dataDir, ['batch', 'list', '--collection', collectionId, '--json']).stdout,
    ) as Array<{ batchId: string; status: string }>;
    expect(list.find((b) => b.batchId === batchId)?.status).toBe('terminated');

    const audit = JSON.parse(zinc(dataDir, ['audit', '--json']).stdout) as Array<{
      actor: string;
      action: string;
      target: string;
      outcome: string;
    }>;
    const rows = audit.filter((r) => r.target === batchId && r.action === 'batch.terminate');
    expect(rows.map((r) => [r.actor, r.outcome])).toEqual([
      [
        's1',
        'refused: s1 is not staff of course C1, so may not pause, resume, cancel or terminate batches of its collections',
      ],
      ['ta', 'accepted'],
    ]);
    expect(audit).toContainEqual(
      expect.objectContaining({ target: batchId, action: 'batch.finish', outcome: 'terminated' }),
    );
  }, 600_000);
});

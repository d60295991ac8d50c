// The read commands with no zinc stack running, as a TA runs them after `zinc up` has stopped:
// `zinc batch list`, `batch status`, `collections list`, `deliveries list` and `audit` answer
// from the embedded database and start no Temporal server (the dev server's log in the data dir
// does not grow, and no server state file appears). An ended batch shows its stored summary, the
// same as the workflow returned; a batch whose zinc up stopped mid-way shows its record and says
// that it makes no progress until zinc up runs again; an unknown batch says where it looked.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BatchSummary } from '../src/workflows/grading/types.js';
import { cliCourse } from './helpers/cli-course.js';
import { ADD_CONFIG, PROGRAMS } from './helpers/sum-course.js';
import { exitOf, repoRoot, tempDir } from './helpers/temporal.js';
import { zincBin } from './helpers/zinc-bin.js';

function zinc(dataDir: string, args: string[]) {
  const run = spawnSync(process.execPath, [zincBin(), '--data-dir', dataDir, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 600_000,
    env: { ...process.env, ZINC_USER: 'ta' },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

function json<T>(run: ReturnType<typeof zinc>): T {
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as T;
}

describe('read commands with no zinc stack running', () => {
  it('answer from the database and start no Temporal server, for ended and interrupted batches', async () => {
    const dataDir = tempDir();
    const students = ['s1', 's2', 's3', 's4'];
    const { collectionId } = cliCourse((args) => zinc(dataDir, args), {
      programs: Object.fromEntries(students.map((s) => [s, PROGRAMS.slow])),
      config: ADD_CONFIG,
    });

    // One batch graded to the end beside zinc up, a second stopped with zinc up mid-way.
    const up = spawn(process.execPath, [zincBin(), '--data-dir', dataDir, 'up'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ZINC_API_PORT: '0', ZINC_METRICS_ADDRESS: '127.0.0.1:0' },
    });
    let summary: BatchSummary;
    let interrupted: string;
    try {
      let out = '';
      up.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      for (let i = 0; i < 1200 && !out.includes('Press Ctrl-C'); i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(out).toContain('Press Ctrl-C');
      summary = json<BatchSummary>(zinc(dataDir, ['grade', collectionId, '--json']));
      expect(summary).toMatchObject({ status: 'completed', done: 4 });
      interrupted = json<{ batchId: string }>(
        zinc(dataDir, ['grade', collectionId, '--concurrency', '1', '--no-wait', '--json']),
      ).batchId;
      // Live progress from the workflow while zinc up runs.
      let done = 0;
      for (let i = 0; i < 600 && done < 1; i++) {
        const live = json<{ done: number; status: string }>(
          zinc(dataDir, ['batch', 'status', interrupted, '--json']),
        );
        expect(live.status).toBe('running');
        done = live.done;
        if (done < 1) await new Promise((r) => setTimeout(r, 200));
      }
      expect(done).toBeGreaterThanOrEqual(1);
    } finally {
      up.kill('SIGTERM');
    }
    expect(await exitOf(up)).toBe(0);

    const serverLog = join(dataDir, 'temporal', 'server.log');
    const serverState = join(dataDir, 'temporal', 'server.json');
    const logSize = statSync(serverLog).size;
    expect(existsSync(serverState)).toBe(false);

    const listed = json<Array<{ batchId: string; status: string; collectionId: string }>>(
      zinc(dataDir, ['batch', 'list', '--json']),
    );
    expect(listed.map((b) => [b.batchId, b.status, b.collectionId])).toEqual([
      [interrupted, 'running', collectionId],
      [summary.batchId, 'completed', collectionId],
    ]);
    const table = zinc(dataDir, ['batch', 'list']);
    expect(table.stdout).toMatch(new RegExp(`${summary.batchId} +completed +${collectionId}`));

    expect(
      json<BatchSummary>(zinc(dataDir, ['batch', 'status', summary.batchId, '--json'])),
    ).toEqual({ ...summary, release: null }); // not released to students
    const ended = zinc(dataDir, ['batch', 'status', summary.batchId]);
    expect(ended.stdout).toContain(`Batch ${summary.batchId}: completed\n`);
    expect(ended.stdout).toContain('4 of 4 deliveries graded, 0 errored');

    const recorded = json<{ status: string; done: number; total: number; live: boolean }>(
      zinc(dataDir, ['batch', 'status', interrupted, '--json']),
    );
    expect(recorded).toMatchObject({ status: 'running', total: 4, live: false });
    // The record is written every few deliveries: it may lag what the workflow had done.
    expect(recorded.done).toBeLessThan(4);
    const text = zinc(dataDir, ['batch', 'status', interrupted]);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toContain(`Batch ${interrupted}: running, ${recorded.done}/4 done`);
    expect(text.stdout).toContain(
      `no Temporal server runs, so the batch makes no progress; it goes on the next time zinc up, or zinc batch watch ${interrupted}, runs`,
    );

    const unknown = zinc(dataDir, ['batch', 'status', 'batch-nope']);
    expect(unknown.status).toBe(4);
    expect(unknown.stderr).toContain(
      'zinc: batch batch-nope is not recorded in the database, and no Temporal server runs to ask',
    );

    const collections = json<Array<{ id: string; name: string }>>(
      zinc(dataDir, ['collections', 'list', '--json']),
    );
    expect(collections.map((c) => [c.id, c.name])).toEqual([[collectionId, 'main']]);
    const deliveries = json<Array<{ userId: string }>>(
      zinc(dataDir, ['deliveries', 'list', collectionId, '--json']),
    );
    expect(deliveries.map((d) => d.userId).sort()).toEqual(students);
    const audit = json<Array<{ action: string; target: string; outcome: string }>>(
      zinc(dataDir, ['audit', '--json']),
    );
    expect(audit).toContainEqual(
      expect.objectContaining({
        action: 'batch.finish',
        target: summary.batchId,
        outcome: 'completed',
      }),
    );

    // No read started a Temporal server: its log did not grow and it left no state file.
    expect(statSync(serverLog).size).toBe(logSize);
    expect(existsSync(serverState)).toBe(false);
  }, 900_000);
});

// The batch commands as a TA runs them, each starting the embedded stack for as long as it
// needs it: zinc demo, then grade, results, status, list and regrade-failed on one data dir.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BatchSummary } from '../src/workflows/grading/types.js';
import { repoRoot, tempDir } from './helpers/temporal.js';
import { ADD_CONFIG } from './helpers/sum-course.js';
import { zincBin } from './helpers/zinc-bin.js';
import { cliCourse } from './helpers/cli-course.js';

function zinc(dataDir: string, args: string[]) {
  const run = spawnSync(process.execPath, [zincBin(), '--data-dir', dataDir, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 600_000,
    env: { ...process.env, ZINC_USER: 'ta' },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('zinc demo', () => {
  it('grades 60 students whose latest deliveries cover every verdict, and runs again', () => {
    const dataDir = tempDir();
    const first = zinc(dataDir, ['demo', '--json']);
    expect(first.status, first.stderr).toBe(0);
    const summary = JSON.parse(first.stdout) as BatchSummary;
    expect(summary).toMatchObject({ status: 'completed', total: 60, done: 60, errored: 0 });
    for (const verdict of [
      'PASSED',
      'WRONG_OUTPUT',
      'COMPILE_ERROR',
      'TIME_LIMIT_EXCEEDED',
      'RUNTIME_ERROR',
      'MEMORY_LIMIT_EXCEEDED',
      'OUTPUT_LIMIT_EXCEEDED',
      'MISSING_FILES',
    ]) {
      expect(summary.counts[verdict], verdict).toBeGreaterThan(0);
    }
    const again = zinc(dataDir, ['demo', '--json']);
    expect(again.status, again.stderr).toBe(0);
    const second = JSON.parse(again.stdout) as BatchSummary;
    expect(second.batchId).toBe(summary.batchId.replace(/-1$/, '-2'));
    expect(second.counts).toEqual(summary.counts);
  }, 900_000);
});

describe('zinc grade and zinc batch', () => {
  it('grades a collection, prints results as CSV, lists it, and refuses a non-staff requester', () => {
    const dataDir = tempDir();
    const program = (op: string) =>
      `#include <iostream>\nint main(){long a,b;std::cin>>a>>b;std::cout<<a${op}b<<"\\n";}\n`;
    const { collectionId, configVersion } = cliCourse((args) => zinc(dataDir, args), {
      programs: { s1: program('+'), s2: program('*') },
      config: ADD_CONFIG,
    });
    expect(configVersion).toMatch(/^cfg_[0-9a-f]{16}$/);

    const graded = zinc(dataDir, ['grade', collectionId, '--json']);
    expect(graded.status, graded.stderr).toBe(0);
    const summary = JSON.parse(graded.stdout) as BatchSummary;
    expect(summary).toMatchObject({
      status: 'completed',
      done: 2,
      counts: { PASSED: 1, WRONG_OUTPUT: 1 },
    });

    // The command's log (its terminal is the user's): JSON lines with the batch's, the
    // workflow's and each delivery's IDs, and nothing of the students' code or the tests' data.
    const logText = readFileSync(join(dataDir, 'logs', 'zinc.log'), 'utf8');
    const entries = logText
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const started = entries.find((e) => e.msg === 'batch started');
    expect(started).toMatchObject({
      level: 'info',
      batchId: summary.batchId,
      workflowId: summary.batchId,
      collectionId,
      total: 2,
    });
    expect(started?.runId).toMatch(/^[0-9a-f-]{36}$/);
    const gradedLines = entries.filter((e) => e.msg === 'delivery graded');
    expect(gradedLines).toHaveLength(2);
    for (const entry of gradedLines) {
      expect(entry).toMatchObject({
        batchId: summary.batchId,
        // Deliveries go out in groups by default (grading.deliveries_per_activity).
        activityType: 'ExecutePipelines',
        taskQueue: 'zinc-pipeline-default',
      });
      expect(entry.deliveryId).toMatch(/^dlv_/);
    }
    expect(entries.find((e) => e.msg === 'batch finished')).toMatchObject({
      status: 'completed',
      done: 2,
    });
    expect(logText).not.toMatch(/std::cin|"2 2"|a\*b/);

    const csv = zinc(dataDir, ['batch', 'results', summary.batchId, '--format', 'csv']);
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toBe(
      'student,verdict,score,max_score,points,max_points,late,late_by,identical_group,identical_to,reason,submitted_at,delivery,batch,stdioTest#1,stdioTest#2',
    );
    expect(lines[1]).toMatch(/^s1,PASSED,100,100,2,2,.*,dlv_\w+,batch-\S+,1,1$/);
    expect(lines[2]).toMatch(/^s2,WRONG_OUTPUT,50,100,1,2,.*,dlv_\w+,batch-\S+,1,0$/);

    const status = JSON.parse(
      zinc(dataDir, ['batch', 'status', summary.batchId, '--json']).stdout,
    ) as BatchSummary;
    expect(status).toMatchObject({ batchId: summary.batchId, status: 'completed' });
    const list = JSON.parse(
      zinc(dataDir, ['batch', 'list', '--collection', collectionId, '--json']).stdout,
    ) as Array<{
      batchId: string;
      status: string;
    }>;
    expect(list.map((b) => b.batchId)).toContain(summary.batchId);

    // Refused in the core before any workflow starts (test/batch-admission.test.ts checks that
    // nothing started), saying how to become staff.
    const refused = zinc(dataDir, ['grade', collectionId, '--as', 's1']);
    expect(refused.status, refused.stderr).toBe(3);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toBe(
      'zinc grade: s1 is not staff of course C1, so may not start batches of its collections\n' +
        'To grade it, s1 must be staff of course C1: zinc user add s1 --course C1 --role staff\n',
    );
  });
});

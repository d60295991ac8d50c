// The benchmarks the README's tables show (orchestration, live feedback) run as written, here with
// small sizes: each prints the figures the table quotes (a benchmark that no longer runs, or no
// longer prints what it is read for, fails here, not on the day someone measures).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/temporal.js';
import { zincBin } from './helpers/zinc-bin.js';

const run = promisify(execFile);

/** `npm run bench:orchestration -- <args>` without npm's build step (the suite built dist/). */
async function orchestration(...args: string[]): Promise<string> {
  zincBin(); // dist/ is current: throughput and scale grade with the built `zinc up`
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', 'bench/orchestration.ts', ...args],
    { cwd: repoRoot, maxBuffer: 16 << 20, timeout: 240_000 },
  );
  return stdout;
}

describe('bench:orchestration', () => {
  it('throughput: a zinc up process grades every delivery and its memory is reported', async () => {
    const out = await orchestration('throughput', '60', '4');
    expect(out).toContain('graded by a zinc up process');
    expect(out).toContain('status completed: 60 graded, 0 errored');
    expect(out).toMatch(/\d+\.\d deliveries\/s/);
    const peak =
      /zinc up peak RSS \([^)]*PGlite\): (\d+) MiB; Temporal dev server peak RSS: (\d+) MiB/.exec(
        out,
      );
    expect(peak, out).not.toBeNull();
    // A real process's memory: more than Node alone, and the dev server's too.
    expect(Number(peak![1])).toBeGreaterThan(50);
    expect(Number(peak![2])).toBeGreaterThan(20);
  }, 300_000);

  it('overhead: three pairs of direct and workflow runs, each with its profile, and the median', async () => {
    const out = await orchestration('overhead', '4', '2');
    for (const pair of [1, 2, 3]) {
      expect(out).toMatch(
        new RegExp(
          `pair ${pair} .*direct \\d+\\.\\d s, workflow \\d+\\.\\d s \\(4 graded, 0 errored\\)`,
        ),
      );
    }
    expect(out.match(/event loop delay: direct mean/g)).toHaveLength(3);
    expect(out).toMatch(/ratio workflow\/direct, median of the pairs: \d\.\d{3}/);
  }, 300_000);
});

describe('bench:live', () => {
  it('priority: live uploads during a batch, on the live queue and on the batch queue', async () => {
    const { stdout: out } = await run(
      process.execPath,
      ['--import', 'tsx', 'bench/live.ts', 'priority', '40', '2'],
      { cwd: repoRoot, maxBuffer: 16 << 20, timeout: 240_000 },
    );
    expect(
      out.match(/live queue: upload at \d+% of the batch done: live report after/g),
    ).toHaveLength(3);
    expect(out).toMatch(/live queue \(slots of its own\): +\d+\.\d\d s/);
    expect(out).toMatch(/batch queue, ahead of the batch \(key 1\): \d+\.\d\d s/);
    expect(out).toMatch(/ratio batch queue\/live queue: \d+\.\d/);
  }, 300_000);
});

// Sandbox overhead per test: a delivery's tests run in one sandbox (each on a fresh copy of
// /work, in a fresh mount namespace, its cgroup limits reset) against the same binary spawned
// plainly. Reports, for deliveries of 1 and of 50 tests, the overhead per test over a plain
// spawn, with and without the sandbox's start and stop counted, and the design before (a fresh
// sandbox for every command) measured in the same run.
// Run: npm run bench:sandbox [-- rounds]   (builds the launcher first if needed)
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  describeContainment,
  detectContainment,
  openSandbox,
  type SandboxLimits,
} from '../src/extensions/pipeline/sandbox/index.js';
import { projectRoot } from '../src/platform/paths.js';

const rounds = Number(process.argv[2] ?? 5);
const limits: SandboxLimits = {
  wallTimeMs: 10_000,
  cpuTimeMs: 10_000,
  memoryBytes: 256 * 1024 * 1024,
  maxProcesses: 16,
  maxFileBytes: 16 * 1024 * 1024,
  outputBytes: 1024 * 1024,
  tmpBytes: 16 * 1024 * 1024,
};
const SOURCE =
  '#include <stdio.h>\nint main(void) { int a, b; if (scanf("%d %d", &a, &b) == 2) printf("%d\\n", a + b); return 0; }\n';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function plainRun(binary: string, cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, [], { cwd, stdio: ['pipe', 'ignore', 'ignore'] });
    child.on('error', reject);
    child.on('close', () => resolve());
    child.stdin.end('2 3\n');
  });
}

/** One delivery of `tests` tests, plainly and in one sandbox; times in ms. */
async function delivery(tests: number, binary: Buffer, hostDir: string) {
  let started = performance.now();
  for (let i = 0; i < tests; i++) await plainRun(join(hostDir, 'sum'), hostDir);
  const plain = performance.now() - started;

  started = performance.now();
  const started0 = started;
  const sandbox = await openSandbox({ files: [{ path: 'sum', content: binary, mode: 0o755 }] });
  const opened = performance.now();
  for (let i = 0; i < tests; i++) {
    const result = await sandbox.run({
      command: ['./sum'],
      limits,
      stdin: '2 3\n',
      isolated: true,
    });
    if (result.stdout.toString() !== '5\n') throw new Error('the test failed in the sandbox');
  }
  const ran = performance.now();
  await sandbox.close();
  const closed = performance.now();

  // The design before: a fresh sandbox for every command.
  started = performance.now();
  for (let i = 0; i < tests; i++) {
    const own = await openSandbox({ files: [{ path: 'sum', content: binary, mode: 0o755 }] });
    await own.run({ command: ['./sum'], limits, stdin: '2 3\n' });
    await own.close();
  }
  const fresh = performance.now() - started;
  return { plain, runs: ran - opened, whole: closed - started0, fresh };
}

async function main(): Promise<void> {
  execFileSync('bash', [join(projectRoot(), 'scripts', 'build-sandbox-helper.sh')], {
    stdio: 'inherit',
  });
  console.log(`containment: ${describeContainment(detectContainment())}`);
  const hostDir = mkdtempSync(join(tmpdir(), 'zinc-bench-sandbox-'));
  try {
    writeFileSync(join(hostDir, 'sum.c'), SOURCE);
    execFileSync('gcc', ['-O2', '-o', join(hostDir, 'sum'), join(hostDir, 'sum.c')]);
    const binary = readFileSync(join(hostDir, 'sum'));
    await delivery(3, binary, hostDir); // warm-up
    for (const tests of [1, 50]) {
      const samples = [];
      for (let round = 0; round < rounds; round++)
        samples.push(await delivery(tests, binary, hostDir));
      const plain = median(samples.map((s) => s.plain)) / tests;
      const runs = median(samples.map((s) => s.runs)) / tests;
      const whole = median(samples.map((s) => s.whole)) / tests;
      const fresh = median(samples.map((s) => s.fresh)) / tests;
      console.log(`${tests} test(s) per delivery, median of ${rounds} deliveries, per test:`);
      console.log(`  plain spawn                       ${plain.toFixed(2)} ms`);
      console.log(
        `  sandboxed run                     ${runs.toFixed(2)} ms  (overhead ${(runs - plain).toFixed(2)} ms)`,
      );
      console.log(
        `  with the sandbox's start and stop ${whole.toFixed(2)} ms  (overhead ${(whole - plain).toFixed(2)} ms)`,
      );
      console.log(
        `  a fresh sandbox per test (before) ${fresh.toFixed(2)} ms  (overhead ${(fresh - plain).toFixed(2)} ms; ${(fresh / whole).toFixed(1)}x one sandbox per delivery)`,
      );
    }
  } finally {
    rmSync(hostDir, { recursive: true, force: true });
  }
}

await main();

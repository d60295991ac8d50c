// Sandbox overhead: a trivial program run N times in the bubblewrap sandbox vs a plain spawn.
// Run: node --import tsx bench/sandbox.ts [N]   (builds the launcher first if needed)
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  createSandboxWorkDir,
  removeSandboxWorkDir,
  runSandboxed,
  type SandboxLimits,
} from '../src/extensions/pipeline/sandbox/index.js';
import { projectRoot } from '../src/platform/paths.js';

const runs = Number(process.argv[2] ?? 50);
const warmUp = 3;
const limits: SandboxLimits = {
  wallTimeMs: 10_000,
  cpuTimeMs: 10_000,
  memoryBytes: 256 * 1024 * 1024,
  maxProcesses: 16,
  maxFileBytes: 16 * 1024 * 1024,
  outputBytes: 1024 * 1024,
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function plainSpawn(command: string[], cwd: string): Promise<number> {
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), { cwd, stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', () => resolve());
  });
  return performance.now() - started;
}

/** Runs `command` `runs` times (after a warm-up) each way; returns the timings in ms. */
async function measure(command: string[], workDir: string) {
  const plain: number[] = [];
  const sandboxed: number[] = [];
  const inside: number[] = [];
  for (let i = 0; i < warmUp + runs; i++) {
    const plainMs = await plainSpawn(command, workDir);
    const started = performance.now();
    const result = await runSandboxed({ workDir, command, limits });
    const sandboxMs = performance.now() - started;
    if (result.exitCode !== 0) throw new Error(`${command.join(' ')} failed in the sandbox`);
    if (i < warmUp) continue;
    plain.push(plainMs);
    sandboxed.push(sandboxMs);
    inside.push(result.wallTimeMs);
  }
  return { plain, sandboxed, inside };
}

function report(name: string, timings: Awaited<ReturnType<typeof measure>>): void {
  const plain = median(timings.plain);
  const sandboxed = median(timings.sandboxed);
  console.log(`${name} (${runs} runs each, medians):`);
  console.log(`  plain spawn        ${plain.toFixed(2)} ms`);
  console.log(
    `  sandboxed          ${sandboxed.toFixed(2)} ms (p90 ${percentile(timings.sandboxed, 90).toFixed(2)} ms)`,
  );
  console.log(
    `  command's own wall ${median(timings.inside).toFixed(2)} ms (as the launcher measured it)`,
  );
  console.log(`  sandbox overhead   ${(sandboxed - plain).toFixed(2)} ms per run`);
  console.log(`  ratio              ${(sandboxed / plain).toFixed(1)}x`);
}

execFileSync('bash', [join(projectRoot(), 'scripts', 'build-sandbox-helper.sh')], {
  stdio: 'inherit',
});
const workDir = await createSandboxWorkDir('zinc-bench-');
try {
  report('/bin/true', await measure(['/bin/true'], workDir));
  writeFileSync(
    join(workDir, 'hello.cpp'),
    '#include <cstdio>\nint main() { std::puts("Hello, world!"); }\n',
  );
  execFileSync('g++', ['-O2', '-o', join(workDir, 'hello'), join(workDir, 'hello.cpp')]);
  report('compiled C++ hello', await measure(['./hello'], workDir));
} finally {
  await removeSandboxWorkDir(workDir);
}

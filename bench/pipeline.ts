// The grading engine end to end: one C++ delivery, a compile and 10 stdioTests through
// runPipeline in the real sandbox, a few times. Prints the median total, the compile stage and
// the per-test times (host time per test, and the program's own time inside the sandbox).
// Run: node --import tsx bench/pipeline.ts [repetitions]   (builds the launcher first if needed)
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseGradingConfig } from '../src/extensions/pipeline/config/index.js';
import type { StageReport } from '../src/extensions/pipeline/report/index.js';
import { runPipeline } from '../src/extensions/pipeline/runner/index.js';
import { projectRoot } from '../src/platform/paths.js';

const repetitions = Number(process.argv[2] ?? 5);
const TESTS = 10;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

execFileSync('bash', [join(projectRoot(), 'scripts', 'build-sandbox-helper.sh')], {
  stdio: 'inherit',
});
const gxx = execFileSync('g++', ['-dumpversion'], { encoding: 'utf8' }).trim().split('.')[0]!;
const testCases = Array.from({ length: TESTS }, (_, i) => {
  const [a, b] = [i + 1, 2 * i + 3];
  return `    - { id: ${i + 1}, file: rational, stdin: "${a}/${b} + 1/${b}", expected: "${(a + 1) / gcd(a + 1, b)}/${b / gcd(a + 1, b)}", score: 1 }`;
});
function gcd(x: number, y: number): number {
  return y === 0 ? x : gcd(y, x % y);
}
const yaml = `_settings:
  lang: cpp/g++:${gxx}
  use_template: FILENAMES
  template: [rational.cpp]
  stage_wait_duration_secs: 30
  mem_gb: 1
compile:
  input: ["*.cpp"]
  output: rational
  flags: ["-std=c++17", "-O2"]
stdioTest:
  diff_ignore_flags: [TRAILING_WHITESPACE]
  testCases:
${testCases.join('\n')}
score:
  normalizedTo: 100
`;
const source = `#include <iostream>
#include <numeric>
int main() {
  long a, b, c, d; char s1, op, s2;
  std::cin >> a >> s1 >> b >> op >> c >> s2 >> d;
  long n = op == '+' ? a * d + c * b : a * d - c * b, m = b * d, g = std::gcd(n, m);
  std::cout << n / g << "/" << m / g << "\\n";
}
`;
const parsed = parseGradingConfig(yaml, { assets: [] });
if (!parsed.ok) throw new Error(parsed.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));

const totals: number[] = [];
const compiles: number[] = [];
const compilerOwn: number[] = [];
const perTestHost: number[] = [];
const perTestProgram: number[] = [];
for (let i = 0; i <= repetitions; i++) {
  const started = performance.now();
  const report = await runPipeline({
    config: parsed.config,
    configVersion: 'cfg_bench',
    files: [{ path: 'rational.cpp', content: Buffer.from(source) }],
    assets: [],
  });
  const total = performance.now() - started;
  if (report.score !== 100) throw new Error(`bench delivery scored ${report.score}, not 100`);
  if (i === 0) continue; // warm-up: page cache, first compile
  const compile = report.stageReports.compile as Extract<StageReport, { kind: 'compile' }>;
  const tests = report.stageReports.stdioTest as Extract<StageReport, { kind: 'stdioTest' }>;
  totals.push(total);
  compiles.push(compile.durationMs);
  compilerOwn.push(compile.run?.wallTimeMs ?? 0);
  perTestHost.push(tests.durationMs / TESTS);
  perTestProgram.push(median(tests.tests.map((test) => test.timeMs)));
}

const ms = (value: number): string => `${value.toFixed(1)} ms`;
console.log(`runPipeline: 1 C++ delivery, compile + ${TESTS} stdioTests, ${repetitions} runs`);
console.log(`  total per delivery (median)        ${ms(median(totals))}`);
console.log(`  compile stage (median)             ${ms(median(compiles))}`);
console.log(`    of which g++ inside the sandbox  ${ms(median(compilerOwn))}`);
console.log(`  per test, host time (median)       ${ms(median(perTestHost))}`);
console.log(`  per test, program time (median)    ${ms(median(perTestProgram))}`);
console.log(
  `  sandbox overhead per test          ${ms(median(perTestHost) - median(perTestProgram))} ` +
    `(${(median(perTestHost) / Math.max(1, median(perTestProgram))).toFixed(0)}x the program)`,
);
console.log(
  `  compile share of the total         ${((100 * median(compiles)) / median(totals)).toFixed(0)}%`,
);

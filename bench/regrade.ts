// Regrades with and without the build cache, in one run: N C++ deliveries (each its own source)
// are graded with config v1 (compile + 10 stdioTests, one with a wrong expected output; the cache
// fills), then test 10 is fixed (config v2) and all N are regraded with the cache off, then on.
// Prints each pass's wall time and CPU time (zinc and everything it ran: bwrap, launcher, g++,
// tests) and the ratios; checks every cached regrade gives the uncached one's scores.
// Run: npm run bench:regrade [-- deliveries [concurrency]]   (defaults: 200 deliveries, 2 at once)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseGradingConfig, type GradingConfig } from '../src/extensions/pipeline/config/index.js';
import type { GradingReport } from '../src/extensions/pipeline/report/index.js';
import {
  createBuildCache,
  type BuildCache,
} from '../src/extensions/pipeline/runner/cache/index.js';
import { runPipeline } from '../src/extensions/pipeline/runner/index.js';
import { projectRoot } from '../src/platform/paths.js';

const deliveries = Number(process.argv[2] ?? 200);
const concurrency = Number(process.argv[3] ?? 2);
const TESTS = 10;

execFileSync('bash', [join(projectRoot(), 'scripts', 'build-sandbox-helper.sh')], {
  stdio: 'inherit',
});
const gxx = execFileSync('g++', ['-dumpversion'], { encoding: 'utf8' }).trim().split('.')[0]!;

/** Test i adds i and 2i; v1 expects a wrong sum for the last test, v2 the right one. */
function config(version: 1 | 2): GradingConfig {
  const tests = Array.from({ length: TESTS }, (_, i) => {
    const [a, b] = [i + 1, 2 * (i + 1)];
    const expected = version === 1 && i === TESTS - 1 ? a + b + 1 : a + b;
    return `    - { id: ${i + 1}, file: sum, stdin: "${a} ${b}", expected: "${expected}", score: 1 }`;
  });
  const yaml = `_settings:
  lang: cpp/g++:${gxx}
  use_template: FILENAMES
  template: [sum.cpp]
  stage_wait_duration_secs: 60
  mem_gb: 1
compile:
  input: ["*.cpp"]
  output: sum
  flags: ["-std=c++17", "-O2"]
stdioTest:
  testCases:
${tests.join('\n')}
score:
  normalizedTo: 100
`;
  const parsed = parseGradingConfig(yaml, { assets: [] });
  if (!parsed.ok) throw new Error(parsed.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  return parsed.config;
}

/** Delivery n: a small program of its own (a vector, a map, a lambda: a typical compile). */
const source = (n: number) => `#include <iostream>
#include <map>
#include <numeric>
#include <string>
#include <vector>
// student ${n}
int main() {
  long a, b;
  std::cin >> a >> b;
  std::vector<long> parts{a, b};
  std::map<std::string, long> seen{{"delivery", ${n}}};
  auto sum = [&] { return std::accumulate(parts.begin(), parts.end(), 0L); };
  std::cout << sum() + seen["delivery"] - ${n} << "\\n";
}
`;

/** User + system CPU seconds of this process and of every child it has waited for. */
function cpuSeconds(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  // utime, stime, cutime, cstime: fields 14-17 of stat(5), 12-15 after "pid (comm) ".
  const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
  return ticks / 100;
}

interface Pass {
  wallS: number;
  cpuS: number;
  reports: GradingReport[];
}

async function pass(cfg: GradingConfig, version: string, cache: BuildCache | undefined) {
  const reports: GradingReport[] = new Array<GradingReport>(deliveries);
  let next = 0;
  const cpu = cpuSeconds();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < deliveries) {
        const n = next++;
        reports[n] = await runPipeline({
          config: cfg,
          configVersion: version,
          files: [{ path: 'sum.cpp', content: Buffer.from(source(n)) }],
          assets: [],
          ...(cache === undefined ? {} : { buildCache: cache }),
        });
      }
    }),
  );
  return {
    wallS: (performance.now() - started) / 1000,
    cpuS: cpuSeconds() - cpu,
    reports,
  } satisfies Pass;
}

const dir = mkdtempSync(join(tmpdir(), 'zinc-bench-build-cache-'));
try {
  const cache = createBuildCache({ dir: join(dir, 'build-cache'), maxBytes: 2048 * 1024 * 1024 });
  const [v1, v2] = [config(1), config(2)];
  console.log(
    `regrade: ${deliveries} C++ deliveries, compile + ${TESTS} stdioTests, ${concurrency} at once`,
  );
  const first = await pass(v1, 'cfg_v1', cache);
  if (first.reports.some((r) => r.score !== 90)) throw new Error('v1 should score 90 everywhere');
  const off = await pass(v2, 'cfg_v2', undefined);
  const on = await pass(v2, 'cfg_v2', cache);
  on.reports.forEach((report, n) => {
    if (report.buildCache?.hit !== true) throw new Error(`delivery ${n}: no cache hit`);
    const uncached = off.reports[n]!;
    if (report.score !== uncached.score || report.score !== 100) {
      throw new Error(`delivery ${n}: cached ${report.score}, uncached ${uncached.score}`);
    }
  });
  const line = (name: string, p: Pass) =>
    console.log(
      `  ${name.padEnd(36)} wall ${p.wallS.toFixed(1).padStart(6)} s  cpu ${p.cpuS.toFixed(1).padStart(6)} s  (${((1000 * p.wallS) / deliveries).toFixed(0)} ms per delivery)`,
    );
  line('first grading, v1 (cache fills)', first);
  line('regrade v2, cache off', off);
  line('regrade v2, cache on', on);
  console.log(
    `  ratio off/on: wall ${(off.wallS / on.wallS).toFixed(2)}x, cpu ${(off.cpuS / on.cpuS).toFixed(2)}x (target: at least 3x)`,
  );
  console.log(
    `  capture cost (first grading vs uncached regrade): wall ${(first.wallS / off.wallS).toFixed(3)}x`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}

// Test helper: grades one demo delivery for real, the way the demo config says (g++ with its
// flags, then every test in the sandbox with its limits), without the pipeline runner, so the
// demo's content is checked on its own.
import { DEMO_ASSETS } from '../../src/cli/demo/assignment.js';
import { HEADER_FILE, TEMPLATE_FILE } from '../../src/cli/demo/header.js';
import type { DeliveryKind, DemoDelivery } from '../../src/cli/demo/students.js';
import type {
  CompileStage,
  GradingConfig,
  TestCase,
} from '../../src/extensions/pipeline/config/index.js';
import {
  classifyRun,
  openSandbox,
  type SandboxLimits,
} from '../../src/extensions/pipeline/sandbox/index.js';

const MiB = 1024 * 1024;

/** A test's verdict (DOMAIN.md). */
export type TestVerdict =
  | 'PASSED'
  | 'WRONG_OUTPUT'
  | 'TIME_LIMIT_EXCEEDED'
  | 'MEMORY_LIMIT_EXCEEDED'
  | 'RUNTIME_ERROR'
  | 'OUTPUT_LIMIT_EXCEEDED';

/** How one delivery fared: compiled or not, and each test's verdict by test id. */
export interface Outcome {
  variant: string;
  kind: DeliveryKind;
  compiled: boolean;
  compilerErrors: string;
  verdicts: Record<number, TestVerdict>;
}

// This helper's own sandbox uid, apart from other test files' sandboxes.
const sandboxOptions = { sandboxUid: 2_300_000 + Math.floor(Math.random() * 100_000) };

function compileLimits(config: GradingConfig): SandboxLimits {
  const wallTimeMs = config.settings.stage_wait_duration_secs * 1000;
  return {
    wallTimeMs,
    cpuTimeMs: wallTimeMs * config.settings.cpus,
    memoryBytes: config.settings.mem_gb * 1024 * MiB,
    maxProcesses: 64,
    maxFileBytes: 256 * MiB,
    outputBytes: 4 * MiB,
  };
}

function testLimits(config: GradingConfig, t: TestCase): SandboxLimits {
  const wallTimeMs = t.time_limit_secs * 1000;
  return {
    wallTimeMs,
    cpuTimeMs: wallTimeMs * config.settings.cpus,
    memoryBytes: t.memory_limit_mb * MiB,
    maxProcesses: 64,
    maxFileBytes: 64 * MiB,
    outputBytes: t.output_limit_kb * 1024,
  };
}

const withoutTrailingSpace = (text: string): string =>
  text
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .trimEnd();

/** Compiles a delivery as the config says and runs it against every test of the config. */
export async function grade(config: GradingConfig, delivery: DemoDelivery): Promise<Outcome> {
  const assets = new Map(DEMO_ASSETS.map((a) => [a.path, a.content]));
  const files = delivery.files
    .filter((f) => config.settings.template.includes(f.path))
    .map((f) => ({ path: f.path, content: Buffer.from(f.content) }));
  files.push({ path: HEADER_FILE, content: Buffer.from(assets.get(HEADER_FILE)!) });
  const sandbox = await openSandbox({ files }, sandboxOptions);
  try {
    const compile = config.stages.find((s): s is CompileStage => s.kind === 'compile')!;
    const compiled = await sandbox.run({
      command: ['g++', ...compile.flags, '-o', compile.output, TEMPLATE_FILE],
      limits: compileLimits(config),
    });
    const outcome: Outcome = {
      variant: delivery.variant,
      kind: delivery.intended,
      compiled: classifyRun(compiled).verdict === 'OK',
      compilerErrors: compiled.stderr.toString(),
      verdicts: {},
    };
    if (!outcome.compiled) return outcome;
    for (const stage of config.stages) {
      if (stage.kind !== 'stdioTest') continue;
      for (const t of stage.testCases) {
        const stdin = t.stdin ?? assets.get(t.file_stdin!)!;
        const expected = t.expected ?? assets.get(t.file_expected!)!;
        const result = await sandbox.run({
          command: [`./${t.file}`],
          stdin,
          limits: testLimits(config, t),
          isolated: true,
        });
        const run = classifyRun(result);
        outcome.verdicts[t.id] =
          run.verdict !== 'OK'
            ? run.verdict
            : withoutTrailingSpace(result.stdout.toString()) === withoutTrailingSpace(expected)
              ? 'PASSED'
              : 'WRONG_OUTPUT';
      }
    }
    return outcome;
  } finally {
    await sandbox.close();
  }
}

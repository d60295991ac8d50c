// Which stages a build cache entry stands for, and its key: a hash over everything that can
// change what those stages make or report, so that two different inputs never share an entry.
import { createHash } from 'node:crypto';
import { toolchainFor } from '../../config/lang.js';
import type { GradingConfig, ScoreStage, Stage } from '../../config/types.js';
import type { StageReport } from '../../report/types.js';
import { COMMAND_DEFAULTS } from '../limits.js';

/**
 * The cache format: part of every key, so entries of an older zinc are never read. Raise it when
 * what a build stage does or reports changes (commands, limits, report fields).
 */
export const BUILD_CACHE_FORMAT = 1;

type RunnableStage = Exclude<Stage, ScoreStage>;

/** The build part of a config: the stages before its first test. */
export interface BuildPlan {
  /** Every stage before the first stdioTest (file checks included: they can stop the build). */
  stageKeys: ReadonlySet<string>;
  /** Those that run a command (compile, make, shellExec): what an entry replays. */
  commandKeys: ReadonlySet<string>;
  /** The programs whose identity the key covers: the lang's toolchain, make when used. */
  tools: string[];
}

/** The config's build plan, or null when no command runs before the first test. */
export function planBuild(config: GradingConfig): BuildPlan | null {
  const prefix: RunnableStage[] = [];
  for (const stage of config.stages) {
    if (stage.kind === 'stdioTest') break;
    if (stage.kind !== 'score') prefix.push(stage);
  }
  const commands = prefix.filter(
    (stage) => stage.kind === 'compile' || stage.kind === 'make' || stage.kind === 'shellExec',
  );
  if (commands.length === 0) return null;
  const tools = [toolchainFor(config.settings.lang)];
  if (commands.some((stage) => stage.kind === 'make')) tools.push('make');
  return {
    stageKeys: new Set(prefix.map((stage) => stage.key)),
    commandKeys: new Set(commands.map((stage) => stage.key)),
    tools,
  };
}

/** What a key is computed over. */
export interface BuildKeyInput {
  config: GradingConfig;
  plan: BuildPlan;
  /** The work dir's files as the build starts (after the template and provided-file rules). */
  files: ReadonlyMap<string, Buffer>;
  /** The delivery's own paths (a compile's message names delivered files the template left out). */
  deliveredPaths: readonly string[];
  /** The toolchains' identity: their version output inside the sandbox. */
  toolchain: string;
  /** How runs are contained ('cgroup-v1', 'rlimits'): limits bite differently. */
  containment: string;
}

/** The entry key (hex sha256) for one delivery's build. */
export function buildCacheKey(input: BuildKeyInput): string {
  const { config, plan } = input;
  const stages = config.stages.filter((stage) => plan.stageKeys.has(stage.key));
  const hash = createHash('sha256');
  hash.update(
    canonicalJson({
      format: BUILD_CACHE_FORMAT,
      settings: config.settings,
      stages,
      limits: COMMAND_DEFAULTS,
      toolchain: input.toolchain,
      containment: input.containment,
      delivered: [...input.deliveredPaths].sort(),
    }),
  );
  for (const path of [...input.files.keys()].sort()) {
    const content = input.files.get(path)!;
    hash.update(`\0${path}\0${content.length}\0`);
    hash.update(content);
  }
  return hash.digest('hex');
}

/**
 * Whether the build stages' outcome may be kept: each ended by itself (a zero or non-zero exit,
 * or nothing to compile), none stopped by a limit, a signal or a command that could not start,
 * which the machine's load or a passing fault can cause and a regrade should try again.
 */
export function isCacheableBuild(reports: readonly StageReport[]): boolean {
  return reports.every((report) => {
    if (report.kind !== 'compile' && report.kind !== 'make' && report.kind !== 'shellExec') {
      return false;
    }
    if (report.status === 'skipped' || !('run' in report)) return true;
    if (report.run === null) return report.kind === 'compile'; // no input matched
    const { run } = report;
    return (
      report.message === null &&
      run.signal === null &&
      !run.timedOut &&
      run.limitExceeded === null &&
      run.exitCode !== null
    );
  });
}

/** JSON with object keys sorted, so equal values always give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

// The build cache's part in one pipeline run: the key (the toolchain asked inside the sandbox
// the first time), the look-up, and the capture of /work right after the build stages.
import {
  detectContainment,
  type SandboxOptions,
  type SandboxSession,
} from '../../sandbox/index.js';
import type { GradingConfig } from '../../config/types.js';
import type { StageReport } from '../../report/types.js';
import { classifyRun } from '../../sandbox/index.js';
import { versionCommand } from '../commands.js';
import { stageCommandLimits } from '../limits.js';
import { throwIfCancelled } from '../stage-context.js';
import type { BuildCache } from './index.js';
import { buildCacheKey, isCacheableBuild, type BuildPlan } from './key.js';
import type { CachedBuild } from './store.js';

/** One delivery's build against the cache. */
export interface BuildLookup {
  cache: BuildCache;
  plan: BuildPlan;
  /** Null until the toolchain's identity is known. */
  key: string | null;
  /** The entry whose reports and /work replace the build stages, or null. */
  hit: CachedBuild | null;
}

/** What the key covers besides the toolchain. */
export interface BuildInputs {
  config: GradingConfig;
  files: ReadonlyMap<string, Buffer>;
  deliveredPaths: readonly string[];
  sandboxOptions: SandboxOptions | undefined;
}

/** Looks the build up when this worker already knows its toolchain (else key stays null). */
export async function lookUpBuild(
  cache: BuildCache,
  plan: BuildPlan,
  inputs: BuildInputs,
): Promise<BuildLookup> {
  const lookup: BuildLookup = { cache, plan, key: null, hit: null };
  const toolchain = cache.knownToolchain(plan.tools);
  if (toolchain !== undefined) await keyAndGet(lookup, inputs, toolchain);
  return lookup;
}

/**
 * Asks each tool of the build for its version in the delivery's sandbox (once per worker), then
 * looks the build up. Leaves the key null when a tool does not answer: the build then runs
 * uncached.
 */
export async function probeAndLookUp(
  lookup: BuildLookup,
  inputs: BuildInputs,
  sandbox: SandboxSession,
  signal: AbortSignal | undefined,
): Promise<void> {
  const limits = stageCommandLimits(inputs.config.settings);
  for (const tool of lookup.plan.tools) {
    if (lookup.cache.knownToolchain([tool]) !== undefined) continue;
    throwIfCancelled(signal);
    const planned = versionCommand(tool, limits);
    const result = await sandbox.run({
      command: planned.command,
      limits: planned.limits,
      isolated: true,
      ...(planned.env === undefined ? {} : { env: planned.env }),
      ...(signal === undefined ? {} : { signal }),
    });
    if (classifyRun(result).verdict !== 'OK') return;
    const identity = `${result.stdout.toString('utf8')}${result.stderr.toString('utf8')}`.trim();
    lookup.cache.rememberToolchain(tool, identity);
  }
  const toolchain = lookup.cache.knownToolchain(lookup.plan.tools);
  if (toolchain !== undefined) await keyAndGet(lookup, inputs, toolchain);
}

async function keyAndGet(
  lookup: BuildLookup,
  inputs: BuildInputs,
  toolchain: string,
): Promise<void> {
  lookup.key = buildCacheKey({
    config: inputs.config,
    plan: lookup.plan,
    files: inputs.files,
    deliveredPaths: inputs.deliveredPaths,
    toolchain,
    containment: (inputs.sandboxOptions?.containment ?? detectContainment()).mode,
  });
  const entry = await lookup.cache.store.get(lookup.key);
  // An entry only ever holds this plan's command stages (the key covers the config).
  const fits = entry?.reports.every((report) => lookup.plan.commandKeys.has(report.key)) ?? false;
  lookup.hit = fits ? entry : null;
}

/**
 * Keeps the build: the reports of the build stages that ran and /work as they left it, when
 * each ended by itself and /work holds only folders and files within the entry bound. A cache
 * that cannot be written never fails the grading (the next regrade builds again).
 */
export async function storeBuild(
  lookup: BuildLookup,
  reports: readonly StageReport[],
  sandbox: SandboxSession | null,
  signal: AbortSignal | undefined,
): Promise<void> {
  if (lookup.key === null || lookup.hit !== null || sandbox === null) return;
  const ran = reports.filter(
    (report) => lookup.plan.commandKeys.has(report.key) && report.status !== 'skipped',
  );
  if (ran.length === 0) return;
  if (!isCacheableBuild(ran)) {
    lookup.cache.store.uncacheable();
    return;
  }
  throwIfCancelled(signal);
  const snapshot = await sandbox.snapshot(lookup.cache.store.entryLimit);
  if (!snapshot.ok) {
    lookup.cache.store.uncacheable();
    return;
  }
  await lookup.cache.store
    .put({
      key: lookup.key,
      builtAt: new Date().toISOString(),
      reports: ran,
      files: snapshot.files,
    })
    .catch(() => lookup.cache.store.uncacheable());
}

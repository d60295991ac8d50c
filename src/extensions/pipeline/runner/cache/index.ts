// The build cache of one pipeline worker: its entry store and the identity of the toolchains
// its sandboxes run, asked of them once and kept for the life of the worker.
import { createBuildCacheStore, type BuildCacheStoreOptions } from './store.js';

export { BUILD_CACHE_FORMAT, buildCacheKey, isCacheableBuild, planBuild } from './key.js';
export type { BuildPlan } from './key.js';
export type { CachedBuild } from './store.js';

/** A worker's build cache (runPipeline takes it; without one every build runs). */
export function createBuildCache(options: BuildCacheStoreOptions) {
  const store = createBuildCacheStore(options);
  const toolchains = new Map<string, string>();
  return {
    store,
    /** The identity of `tools` as this worker's sandboxes run them, once each was asked. */
    knownToolchain(tools: readonly string[]): string | undefined {
      const known = tools.map((tool) => toolchains.get(tool));
      if (known.some((identity) => identity === undefined)) return undefined;
      return tools.map((tool, i) => `${tool}: ${known[i]!}`).join('\n');
    },
    /** Keeps `tool`'s identity (its version output inside the sandbox). */
    rememberToolchain(tool: string, identity: string): void {
      toolchains.set(tool, identity);
    },
  };
}

export type BuildCache = ReturnType<typeof createBuildCache>;

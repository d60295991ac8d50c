// The `pipeline` section of zinc's configuration, owned by the extension: where the sandbox's
// parts are and how runs are contained. Public (with index.ts and constants.ts): the
// configuration loader composes it.
import { z } from 'zod';

export const sandboxConfigSchema = z.strictObject({
  /** The bubblewrap binary; absent: `bwrap` from /usr/bin or /bin. */
  bwrap: z.string().min(1).optional(),
  /** The launcher built by scripts/build-sandbox-helper.sh; absent: .tools/bin in the checkout. */
  launcher: z.string().min(1).optional(),
  /**
   * auto: cgroup v1 when zinc can create cgroups here, else rlimits; rlimits: never touch the
   * machine's cgroups (weaker: see the sandbox reference).
   */
  containment: z.enum(['auto', 'rlimits']).default('auto'),
  /** Host uid (and gid) sandboxes run as when zinc is root; not 0 (root ignores RLIMIT_NPROC). */
  uid: z.coerce
    .number()
    .int()
    .min(1)
    .max(2 ** 31 - 2)
    .default(2_000_000),
});

/** The build cache: what the build stages made, kept by content so a regrade skips them. */
export const buildCacheConfigSchema = z.strictObject({
  /** false: every delivery is built again on every grading. */
  enabled: z
    .union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')])
    .default(true),
  /** The most the cache (`<data_dir>/build-cache`) may hold; least recently used entries go first. */
  max_mb: z.coerce.number().int().min(1).max(1_048_576).default(2048),
});

export const pipelineConfigSchema = z.strictObject({
  sandbox: sandboxConfigSchema.default(sandboxConfigSchema.parse({})),
  build_cache: buildCacheConfigSchema.default(buildCacheConfigSchema.parse({})),
});

export type PipelineConfig = z.infer<typeof pipelineConfigSchema>;

/** The `pipeline` section: its schema and the environment variables that set its fields. */
export const pipelineSection = {
  key: 'pipeline',
  schema: pipelineConfigSchema,
  env: {
    ZINC_SANDBOX_BWRAP: ['sandbox', 'bwrap'],
    ZINC_SANDBOX_LAUNCHER: ['sandbox', 'launcher'],
    ZINC_SANDBOX_CONTAINMENT: ['sandbox', 'containment'],
    ZINC_SANDBOX_UID: ['sandbox', 'uid'],
    ZINC_BUILD_CACHE_ENABLED: ['build_cache', 'enabled'],
    ZINC_BUILD_CACHE_MAX_MB: ['build_cache', 'max_mb'],
  },
} as const;

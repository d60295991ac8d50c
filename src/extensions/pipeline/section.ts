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

export const pipelineConfigSchema = z.strictObject({
  sandbox: sandboxConfigSchema.default(sandboxConfigSchema.parse({})),
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
  },
} as const;

// The `cli` section of zinc's configuration: who the `zinc` command acts for.
import { z } from 'zod';

export const cliConfigSchema = z.strictObject({
  /** The user `zinc grade` and other commands act for; absent: the login name (`--as` wins). */
  user: z.string().min(1).optional(),
});

/** The `cli` section: its schema and the environment variable that sets it. */
export const cliSection = {
  key: 'cli',
  schema: cliConfigSchema,
  env: { ZINC_USER: ['user'] },
} as const;

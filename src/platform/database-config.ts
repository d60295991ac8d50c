// The `database` section of zinc's configuration: PostgreSQL, or the embedded PGlite.
import { z } from 'zod';

export const databaseConfigSchema = z.strictObject({
  /** PostgreSQL connection URL; absent: PGlite in the data dir. */
  url: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// or postgresql:// URL')
    .optional(),
});

export type DatabaseConfig = z.infer<typeof databaseConfigSchema>;

/** The `database` section: its schema and the environment variable that sets it. */
export const databaseSection = {
  key: 'database',
  schema: databaseConfigSchema,
  env: { DATABASE_URL: ['url'] },
} as const;

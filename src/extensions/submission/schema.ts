// The submission extension's schema: its migration files, found next to this module both in
// src/ (tests, tsx) and in dist/ (the build copies the .sql files: scripts/copy-sql.mjs).
import { fileURLToPath } from 'node:url';
import type { Database } from '../../platform/database.js';
import { migrate } from '../../platform/migrations.js';

/** The component name under which the submission schema is recorded in schema_migrations. */
export const SUBMISSION_COMPONENT = 'submission';

/** The folder of the submission extension's `NNNN_name.sql` files. */
export const SUBMISSION_MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

/** Brings the submission schema up to date; returns the migration files applied now. */
export function migrateSubmissionSchema(db: Database): Promise<{ applied: string[] }> {
  return migrate(db, SUBMISSION_COMPONENT, SUBMISSION_MIGRATIONS_DIR);
}

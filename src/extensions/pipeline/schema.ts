// The pipeline extension's schema: its migration files, next to this module in src/ and dist/.
import { fileURLToPath } from 'node:url';
import type { Database } from '../../platform/database.js';
import { migrate } from '../../platform/migrations.js';

export const PIPELINE_COMPONENT = 'pipeline';
export const PIPELINE_MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

/** Brings the pipeline schema up to date; returns the migration files applied now. */
export function migratePipelineSchema(db: Database): Promise<{ applied: string[] }> {
  return migrate(db, PIPELINE_COMPONENT, PIPELINE_MIGRATIONS_DIR);
}

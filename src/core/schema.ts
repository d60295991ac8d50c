// The core's schema: its migration files, next to this module in src/ and dist/.
import { fileURLToPath } from 'node:url';
import type { Database } from '../platform/database.js';
import { migrate } from '../platform/migrations.js';

export const CORE_COMPONENT = 'core';
export const CORE_MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

/** Brings the core schema up to date; returns the migration files applied now. */
export function migrateCoreSchema(db: Database): Promise<{ applied: string[] }> {
  return migrate(db, CORE_COMPONENT, CORE_MIGRATIONS_DIR);
}

// The submission extension's read-only door: its store over a database and its schema, for
// commands that only read (`zinc collections list`, `zinc deliveries list`). It loads no
// service, activity or archive code, so such a command starts at once. Public like
// constants.ts and section.ts (lint keeps everything else of the extension behind index.ts).
import type { Queryable } from '../../platform/database.js';
import { SUBMISSION_COMPONENT, SUBMISSION_MIGRATIONS_DIR } from './schema.js';
import { createSubmissionStore, type SubmissionStore } from './store.js';

/** The submission schema: its component name in schema_migrations and its migration files. */
export const SUBMISSION_SCHEMA = {
  component: SUBMISSION_COMPONENT,
  dir: SUBMISSION_MIGRATIONS_DIR,
} as const;

/** What the submission store reads: its collections, their deliveries, course members. */
export type SubmissionRecords = Pick<
  SubmissionStore,
  'listCollections' | 'listDeliveries' | 'getCollection' | 'getCourseByCode' | 'listMemberships'
>;

/** The submission store's reads over `db`. */
export function submissionRecords(db: Queryable): SubmissionRecords {
  return createSubmissionStore(db);
}

// Database rows of the submission schema and their mapping to the store's records.
import { InvalidSubmissionInputError } from '../../failures.js';
import type { LatestDelivery } from './constants.js';
import type { Activity, Collection, Course, Delivery, ManifestEntry, User } from './store-types.js';

export interface CourseRow {
  id: string;
  code: string;
  name: string;
  term: string | null;
}

export interface UserRow {
  id: string;
  display_name: string | null;
}

export interface ActivityRow {
  id: string;
  course_id: string;
  name: string;
}

export interface CollectionRow {
  id: string;
  activity_id: string;
  name: string;
  start_at: Date | string;
  stop_at: Date | string;
}

export interface LatestDeliveryRow {
  id: string;
  user_id: string;
  submitted_at: Date | string;
  late: boolean;
  is_test: boolean;
  total_size: number | bigint | string;
  sha256: string;
  object_key: string;
}

export interface DeliveryRow extends LatestDeliveryRow {
  collection_id: string;
  manifest: ManifestEntry[] | string;
  created_at: Date | string;
}

export const COURSE_COLUMNS = 'id, code, name, term';
export const COLLECTION_COLUMNS = 'id, activity_id, name, start_at, stop_at';
export const LATEST_DELIVERY_COLUMNS =
  'id, user_id, submitted_at, late, is_test, total_size, sha256, object_key';
export const DELIVERY_COLUMNS = `${LATEST_DELIVERY_COLUMNS}, collection_id, manifest, created_at`;

/** A timestamp from either engine (both give Date) as an ISO 8601 UTC string. */
export function isoTime(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

/** A caller's timestamp, checked, as the ISO string sent to SQL. */
export function toTimestamp(value: Date | string, field: string): string {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new InvalidSubmissionInputError(`${field} is not a valid date/time: ${String(value)}`);
  }
  return date.toISOString();
}

export const toCourse = (row: CourseRow): Course => ({
  id: row.id,
  code: row.code,
  name: row.name,
  term: row.term,
});

export const toUser = (row: UserRow): User => ({ id: row.id, displayName: row.display_name });

export const toActivity = (row: ActivityRow): Activity => ({
  id: row.id,
  courseId: row.course_id,
  name: row.name,
});

export const toCollection = (row: CollectionRow): Collection => ({
  id: row.id,
  activityId: row.activity_id,
  name: row.name,
  startAt: isoTime(row.start_at),
  stopAt: isoTime(row.stop_at),
});

export const toLatestDelivery = (row: LatestDeliveryRow): LatestDelivery => ({
  id: row.id,
  userId: row.user_id,
  submittedAt: isoTime(row.submitted_at),
  late: row.late,
  isTest: row.is_test,
  totalSize: Number(row.total_size),
  sha256: row.sha256,
  objectKey: row.object_key,
});

export const toDelivery = (row: DeliveryRow): Delivery => ({
  id: row.id,
  collectionId: row.collection_id,
  userId: row.user_id,
  submittedAt: isoTime(row.submitted_at),
  manifest:
    typeof row.manifest === 'string' ? (JSON.parse(row.manifest) as ManifestEntry[]) : row.manifest,
  totalSize: Number(row.total_size),
  sha256: row.sha256,
  late: row.late,
  isTest: row.is_test,
  objectKey: row.object_key,
  createdAt: isoTime(row.created_at),
});

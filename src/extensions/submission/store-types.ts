// Records of the submission store, as its callers see them: camelCase, timestamps as ISO strings.

export type MemberRole = 'student' | 'staff';

export interface Course {
  id: string;
  /** Unique, e.g. `COMP2012`. */
  code: string;
  name: string;
  term: string | null;
}

export interface User {
  /** The student or staff ID as given by the institution. */
  id: string;
  displayName: string | null;
}

/** A user's role in a course, as `zinc user list` shows it. */
export interface Membership {
  courseCode: string;
  userId: string;
  displayName: string | null;
  role: MemberRole;
}

export interface Activity {
  id: string;
  courseId: string;
  name: string;
}

export interface Collection {
  id: string;
  activityId: string;
  name: string;
  /** ISO 8601, UTC. */
  startAt: string;
  /** ISO 8601, UTC; deliveries after it are late. */
  stopAt: string;
}

/** A collection with the activity and course it belongs to. */
export interface CollectionDetails extends Collection {
  activity: Activity;
  course: Course;
}

export interface ManifestEntry {
  path: string;
  size: number;
  sha256: string;
}

export interface Delivery {
  id: string;
  collectionId: string;
  userId: string;
  /** ISO 8601, UTC. */
  submittedAt: string;
  manifest: ManifestEntry[];
  totalSize: number;
  /** Of the whole delivery, lowercase hex. */
  sha256: string;
  late: boolean;
  isTest: boolean;
  objectKey: string;
  /** When zinc recorded it (ISO 8601, UTC). */
  createdAt: string;
}

export interface NewDelivery {
  /** Made by the store when absent; give one to derive the object key from it beforehand. */
  id?: string;
  collectionId: string;
  userId: string;
  submittedAt: Date | string;
  manifest: ManifestEntry[];
  totalSize: number;
  sha256: string;
  late: boolean;
  isTest?: boolean;
  objectKey: string;
}

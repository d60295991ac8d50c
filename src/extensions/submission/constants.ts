// The submission extension's public constants and I/O types; no imports, so workflows may use it.

/** Task-queue suffix served by the submission extension's worker. */
export const SUBMISSION_TASK_QUEUE = 'submission-default';

/**
 * The stop time of a collection left open (no deadline yet): `zinc import` without `--stop`
 * creates one; `zinc collections set-window --stop` gives it a deadline. Nothing is late before it.
 */
export const OPEN_STOP = '9999-12-31T23:59:59.000Z';

/** Whether a collection's stop time is OPEN_STOP (no deadline yet). */
export function isOpenStop(stopAt: string): boolean {
  return stopAt === OPEN_STOP;
}

/** Most deliveries in one page of a collection's latest deliveries (and the default). */
export const MAX_LATEST_DELIVERIES_PAGE_SIZE = 1000;

/**
 * The latest delivery of one user in a collection: small on purpose, since a page of these
 * travels in Temporal payloads. The manifest stays in the database.
 */
export interface LatestDelivery {
  id: string;
  userId: string;
  /** ISO 8601, UTC. */
  submittedAt: string;
  late: boolean;
  /** Made by staff to try the pipeline. */
  isTest: boolean;
  /** Bytes, all files together. */
  totalSize: number;
  /** Of the whole delivery, lowercase hex. */
  sha256: string;
  objectKey: string;
}

/** One page of a collection's latest deliveries, ordered by user ID. */
export interface LatestDeliveriesPage {
  deliveries: LatestDelivery[];
  /** Pass it back for the next page; null when this page was the last. Opaque. */
  nextCursor: string | null;
}

/**
 * One page of a collection's latest deliveries as batches from v5 ask for it (`idsOnly`): what
 * the workflow needs and nothing a history should keep (no student IDs, times, sizes, hashes).
 */
export interface LatestDeliveryIdsPage {
  /** Delivery IDs, in the order of their students (as LatestDeliveriesPage). */
  deliveryIds: string[];
  /** Opaque; names the page's last delivery, never a student. Null on the last page. */
  nextCursor: string | null;
}

/** Input of the `GetCollectionLatestDeliveries` activity. */
export interface GetCollectionLatestDeliveriesInput {
  collectionId: string;
  /** From the previous page; absent for the first. */
  cursor?: string;
  /** 1 to MAX_LATEST_DELIVERIES_PAGE_SIZE (the default). */
  pageSize?: number;
  /** Include staff test deliveries (default false). */
  includeTest?: boolean;
  /** Answer a LatestDeliveryIdsPage (batches from v5); absent: a LatestDeliveriesPage. */
  idsOnly?: boolean;
}

/** Input of the `DescribeCollection` activity. */
export interface DescribeCollectionInput {
  collectionId: string;
  /** The user asking; their role in the collection's course is returned. */
  userId: string;
  includeTest?: boolean;
}

/** What a batch needs to know about a collection before it grades it. */
export interface CollectionDescription {
  collectionId: string;
  courseId: string;
  courseCode: string;
  activityName: string;
  collectionName: string;
  /** The asking user's role in the course; null when not a member. */
  userRole: 'student' | 'staff' | null;
  /** How many students' latest deliveries a batch would grade. */
  latestCount: number;
}

// Whether a batch may start, decided in the core before any workflow starts (the API, `zinc
// grade` and `zinc batch regrade-failed` all ask here): the collection exists, the requester is
// staff of its course, and the config version is attached to the collection (a batch may use
// only its collection's configs; config IDs appear in other courses' student reports). A refused
// request starts no workflow and writes no batch record: only its audit row, saying refused.
import {
  DeliveryNotFoundError,
  NoGradingConfigError,
  NotEnrolledError,
  failureSpec,
} from '../failures.js';
import type { ConfigStore } from '../extensions/pipeline/index.js';
import type { CollectionDetails, SubmissionStore } from '../extensions/submission/index.js';
import type { BatchDelivery } from '../workflows/grading/types.js';
import type { AccessControl } from './auth.js';
import type { BatchStore } from './batch-store.js';

/** Whether `err` is a refusal of the request (as opposed to a failure to decide). */
export function isBatchRefusal(err: unknown): err is Error {
  const kind = err instanceof Error ? failureSpec(err.name)?.kind : undefined;
  return kind === 'request' || kind === 'config';
}

/** What is asked for: a batch over a collection, by whom, with which config (or the newest). */
export interface BatchRequest {
  collectionId: string;
  configVersion?: string | undefined;
  requestedBy: string;
  /** For `regrade-failed`: the batch whose ERRORED deliveries are graded again. */
  sourceBatchId?: string | undefined;
  /** For a batch a grading schedule starts: the schedule (zinc schedule grade). */
  scheduleId?: string | undefined;
  /** Only these students' latest deliveries (`zinc grade --student`); absent: every student's. */
  studentIds?: string[] | undefined;
}

/** A request the core let through. */
export interface Admission {
  collectionId: string;
  courseId: string;
  courseCode: string;
  /** With `studentIds`: each named student's latest delivery, for the batch's input. */
  deliveries?: BatchDelivery[];
}

export interface BatchAdmissionDeps {
  access: Pick<AccessControl, 'collection'>;
  configs: Pick<ConfigStore, 'listForCollection' | 'requireAttached'>;
  /** Needed only for requests that name students. */
  students?: Pick<SubmissionStore, 'getMemberRole' | 'latestDeliveryOf'>;
}

/**
 * The latest delivery of each named student of the collection: NotEnrolled for one who is not a
 * student of its course, DeliveryNotFound for one without a delivery in it.
 */
export async function studentDeliveries(
  students: NonNullable<BatchAdmissionDeps['students']>,
  collection: CollectionDetails,
  studentIds: readonly string[],
): Promise<BatchDelivery[]> {
  const deliveries: BatchDelivery[] = [];
  for (const userId of [...new Set(studentIds)]) {
    const role = await students.getMemberRole(collection.course.id, userId);
    if (role !== 'student') {
      throw new NotEnrolledError(
        `${userId} is not a student of course ${collection.course.code}` +
          (role === 'staff' ? ' (they are staff)' : '') +
          `; enrol them with: zinc user add ${userId} --course ${collection.course.code} --role student`,
      );
    }
    const latest = await students.latestDeliveryOf(collection.id, userId);
    if (!latest) {
      throw new DeliveryNotFoundError(
        `student ${userId} has no delivery in collection ${collection.id}: nothing to grade`,
      );
    }
    deliveries.push({ id: latest.id, userId, objectKey: latest.objectKey });
  }
  return deliveries;
}

/**
 * Refuses (ConfigNotFound, ConfigNotAttached, NoGradingConfig) a config version that the
 * collection may not use, or no version when the collection has no config at all.
 */
export async function requireGradingConfig(
  configs: BatchAdmissionDeps['configs'],
  collectionId: string,
  configVersion: string | undefined,
): Promise<void> {
  if (configVersion !== undefined) {
    await configs.requireAttached(collectionId, configVersion);
  } else if ((await configs.listForCollection(collectionId)).length === 0) {
    throw new NoGradingConfigError(
      `collection ${collectionId} has no grading config yet; add one with zinc config add`,
    );
  }
}

/**
 * Checks `request` and returns what it concerns; throws the refusal (CollectionNotFound,
 * Forbidden, ConfigNotFound, ConfigNotAttached, NoGradingConfig) otherwise. `seen` learns the
 * collection as soon as it is found, so that a refusal can be audited with its course.
 */
export async function admitBatch(
  deps: BatchAdmissionDeps,
  request: BatchRequest,
  seen?: (collection: CollectionDetails) => void,
): Promise<Admission> {
  const { collection } = await deps.access.collection(
    request.requestedBy,
    request.collectionId,
    'batch.start',
    seen,
  );
  await requireGradingConfig(deps.configs, collection.id, request.configVersion);
  let deliveries: BatchDelivery[] | undefined;
  if (request.studentIds !== undefined) {
    if (!deps.students)
      throw new Error('admitBatch: a request naming students needs deps.students');
    deliveries = await studentDeliveries(deps.students, collection, request.studentIds);
  }
  return {
    collectionId: collection.id,
    courseId: collection.course.id,
    courseCode: collection.course.code,
    ...(deliveries ? { deliveries } : {}),
  };
}

/** What a refusal says, for the caller to show: its type, its message, and the course if known. */
export interface BatchRefusal {
  failure: string;
  message: string;
  userId: string;
  courseCode: string | null;
}

/**
 * `admitBatch`, and on a refusal the audit row (`batch.start`, outcome `refused: ...`) before the
 * refusal is returned. Errors that are not refusals are thrown and leave no row.
 */
export async function admitOrRecordRefusal(
  deps: BatchAdmissionDeps & { batches: Pick<BatchStore, 'audit'> },
  request: BatchRequest,
): Promise<{ admitted: true; admission: Admission } | { admitted: false; refusal: BatchRefusal }> {
  let collection: CollectionDetails | undefined;
  try {
    const admission = await admitBatch(deps, request, (c) => (collection = c));
    return { admitted: true, admission };
  } catch (err) {
    if (!isBatchRefusal(err)) throw err;
    await deps.batches.audit({
      actor: request.requestedBy,
      action: 'batch.start',
      target: request.collectionId,
      outcome: `refused: ${err.message}`,
      details: {
        failure: err.name,
        collectionId: request.collectionId,
        configVersion: request.configVersion ?? null,
        sourceBatchId: request.sourceBatchId ?? null,
        ...(request.studentIds ? { studentIds: request.studentIds } : {}),
        ...(request.scheduleId ? { scheduleId: request.scheduleId } : {}),
      },
      courseId: collection?.course.id ?? null,
      collectionId: collection?.id ?? null,
    });
    return {
      admitted: false,
      refusal: {
        failure: err.name,
        message: err.message,
        userId: request.requestedBy,
        courseCode: collection?.course.code ?? null,
      },
    };
  }
}

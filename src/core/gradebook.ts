// A collection's gradebook: one row per enrolled student (course members with the student
// role) with the latest good result over every batch of the collection, for `zinc collections
// gradebook` and `GET /api/collections/:id/gradebook`. After a regrade, the regraded rows win;
// an ERRORED row never hides an earlier graded one; a student with no delivery still has a row.
import { CollectionNotFoundError } from '../failures.js';
import type { Delivery, SubmissionStore } from '../extensions/submission/index.js';
import type { IdenticalGroup } from '../workflows/grading/types.js';
import {
  batchRows,
  isUnfinished,
  lateBy,
  markIdentical,
  type ResultRow,
  type ResultSources,
} from './batch-results.js';

/** Where a gradebook is read from: a batch's sources, and the course's students. */
export interface GradebookSources extends ResultSources {
  submissions: Pick<
    SubmissionStore,
    'getDeliveries' | 'getCollection' | 'listMembers' | 'listDeliveries'
  >;
}

/** A collection's gradebook, in the shape of a batch's results. */
export interface Gradebook {
  collectionId: string;
  /** The course's code. */
  course: string;
  /** True while a batch of the collection runs: rows may still change. */
  partial: boolean;
  /** The collection's batches the rows were picked from, oldest first. */
  batches: string[];
  identical: IdenticalGroup[];
  rows: ResultRow[];
}

/**
 * Each student's row over batches given oldest first: the latest graded row, else the latest
 * ERRORED one. A later ERRORED row never replaces a graded one.
 */
export function pickLatestResults(batchesOldestFirst: readonly ResultRow[][]) {
  const picked = new Map<string, ResultRow>();
  for (const rows of batchesOldestFirst) {
    for (const row of rows) {
      const before = picked.get(row.student);
      if (row.verdict !== 'ERRORED' || !before || before.verdict === 'ERRORED') {
        picked.set(row.student, row);
      }
    }
  }
  return picked;
}

/** The row of a student with no graded result: their latest delivery, or none. */
function ungradedRow(student: string, latest: Delivery | undefined, stopAt: string): ResultRow {
  const late = latest ? lateBy(latest.submittedAt, stopAt) : null;
  return {
    student,
    verdict: latest ? 'NOT_GRADED' : 'NO_DELIVERY',
    score: null,
    maxScore: null,
    points: null,
    maxPoints: null,
    tests: [],
    verdicts: {},
    reason: latest ? 'no batch has graded this delivery yet' : 'no delivery',
    delivery: latest?.id ?? null,
    submittedAt: latest?.submittedAt ?? null,
    late: late !== null,
    lateBySecs: late,
    identicalTo: [],
    identicalGroup: null,
    batchId: null,
  };
}

/** The gradebook of a collection; CollectionNotFoundError when there is none. */
export async function collectionGradebook(
  deps: GradebookSources,
  collectionId: string,
): Promise<Gradebook> {
  const collection = await deps.submissions.getCollection(collectionId);
  if (!collection) throw new CollectionNotFoundError(collectionId);
  const [students, latest, batches] = await Promise.all([
    deps.submissions.listMembers(collection.course.id, 'student'),
    deps.submissions.listDeliveries(collectionId, { latestOnly: true }),
    deps.batches.list(collectionId),
  ]);
  const oldestFirst = [...batches].reverse();
  const hashes = new Map((latest ?? []).map((d) => [d.id, d.sha256]));
  const perBatch: ResultRow[][] = [];
  for (const batch of oldestFirst) {
    const { rows, deliveries } = await batchRows(deps, batch.id, collectionId);
    for (const d of deliveries.values()) hashes.set(d.id, d.sha256);
    perBatch.push(rows);
  }
  const picked = pickLatestResults(perBatch);
  const latestOf = new Map((latest ?? []).map((d) => [d.userId, d]));
  const rows = students.map(({ id }) => {
    const row = picked.get(id);
    const newest = latestOf.get(id);
    if (!row) return ungradedRow(id, newest, collection.stopAt);
    if (newest && newest.id !== row.delivery && row.reason === null) {
      return { ...row, reason: `a newer delivery ${newest.id} is not graded yet` };
    }
    return row;
  });
  return {
    collectionId,
    course: collection.course.code,
    partial: batches.some((b) => isUnfinished(b.status)),
    batches: oldestFirst.map((b) => b.id),
    identical: markIdentical(rows, (id) => hashes.get(id)),
    rows,
  };
}

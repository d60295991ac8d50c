// A batch's results, one row per delivery (graded or ERRORED): what `zinc batch results` prints
// and `GET /api/batches/:id/results` returns, in one JSON shape (or as CSV, results-csv.ts); and
// the tally of the same rows that the batch's summary reports, so the two always agree. A
// delivery with a stored report is graded, whatever its attempts ended with.
import { BatchNotFoundError } from '../failures.js';
import type { ReportRecord, ReportStore, TestResult } from '../extensions/pipeline/index.js';
import type { Delivery, SubmissionStore } from '../extensions/submission/index.js';
import type { BatchCounters, BatchStatus, IdenticalGroup } from '../workflows/grading/types.js';
import { headlineVerdict } from '../workflows/grading/verdicts.js';
import type { BatchStore } from './batch-store.js';

/** Where a batch's results are read from: the core's batches, the extensions' stores. */
export interface ResultSources {
  batches: BatchStore;
  reports: ReportStore;
  submissions: Pick<SubmissionStore, 'getDeliveries' | 'getCollection'>;
}

/** One student's result: of a delivery in a batch, or (in a gradebook) the lack of one. */
export interface ResultRow {
  student: string;
  /** The headline verdict (docs/batches.md), ERRORED, or in a gradebook NO_DELIVERY / NOT_GRADED. */
  verdict: string;
  /** The final score (normalised and clipped) and its maximum; null when not graded. */
  score: number | null;
  maxScore: number | null;
  /** The raw points: the sum of the tests' points, and of their maximums. */
  points: number | null;
  maxPoints: number | null;
  /** Each test of the report, in stage and test order. */
  tests: TestResult[];
  /** How many of each verdict the report counts (those present only). */
  verdicts: Record<string, number>;
  /** Why the delivery has no score: the ERRORED reason, or why the pipeline did not run. */
  reason: string | null;
  delivery: string | null;
  submittedAt: string | null;
  /** Delivered after the collection's stop time (its window as it is now). */
  late: boolean;
  /** How long after the stop time, in seconds; null when on time. */
  lateBySecs: number | null;
  /** Other students whose delivery is byte-identical to this one (a hint, never a verdict). */
  identicalTo: string[];
  /** The number of the group of identical deliveries this one is in, else null. */
  identicalGroup: number | null;
  /** The batch the row's result comes from; null when no batch graded it. */
  batchId: string | null;
}

/** Statuses in which a batch may still add rows: its results so far are partial. */
const UNFINISHED: ReadonlySet<BatchStatus> = new Set(['queued', 'running', 'paused']);

/** Whether a batch in `status` may still add result rows. */
export const isUnfinished = (status: BatchStatus): boolean => UNFINISHED.has(status);

/** A batch's results: its rows, whether more may come, and its identical deliveries. */
export interface BatchResults {
  batchId: string;
  collectionId: string;
  status: BatchStatus;
  /** True while the batch runs (queued, running, paused): rows will still be added. */
  partial: boolean;
  /** Deliveries the batch grades; rows.length of them have a row so far. */
  total: number;
  identical: IdenticalGroup[];
  rows: ResultRow[];
}

/** Reads run at once when a results call loads the reports' documents. */
const READS_AT_ONCE = 16;

/** `fn` over `items`, at most `limit` at a time, results in order. */
async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>) {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

const byStudent = (a: { student: string }, b: { student: string }) =>
  a.student < b.student ? -1 : a.student > b.student ? 1 : 0;

/** Seconds from the collection's stop time to the delivery, when it is late; else null. */
export function lateBy(submittedAt: string, stopAt: string | null): number | null {
  if (stopAt === null) return null;
  const secs = (Date.parse(submittedAt) - Date.parse(stopAt)) / 1000;
  return secs > 0 ? Math.ceil(secs) : null;
}

/**
 * Groups of byte-identical deliveries (same sha256 of the whole delivery) of two or more
 * students, numbered from 1 in student order; sets each row's identicalTo and identicalGroup.
 */
export function markIdentical(
  rows: Array<Pick<ResultRow, 'student' | 'delivery' | 'identicalTo' | 'identicalGroup'>>,
  hashOf: (delivery: string) => string | undefined,
): IdenticalGroup[] {
  // Most hashes occur once: only those seen again get a set of students and a list.
  const seen = new Map<string, number>();
  for (const row of rows) {
    const hash = row.delivery === null ? undefined : hashOf(row.delivery);
    if (hash !== undefined) seen.set(hash, (seen.get(hash) ?? 0) + 1);
  }
  const students = new Map<string, Set<string>>();
  const deliveries = new Map<string, string[]>();
  for (const row of rows) {
    const hash = row.delivery === null ? undefined : hashOf(row.delivery);
    if (hash === undefined || seen.get(hash)! < 2) continue;
    students.set(hash, (students.get(hash) ?? new Set()).add(row.student));
    const same = deliveries.get(hash);
    if (same) same.push(row.delivery!);
    else deliveries.set(hash, [row.delivery!]);
  }
  const groups: IdenticalGroup[] = [];
  const groupOf = new Map<string, IdenticalGroup>();
  seen.clear();
  if (students.size === 0) return [];
  for (const row of [...rows].sort(byStudent)) {
    const hash = row.delivery === null ? undefined : hashOf(row.delivery);
    const members = hash === undefined ? undefined : students.get(hash);
    if (hash === undefined || !members || members.size < 2) continue;
    let group = groupOf.get(hash);
    if (!group) {
      group = {
        group: groups.length + 1,
        students: [...members].sort(),
        deliveries: [...deliveries.get(hash)!].sort(),
      };
      groups.push(group);
      groupOf.set(hash, group);
    }
    row.identicalGroup = group.group;
    row.identicalTo = group.students.filter((s) => s !== row.student);
  }
  return groups;
}

/** The verdicts present in `counts` (a report keeps every verdict, most of them 0). */
const present = (counts: Record<string, number>) =>
  Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));

/** The row of a graded delivery. */
export function gradedRow(
  record: ReportRecord,
  tests: TestResult[],
  delivery: Delivery | undefined,
  stopAt: string | null,
): ResultRow {
  const submittedAt = delivery?.submittedAt ?? null;
  const late = submittedAt === null ? null : lateBy(submittedAt, stopAt);
  return {
    student: delivery?.userId ?? '',
    verdict: headlineVerdict(record.verdicts),
    score: record.score,
    maxScore: record.maxScore,
    points: tests.reduce((sum, t) => sum + t.points, 0),
    maxPoints: tests.reduce((sum, t) => sum + t.maxPoints, 0),
    tests,
    verdicts: present(record.verdicts),
    reason: record.pipelineError,
    delivery: record.deliveryId,
    submittedAt,
    late: late !== null,
    lateBySecs: late,
    identicalTo: [],
    identicalGroup: null,
    batchId: record.batchId,
  };
}

/** The row of a delivery that stayed ERRORED. */
export function erroredRow(
  failure: { deliveryId: string; userId: string; reason: string },
  batchId: string,
  delivery: Delivery | undefined,
  stopAt: string | null,
): ResultRow {
  const submittedAt = delivery?.submittedAt ?? null;
  const late = submittedAt === null ? null : lateBy(submittedAt, stopAt);
  return {
    student: failure.userId,
    verdict: 'ERRORED',
    score: null,
    maxScore: null,
    points: null,
    maxPoints: null,
    tests: [],
    verdicts: {},
    reason: failure.reason,
    delivery: failure.deliveryId,
    submittedAt,
    late: late !== null,
    lateBySecs: late,
    identicalTo: [],
    identicalGroup: null,
    batchId,
  };
}

/**
 * A recorded batch's results: one row per delivery, by student (its report's score, points,
 * tests and verdicts, or ERRORED with the reason), marked partial while the batch runs;
 * BatchNotFoundError when no batch has this ID.
 */
export async function batchResults(deps: ResultSources, batchId: string): Promise<BatchResults> {
  const record = await deps.batches.get(batchId);
  if (!record) throw new BatchNotFoundError(`batch ${batchId} does not exist`);
  const { rows, deliveries } = await batchRows(deps, batchId, record.collectionId);
  const identical = markIdentical(rows, (id) => deliveries.get(id)?.sha256);
  return {
    batchId,
    collectionId: record.collectionId,
    status: record.status,
    partial: isUnfinished(record.status),
    total: record.total,
    identical,
    rows,
  };
}

/** The results of a batch whose workflow runs but has not recorded its start yet: none so far. */
export function resultsBeforeRecord(batchId: string, collectionId: string): BatchResults {
  return {
    batchId,
    collectionId,
    status: 'running',
    partial: true,
    total: 0,
    identical: [],
    rows: [],
  };
}

/** The rows of one batch (identical deliveries not marked yet), and the deliveries read. */
export async function batchRows(
  deps: ResultSources,
  batchId: string,
  collectionId: string,
): Promise<{ rows: ResultRow[]; deliveries: Map<string, Delivery> }> {
  const [{ reports, failures }, collection] = await Promise.all([
    resultSources(deps, batchId),
    deps.submissions.getCollection(collectionId),
  ]);
  const stopAt = collection?.stopAt ?? null;
  const ids = [...reports.map((r) => r.deliveryId), ...failures.map((f) => f.deliveryId)];
  const deliveries = new Map((await deps.submissions.getDeliveries(ids)).map((d) => [d.id, d]));
  const tests = await mapLimited(reports, READS_AT_ONCE, (r) => deps.reports.testResults(r));
  const rows = [
    ...reports.map((r, i) => gradedRow(r, tests[i]!, deliveries.get(r.deliveryId), stopAt)),
    ...failures.map((f) => erroredRow(f, batchId, deliveries.get(f.deliveryId), stopAt)),
  ];
  return { rows: rows.sort(byStudent), deliveries };
}

/** A batch's results before they are rows: its reports, and the failures of deliveries that
 * have no report (a stored report wins over a failure recorded for the same delivery). */
async function resultSources(deps: Pick<ResultSources, 'batches' | 'reports'>, batchId: string) {
  const reports = await deps.reports.listForBatch(batchId);
  const graded = new Set(reports.map((r) => r.deliveryId));
  const failures = (await deps.batches.listFailures(batchId, null, 1_000_000)).filter(
    (f) => !graded.has(f.deliveryId),
  );
  return { reports, failures };
}

/** Report IDs, failures and delivery hashes, read at once by batchTally. */
const TALLY_PAGE = 5_000;

/** The counters of a batch's result rows and its identical deliveries. */
export type BatchTally = Omit<BatchCounters, 'total'> & { identical: IdenticalGroup[] };

/**
 * What the batch's result rows add up to: done, errored and counts by headline verdict
 * (ERRORED included), and the groups of byte-identical deliveries of different students. The
 * summary is made from this. Memory stays flat at any size: verdicts are counted by the
 * database, IDs and hashes are read a page at a time, and only a hash seen again keeps its
 * students (a batch of 100,000 holds one hash and ID per delivery, never its rows).
 */
export async function batchTally(
  deps: Pick<ResultSources, 'batches' | 'reports'> & {
    submissions: Pick<SubmissionStore, 'hashesOf'>;
  },
  batchId: string,
): Promise<BatchTally> {
  const counts: Record<string, number> = {};
  let graded = 0;
  for (const { verdicts, reports } of await deps.reports.verdictCounts(batchId)) {
    const verdict = headlineVerdict(verdicts);
    counts[verdict] = (counts[verdict] ?? 0) + reports;
    graded += reports;
  }
  // A stored report wins over a failure recorded for the same delivery (as resultSources).
  const failed: string[] = [];
  for (let after: string | null = null; ;) {
    const page = await deps.batches.listFailures(batchId, after, TALLY_PAGE);
    const ids = page.map((f) => f.deliveryId);
    const reported = await deps.reports.reported(batchId, ids);
    failed.push(...ids.filter((id) => !reported.has(id)));
    if (page.length < TALLY_PAGE) break;
    after = ids[ids.length - 1]!;
  }
  if (failed.length > 0) counts.ERRORED = failed.length;

  // Identical deliveries: the first delivery of each hash, and every row of a hash seen again.
  const first = new Map<string, { student: string; delivery: string }>();
  const repeated = new Map<string, Array<{ student: string; delivery: string }>>();
  const hashOf = new Map<string, string>();
  const look = async (ids: readonly string[]): Promise<void> => {
    for (const d of await deps.submissions.hashesOf(ids)) {
      const row = { student: d.userId, delivery: d.id };
      const seen = first.get(d.sha256);
      if (seen === undefined) {
        first.set(d.sha256, row);
        continue;
      }
      const rows = repeated.get(d.sha256);
      if (rows) rows.push(row);
      else repeated.set(d.sha256, [seen, row]);
    }
  };
  for (let after: string | null = null; ;) {
    const ids = await deps.reports.deliveryIdsPage(batchId, after, TALLY_PAGE);
    await look(ids);
    if (ids.length < TALLY_PAGE) break;
    after = ids[ids.length - 1]!;
  }
  for (let i = 0; i < failed.length; i += TALLY_PAGE) await look(failed.slice(i, i + TALLY_PAGE));
  first.clear();
  const rows = [...repeated].flatMap(([hash, same]) =>
    same.map((r) => {
      hashOf.set(r.delivery, hash);
      return { ...r, identicalTo: [] as string[], identicalGroup: null as number | null };
    }),
  );
  return {
    done: graded + failed.length,
    errored: failed.length,
    counts,
    identical: markIdentical(rows, (id) => hashOf.get(id)),
  };
}

// Reports: one JSON document per (batch, delivery) in object storage under a key fixed by the
// pair, and a summary row in the database. Saving twice keeps the first, document and row alike.
import { ReportStoreReadOnlyError } from '../../failures.js';
import type { Database, Queryable } from '../../platform/database.js';
import { objectKey } from '../../platform/object-keys.js';
import type { ObjectStore } from '../../platform/object-store.js';
import { resolveSharedTexts, withSharedTexts } from './report-texts.js';

/** What the database keeps of a report (the document itself is in object storage). */
export interface ReportRecord {
  batchId: string;
  deliveryId: string;
  configId: string;
  score: number;
  maxScore: number;
  verdicts: Record<string, number>;
  pipelineError: string | null;
  reportKey: string;
  createdAt: string;
}

/** What save did: stored this report, or kept the one (batch, delivery) already had. */
export interface SavedReport {
  record: ReportRecord;
  stored: boolean;
}

/** One test of a stored report, as a gradebook shows it: where, how it ended, its points. */
export interface TestResult {
  /** `<stage key>#<test id>`, e.g. `stdioTest:hidden#2`. */
  test: string;
  verdict: string;
  points: number;
  maxPoints: number;
}

/** The fields of a report the summary row is made from. */
export interface ReportSummary {
  score: number;
  maxScore: number;
  verdicts: Record<string, number>;
  pipelineError: string | null;
}

interface ReportRow {
  batch_id: string;
  delivery_id: string;
  config_id: string;
  score: number;
  max_score: number;
  verdicts: Record<string, number>;
  pipeline_error: string | null;
  report_key: string;
  created_at: Date | string;
}

const COLUMNS =
  'batch_id, delivery_id, config_id, score, max_score, verdicts, pipeline_error, report_key, created_at';

const toRecord = (row: ReportRow): ReportRecord => ({
  batchId: row.batch_id,
  deliveryId: row.delivery_id,
  configId: row.config_id,
  score: Number(row.score),
  maxScore: Number(row.max_score),
  verdicts: row.verdicts,
  pipelineError: row.pipeline_error,
  reportKey: row.report_key,
  createdAt: new Date(row.created_at).toISOString(),
});

/** The object key of the report of `deliveryId` in `batchId`: fixed by the pair. */
export function reportKey(batchId: string, deliveryId: string): string {
  return objectKey('reports', batchId, `${deliveryId}.json`);
}

/** What testResults reads of a stored stage report. */
interface StoredStage {
  kind: string;
  tests?: Array<{ id: number; verdict: string; score: number; maxScore: number }>;
}

/** A Database (every process's is) rather than one connection or transaction: save needs
 * transactions; the other methods only read. */
function isDatabase(db: Queryable): db is Database {
  return typeof (db as Partial<Database>).transaction === 'function';
}

/** The report store over a database and an object store. */
export function createReportStore(deps: { db: Queryable; objects: ObjectStore }) {
  const { db, objects } = deps;
  const getOn = async (
    q: Queryable,
    batchId: string,
    deliveryId: string,
  ): Promise<ReportRecord | null> => {
    const { rows } = await q.query<ReportRow>(
      `SELECT ${COLUMNS} FROM reports WHERE batch_id = $1 AND delivery_id = $2`,
      [batchId, deliveryId],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  };
  const get = (batchId: string, deliveryId: string) => getOn(db, batchId, deliveryId);
  return {
    /** The report row of (batch, delivery), or null. */
    get,

    /**
     * Stores the document, then the row, unless (batch, delivery) already has a report: then
     * that one stands and is returned with `stored: false`. Savers of one pair take turns (an
     * advisory lock), so two overlapping attempts (a worker that lost touch with Temporal and
     * the retry that replaced it) never leave the row of one beside the document of the other.
     * `announce` runs in the row's transaction when this call stores it (it records the event).
     */
    save(
      batchId: string,
      deliveryId: string,
      configId: string,
      report: ReportSummary,
      announce?: (tx: Queryable, record: ReportRecord) => Promise<void>,
    ): Promise<SavedReport> {
      const key = reportKey(batchId, deliveryId);
      if (!isDatabase(db)) {
        return Promise.reject(
          new ReportStoreReadOnlyError(
            'the report store can save only over a Database (it needs transactions), not a bare Queryable',
          ),
        );
      }
      return db.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', [
          batchId,
          deliveryId,
        ]);
        const existing = await getOn(tx, batchId, deliveryId);
        if (existing) return { record: existing, stored: false };
        // Large test inputs and expected outputs are stored once per config version.
        const stored = await withSharedTexts(objects, configId, report);
        await objects.put(key, JSON.stringify(stored), { contentType: 'application/json' });
        const { rows } = await tx.query<ReportRow>(
          `INSERT INTO reports (batch_id, delivery_id, config_id, score, max_score, verdicts, pipeline_error, report_key)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
          [
            batchId,
            deliveryId,
            configId,
            report.score,
            report.maxScore,
            JSON.stringify(report.verdicts),
            report.pipelineError,
            key,
          ],
        );
        const record = toRecord(rows[0]!);
        await announce?.(tx, record);
        return { record, stored: true };
      });
    },

    /** The report rows `batchId` already has of `deliveryIds`, by delivery ID. */
    async getMany(
      batchId: string,
      deliveryIds: readonly string[],
    ): Promise<Map<string, ReportRecord>> {
      if (deliveryIds.length === 0) return new Map();
      const { rows } = await db.query<ReportRow>(
        `SELECT ${COLUMNS} FROM reports WHERE batch_id = $1 AND delivery_id = ANY($2::text[])`,
        [batchId, deliveryIds],
      );
      return new Map(rows.map((row) => [row.delivery_id, toRecord(row)]));
    },

    /**
     * Saves the reports of several deliveries of one batch in one transaction, each as save does:
     * its document, then its row, unless the pair already has a report (that one stands,
     * `stored: false`). Locks are taken in delivery order, so two overlapping savers never wait
     * for each other in a circle. `announce` runs once, in the transaction, with the rows stored.
     */
    saveMany(
      batchId: string,
      configId: string,
      items: ReadonlyArray<{ deliveryId: string; report: ReportSummary }>,
      announce?: (tx: Queryable, records: ReportRecord[]) => Promise<void>,
    ): Promise<SavedReport[]> {
      if (!isDatabase(db)) {
        return Promise.reject(
          new ReportStoreReadOnlyError(
            'the report store can save only over a Database (it needs transactions), not a bare Queryable',
          ),
        );
      }
      const ids = items.map((i) => i.deliveryId);
      return db.transaction(async (tx) => {
        await tx.query(
          `SELECT pg_advisory_xact_lock(hashtext($1), hashtext(d))
             FROM (SELECT d FROM unnest($2::text[]) AS d ORDER BY d) AS sorted`,
          [batchId, ids],
        );
        const { rows: found } = await tx.query<ReportRow>(
          `SELECT ${COLUMNS} FROM reports WHERE batch_id = $1 AND delivery_id = ANY($2::text[])`,
          [batchId, ids],
        );
        const existing = new Map(found.map((row) => [row.delivery_id, toRecord(row)]));
        const fresh = items.filter((i) => !existing.has(i.deliveryId));
        for (const { deliveryId, report } of fresh) {
          const stored = await withSharedTexts(objects, configId, report);
          await objects.put(reportKey(batchId, deliveryId), JSON.stringify(stored), {
            contentType: 'application/json',
          });
        }
        const inserted = new Map<string, ReportRecord>();
        if (fresh.length > 0) {
          const { rows } = await tx.query<ReportRow>(
            `INSERT INTO reports (batch_id, delivery_id, config_id, score, max_score, verdicts, pipeline_error, report_key)
             SELECT $1, r.delivery_id, $2, r.score, r.max_score, r.verdicts::jsonb, r.pipeline_error, r.report_key
               FROM unnest($3::text[], $4::float8[], $5::float8[], $6::text[], $7::text[], $8::text[])
                 AS r(delivery_id, score, max_score, verdicts, pipeline_error, report_key)
             RETURNING ${COLUMNS}`,
            [
              batchId,
              configId,
              fresh.map((i) => i.deliveryId),
              fresh.map((i) => i.report.score),
              fresh.map((i) => i.report.maxScore),
              fresh.map((i) => JSON.stringify(i.report.verdicts)),
              fresh.map((i) => i.report.pipelineError),
              fresh.map((i) => reportKey(batchId, i.deliveryId)),
            ],
          );
          for (const row of rows) inserted.set(row.delivery_id, toRecord(row));
          await announce?.(tx, [...inserted.values()]);
        }
        return ids.map((id) => {
          const record = inserted.get(id);
          return record ? { record, stored: true } : { record: existing.get(id)!, stored: false };
        });
      });
    },

    /** The whole report document of (batch, delivery), its shared texts resolved, or null. */
    async loadDocument(batchId: string, deliveryId: string): Promise<unknown> {
      const row = await get(batchId, deliveryId);
      if (!row) return null;
      const document = JSON.parse((await objects.get(row.reportKey)).toString('utf8')) as unknown;
      return resolveSharedTexts(objects, document);
    },

    /**
     * Every test of a stored report in stage and test order, with its verdict and points
     * (read from the document: the row keeps only totals).
     */
    async testResults(record: ReportRecord): Promise<TestResult[]> {
      const document = JSON.parse((await objects.get(record.reportKey)).toString('utf8')) as {
        stageReports?: Record<string, StoredStage>;
      };
      return Object.entries(document.stageReports ?? {}).flatMap(([key, stage]) =>
        stage.kind === 'stdioTest' && Array.isArray(stage.tests)
          ? stage.tests.map((t) => ({
              test: `${key}#${t.id}`,
              verdict: t.verdict,
              points: t.score,
              maxPoints: t.maxScore,
            }))
          : [],
      );
    },

    /**
     * How many of the batch's reports have each set of verdicts (a handful of sets in all): a
     * tally that reads no report row into memory.
     */
    async verdictCounts(
      batchId: string,
    ): Promise<Array<{ verdicts: Record<string, number>; reports: number }>> {
      const { rows } = await db.query<{ verdicts: Record<string, number>; n: number | string }>(
        'SELECT verdicts, count(*) AS n FROM reports WHERE batch_id = $1 GROUP BY verdicts',
        [batchId],
      );
      return rows.map((r) => ({ verdicts: r.verdicts, reports: Number(r.n) }));
    },

    /** The IDs of the batch's reported deliveries, at most `limit` after `after`, in order. */
    async deliveryIdsPage(batchId: string, after: string | null, limit: number): Promise<string[]> {
      const { rows } = await db.query<{ delivery_id: string }>(
        `SELECT delivery_id FROM reports
          WHERE batch_id = $1 AND ($2::text IS NULL OR delivery_id > $2)
          ORDER BY delivery_id LIMIT $3`,
        [batchId, after, limit],
      );
      return rows.map((r) => r.delivery_id);
    },

    /** Which of `deliveryIds` have a report in the batch. */
    async reported(batchId: string, deliveryIds: readonly string[]): Promise<Set<string>> {
      if (deliveryIds.length === 0) return new Set();
      const { rows } = await db.query<{ delivery_id: string }>(
        'SELECT delivery_id FROM reports WHERE batch_id = $1 AND delivery_id = ANY($2::text[])',
        [batchId, deliveryIds],
      );
      return new Set(rows.map((r) => r.delivery_id));
    },

    /** The batch's reports by delivery ID (a batch's end reads only counts and IDs). */
    async listForBatch(batchId: string): Promise<ReportRecord[]> {
      const { rows } = await db.query<ReportRow>(
        `SELECT ${COLUMNS} FROM reports WHERE batch_id = $1 ORDER BY delivery_id`,
        [batchId],
      );
      return rows.map(toRecord);
    },
  };
}

export type ReportStore = ReturnType<typeof createReportStore>;

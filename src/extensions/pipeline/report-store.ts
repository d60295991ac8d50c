// Reports: one JSON document per (batch, delivery) in object storage under a key fixed by the
// pair, and a summary row in the database. Saving twice keeps the first.
import type { Queryable } from '../../platform/database.js';
import { objectKey } from '../../platform/object-keys.js';
import type { ObjectStore } from '../../platform/object-store.js';

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

/** The report store over a database and an object store. */
export function createReportStore(deps: { db: Queryable; objects: ObjectStore }) {
  const { db, objects } = deps;
  const get = async (batchId: string, deliveryId: string): Promise<ReportRecord | null> => {
    const { rows } = await db.query<ReportRow>(
      `SELECT ${COLUMNS} FROM reports WHERE batch_id = $1 AND delivery_id = $2`,
      [batchId, deliveryId],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  };
  return {
    /** The report row of (batch, delivery), or null. */
    get,

    /**
     * Stores the document, then the row. When a row is already there (a retry that raced an
     * earlier attempt), the earlier report stands and is returned.
     */
    async save(
      batchId: string,
      deliveryId: string,
      configId: string,
      report: ReportSummary,
    ): Promise<ReportRecord> {
      const key = reportKey(batchId, deliveryId);
      const existing = await get(batchId, deliveryId);
      if (existing) return existing;
      await objects.put(key, JSON.stringify(report), { contentType: 'application/json' });
      const { rows } = await db.query<ReportRow>(
        `INSERT INTO reports (batch_id, delivery_id, config_id, score, max_score, verdicts, pipeline_error, report_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (batch_id, delivery_id) DO NOTHING RETURNING ${COLUMNS}`,
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
      return rows[0] ? toRecord(rows[0]) : (await get(batchId, deliveryId))!;
    },

    /** The whole report document of (batch, delivery), or null. */
    async loadDocument(batchId: string, deliveryId: string): Promise<unknown> {
      const row = await get(batchId, deliveryId);
      if (!row) return null;
      return JSON.parse((await objects.get(row.reportKey)).toString('utf8')) as unknown;
    },

    /** Every report row of a batch, by delivery ID. */
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

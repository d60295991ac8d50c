// The pipeline extension's service: config versions, reports, the student view and score
// statistics, shared by its activities, the core, the API and the CLI.
import type { Queryable } from '../../platform/database.js';
import type { ObjectStore } from '../../platform/object-store.js';
import { parseGradingConfig } from './config/index.js';
import { createConfigStore } from './config-store.js';
import type { BatchScoreStats } from './constants.js';
import type { GradingReport } from './report/index.js';
import { studentView, type StudentReport } from './report/student-view.js';
import { createReportStore, type ReportRecord } from './report-store.js';

/** A stored report as one reader may see it. */
export interface ReportView {
  record: ReportRecord;
  view: 'staff' | 'student';
  score: number | null;
  maxScore: number | null;
  report: GradingReport | StudentReport;
}

/** Builds the pipeline service over the database and object storage. */
export function createPipelineService(deps: { db: Queryable; objects: ObjectStore }) {
  const configs = createConfigStore(deps);
  const reports = createReportStore(deps);
  return {
    configs,
    reports,

    /**
     * The report of a delivery in a batch: whole for staff, the student view (without what
     * visibility and hide_from_report hide) for its student, VISIBLE_AFTER_GRADING tests
     * shown only when `gradingReleased`. Null when the batch has no report of the delivery.
     */
    async reportView(
      batchId: string,
      deliveryId: string,
      view: 'staff' | 'student',
      options: { gradingReleased?: boolean } = {},
    ): Promise<ReportView | null> {
      const record = await reports.get(batchId, deliveryId);
      if (!record) return null;
      const document = (await reports.loadDocument(batchId, deliveryId)) as GradingReport;
      if (view === 'staff') {
        return { record, view, score: record.score, maxScore: record.maxScore, report: document };
      }
      const version = await configs.getVersion(record.configId);
      const parsed = parseGradingConfig(version.yaml, {
        assets: version.assets.map((a) => a.path),
      });
      if (!parsed.ok) {
        throw new Error(`grading config ${record.configId} no longer parses; cannot redact report`);
      }
      const redacted = studentView(document, parsed.config, {
        gradingReleased: options.gradingReleased ?? false,
      });
      return { record, view, score: redacted.score, maxScore: redacted.maxScore, report: redacted };
    },

    /** Mean, median and a ten-bucket histogram of a batch's scores in percent. */
    async scoreStatistics(batchId: string): Promise<BatchScoreStats> {
      const { rows } = await deps.db.query<{
        n: number | string;
        mean: number | null;
        median: number | null;
      }>(
        `SELECT count(*) AS n,
                avg(100 * score / max_score) AS mean,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY 100 * score / max_score) AS median
           FROM reports WHERE batch_id = $1 AND max_score > 0`,
        [batchId],
      );
      const buckets = await deps.db.query<{ bucket: number; n: number | string }>(
        `SELECT least(floor(100 * score / max_score / 10), 9)::int AS bucket, count(*) AS n
           FROM reports WHERE batch_id = $1 AND max_score > 0 GROUP BY 1`,
        [batchId],
      );
      const histogram = Array.from({ length: 10 }, () => 0);
      for (const b of buckets.rows) histogram[Math.max(0, b.bucket)] = Number(b.n);
      const { rows: all } = await deps.db.query<{ n: number | string }>(
        'SELECT count(*) AS n FROM reports WHERE batch_id = $1',
        [batchId],
      );
      const row = rows[0];
      const round = (x: number | null | undefined) =>
        x === null || x === undefined ? null : Math.round(Number(x) * 100) / 100;
      return {
        reports: Number(all[0]?.n ?? 0),
        meanPercent: Number(row?.n ?? 0) > 0 ? round(row?.mean) : null,
        medianPercent: Number(row?.n ?? 0) > 0 ? round(row?.median) : null,
        histogram,
      };
    },
  };
}

export type PipelineService = ReturnType<typeof createPipelineService>;

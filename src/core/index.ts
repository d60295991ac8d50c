// The core's front door: batches, admission, audit, tokens and access rules over the
// extensions' services, and the bookkeeping and admission activities served on
// zinc-core-default beside the workflows. Shaped like an extension's descriptor so the
// composition root builds every component the same way.
import { CORE_TASK_QUEUE } from '../temporal/constants.js';
import { defineExtension, type PlatformServices } from '../temporal/registration.js';
import type { PipelineService } from '../extensions/pipeline/index.js';
import type { SubmissionStore } from '../extensions/submission/index.js';
import { createAdmissionActivities } from './activities/admission.js';
import { createBookkeepingActivities } from './activities/bookkeeping.js';
import { createScheduleActivities } from './activities/schedules.js';
import { createSlotActivities } from './activities/slots.js';
import { createTokenStore } from './auth-tokens.js';
import { createWebSessionStore } from './web-sessions.js';
import { createAccessControl } from './auth.js';
import { admitOrRecordRefusal, type BatchRequest } from './batch-admission.js';
import { batchResults } from './batch-results.js';
import { collectionGradebook } from './gradebook.js';
import { diffBatches } from './batch-diff.js';
import { releaseBatch, releasedReportOf, type ReleaseRequest } from './grade-release.js';
import { createReleaseStore } from './release-store.js';
import { createBatchSlots } from './batch-slots.js';
import type { OutsideEnding } from './batch-reconciler.js';
import { createBatchStore, type BatchRecord } from './batch-store.js';
import { gradingSection, type GradingDefaults } from './grading-config.js';
import { CORE_COMPONENT, CORE_MIGRATIONS_DIR } from './schema.js';

/** What the core reads of the extensions, linked in by the composition root. */
export interface CoreLinks {
  submissions: SubmissionStore;
  pipeline: PipelineService;
  /** The workers' task-queue prefix (temporal.task_queue_prefix), for batches schedules start. */
  taskQueuePrefix: string;
  /** The clock for token expiry and collection windows (tests may fix it). */
  now?: () => Date;
}

export const coreComponent = defineExtension({
  name: 'core',
  taskQueue: CORE_TASK_QUEUE,
  section: gradingSection,
  migrations: { component: CORE_COMPONENT, dir: CORE_MIGRATIONS_DIR },
  create(platform: PlatformServices, grading: GradingDefaults, links: CoreLinks) {
    const now = links.now ?? (() => new Date());
    const batches = createBatchStore(platform.db);
    const slots = createBatchSlots(platform.db);
    const access = createAccessControl(links.submissions, now);
    const releases = createReleaseStore(platform.db);
    const configs = links.pipeline.configs;
    const tokens = createTokenStore(platform.db, now);
    const bookkeeping = () =>
      createBookkeepingActivities({
        db: platform.db,
        batches,
        reports: links.pipeline.reports,
        submissions: links.submissions,
        objects: platform.objects,
        courseCodeOf: async (collectionId) =>
          (await links.submissions.getCollection(collectionId))?.course.code ?? null,
      });
    return {
      grading,
      batches,
      slots,
      access,
      tokens,
      /** Sessions of the web app, opened with an API token (src/web). */
      webSessions: createWebSessionStore(platform.db, tokens, now),
      releases,
      /** Releases a completed batch's grades to students (staff; audited, refusals too). */
      release: (request: ReleaseRequest) => releaseBatch({ access, batches, releases }, request),
      /** Where a student's released report of a collection is; ReportNotFound saying why not. */
      releasedReport: (collectionId: string, userId: string) =>
        releasedReportOf(
          { releases, reports: links.pipeline.reports, submissions: links.submissions },
          collectionId,
          userId,
        ),
      /** The students whose score or headline verdict differs between two batches of a collection. */
      diff: (oldBatchId: string, newBatchId: string) =>
        diffBatches(
          { batches, reports: links.pipeline.reports, submissions: links.submissions },
          oldBatchId,
          newBatchId,
        ),
      /** Admits or refuses a batch request; a refusal is audited and returned. */
      admit: (request: BatchRequest) =>
        admitOrRecordRefusal({ access, configs, batches, students: links.submissions }, request),
      /** One row per delivery of a recorded batch, marked partial while it runs. */
      results: (batchId: string) =>
        batchResults(
          { batches, reports: links.pipeline.reports, submissions: links.submissions },
          batchId,
        ),
      /** One row per enrolled student of a collection: the latest good result of its batches. */
      gradebook: (collectionId: string) =>
        collectionGradebook(
          { batches, reports: links.pipeline.reports, submissions: links.submissions },
          collectionId,
        ),
      /**
       * Writes the end of a batch whose workflow could not (terminated, timed out): record,
       * summary document, `batch.completed` and the `batch.finish` audit row, as FinishBatch does.
       */
      async recordEndedOutside(record: BatchRecord, ending: OutsideEnding): Promise<BatchRecord> {
        const failures = await batches.listFailures(record.id, null, 50);
        await bookkeeping().FinishBatch({
          batchId: record.id,
          collectionId: record.collectionId,
          configVersion: record.configVersion,
          requestedBy: record.requestedBy,
          status: ending.status,
          reason: ending.reason,
          total: record.total,
          done: record.done,
          errored: record.errored,
          counts: record.counts,
          failures: failures.map(({ deliveryId, userId, reason }) => ({
            deliveryId,
            userId,
            reason,
          })),
          stats: await links.pipeline.scoreStatistics(record.id),
        });
        return (await batches.get(record.id))!;
      },
      activities: () => ({
        ...bookkeeping(),
        ...createAdmissionActivities({
          access,
          configs,
          batches,
          students: links.submissions,
        }),
        ...createSlotActivities({ slots }),
        ...createScheduleActivities({
          access,
          configs,
          batches,
          grading,
          taskQueuePrefix: links.taskQueuePrefix,
        }),
      }),
    };
  },
});

export type Core = ReturnType<typeof coreComponent.create>;

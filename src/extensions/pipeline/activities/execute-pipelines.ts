// ExecutePipelines: several deliveries of one batch graded in one activity attempt, each with its
// own report. For short pipelines the cost of a delivery is mostly orchestration (an activity's
// trip through Temporal's matching and history, a workflow task) and database round trips; here
// a group of deliveries shares one activity, one read of their locations, one read of the
// reports they already have, and one transaction that saves the new reports and their events.
//
// Exactly once, as ExecutePipeline: a delivery whose report is stored is never graded again (its
// stored outcome is returned), and reports are saved under the same per-(batch, delivery) locks.
// Each delivery keeps its own retry: one this attempt could not grade (files missing, a sandbox
// that failed, a save that failed) is returned in `notGraded`, and the workflow grades it alone
// with ExecutePipeline, which names the failure and retries it by the batch's policy. The
// workflow does not retry the group itself: a lost attempt (worker killed) hands every delivery
// of the group to ExecutePipeline, which finds the reports this attempt saved.
import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import { isFailure } from '../../../failures.js';
import { activityFailure } from '../../../temporal/failures.js';
import { recordEvents } from '../../../platform/event-outbox.js';
import { withSpan } from '../../../platform/tracing.js';
import type { ObjectStore } from '../../../platform/object-store.js';
import type { ConfigStore } from '../config-store.js';
import type {
  ExecutePipelinesInput,
  ExecutePipelinesResult,
  PipelineOutcome,
} from '../constants.js';
import type { DeliveryLocation, DeliveryLocator } from '../delivery-locator.js';
import type { ReportRecord, ReportStore } from '../report-store.js';
import type { GradingReport } from '../report/types.js';
import { headlineVerdict } from '../../../workflows/grading/verdicts.js';
import { countGraded, reportSaveRetries } from '../metrics.js';
import { briefOutcome, type LoadedConfig } from './execute-pipeline.js';

/** Saves of a group are flushed at least this often, so a lost attempt loses little work. */
const FLUSH_EVERY_MS = 2_000;

export interface GroupedPipelineDeps {
  configs: ConfigStore;
  reports: ReportStore;
  objects: ObjectStore;
  deliveries: DeliveryLocator;
  loadCached(version: string): Promise<LoadedConfig>;
  gradeFiles(
    loaded: LoadedConfig,
    configVersion: string,
    files: Array<{ path: string; content: Buffer }>,
  ): Promise<GradingReport>;
  asActivityFailure(err: unknown): unknown;
  outcome(record: ReportRecord, reused: boolean): PipelineOutcome;
  completedEvent(
    configVersion: string,
    collectionId: string,
    userId: string,
    saved: ReportRecord,
  ): { subject: 'grading.completed'; id: string; data: Record<string, unknown> };
}

/** The grouped activity, over the same stores and pipeline code as ExecutePipeline. */
export function createGroupedPipelineActivities(deps: GroupedPipelineDeps) {
  async function locateAll(ids: readonly string[]): Promise<Map<string, DeliveryLocation>> {
    if (deps.deliveries.locateMany) return deps.deliveries.locateMany(ids);
    const found = new Map<string, DeliveryLocation>();
    for (const id of ids) {
      const location = await deps.deliveries.locate(id);
      if (location) found.set(id, location);
    }
    return found;
  }

  async function executeGroup(input: ExecutePipelinesInput): Promise<ExecutePipelinesResult> {
    const ctx = Context.current();
    const { batchId, collectionId, configVersion } = input;
    await deps.configs.requireAttached(collectionId, configVersion).catch((err: Error) => {
      if (isFailure(err, 'ConfigNotFound', 'ConfigNotAttached')) {
        throw activityFailure(err.name, err.message);
      }
      throw err;
    });
    const loaded = await deps.loadCached(configVersion);
    const locations = await locateAll(input.deliveryIds);
    const existing = await deps.reports.getMany(batchId, input.deliveryIds);

    const outcomes: PipelineOutcome[] = [];
    const notGraded: string[] = [];
    const pace = { graded: 0, ms: 0 };
    let toSave: Array<{ deliveryId: string; report: GradingReport; location: DeliveryLocation }> =
      [];
    let flushed = performance.now();
    const flush = async (): Promise<void> => {
      const saving = toSave;
      toSave = [];
      flushed = performance.now();
      if (saving.length === 0) return;
      const userOf = new Map(saving.map((s) => [s.deliveryId, s.location.userId]));
      try {
        const saved = await deps.reports.saveMany(
          batchId,
          configVersion,
          saving.map(({ deliveryId, report }) => ({ deliveryId, report })),
          (tx, records) =>
            recordEvents(
              tx,
              records.map((r) =>
                deps.completedEvent(configVersion, collectionId, userOf.get(r.deliveryId)!, r),
              ),
            ),
        );
        saved.forEach(({ record, stored }, i) => {
          const course = saving[i]!.location.courseCode ?? 'unknown';
          // The same line as ExecutePipeline's, for each delivery of the group.
          ctx.log.info('delivery graded', {
            batchId,
            deliveryId: record.deliveryId,
            collectionId,
            course,
            configVersion,
            score: record.score,
            maxScore: record.maxScore,
            stored,
          });
          if (stored) countGraded(course, headlineVerdict(record.verdicts));
          else reportSaveRetries.inc({ reason: 'concurrent_save' });
          outcomes.push(deps.outcome(record, !stored));
        });
      } catch (err) {
        ctx.log.warn('saving a group of reports failed; each is graded alone', {
          batchId,
          deliveries: saving.length,
          error: (err as Error).message,
        });
        reportSaveRetries.inc({ reason: 'save_failed' }, saving.length);
        notGraded.push(...saving.map((s) => s.deliveryId));
      }
    };

    for (const deliveryId of input.deliveryIds) {
      if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason;
      const stored = existing.get(deliveryId);
      if (stored) {
        reportSaveRetries.inc({ reason: 'already_stored' });
        outcomes.push(deps.outcome(stored, true));
        continue;
      }
      const location = locations.get(deliveryId);
      // Not found, or not of this collection: ExecutePipeline names the failure.
      if (!location || location.collectionId !== collectionId) {
        notGraded.push(deliveryId);
        continue;
      }
      const began = performance.now();
      try {
        const prefix = location.filesPrefix;
        const keys = await deps.objects.list(prefix);
        if (keys.length === 0) {
          notGraded.push(deliveryId);
          continue;
        }
        const files = await Promise.all(
          keys.map(async (key) => ({
            path: key.slice(prefix.length),
            content: await deps.objects.get(key),
          })),
        );
        // A span per delivery, so its stages sit under it as under ExecutePipeline's span.
        const report = await withSpan(
          'grade delivery',
          { 'zinc.batch_id': batchId, 'zinc.delivery_id': deliveryId },
          () => deps.gradeFiles(loaded, configVersion, files),
        );
        toSave.push({ deliveryId, report, location });
        pace.graded += 1;
        pace.ms += Math.round(performance.now() - began);
      } catch (err) {
        if (ctx.cancellationSignal.aborted || err instanceof CancelledFailure) throw err;
        notGraded.push(deliveryId);
      }
      // Between deliveries too (reading files, saving): a group's attempt is known alive, and
      // only a heartbeat brings it the workflow's cancellation. The SDK sends at most one per
      // throttle interval, so this costs no round trip per delivery.
      ctx.heartbeat({ graded: outcomes.length + toSave.length });
      if (performance.now() - flushed > FLUSH_EVERY_MS) await flush();
    }
    await flush();
    return { outcomes, notGraded, pace };
  }

  return {
    /** Grades several deliveries of one batch, each with its own report; see the file's header. */
    async ExecutePipelines(input: ExecutePipelinesInput): Promise<ExecutePipelinesResult> {
      try {
        const result = await executeGroup(input);
        return input.brief ? { ...result, outcomes: result.outcomes.map(briefOutcome) } : result;
      } catch (err) {
        throw deps.asActivityFailure(err);
      }
    },
  };
}

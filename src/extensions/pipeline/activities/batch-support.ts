// Activities a batch calls around the grading itself: which config version to use (checked,
// and attached to the collection), whether a delivery's report was stored after all, and the
// score statistics of its reports for the summary, and whether a service it waits for (object
// storage, the database) answers again after an outage.
import { isFailure } from '../../../failures.js';
import { activityFailure } from '../../../temporal/failures.js';
import { parseGradingConfig, type GradingConfig } from '../config/index.js';
import type { PipelineService } from '../service.js';
import type { PlatformServices } from '../../../temporal/registration.js';
import type {
  AwaitServiceInput,
  BatchScoreStats,
  ConfigDescription,
  DescribeConfigInput,
  FindReportInput,
  PipelineOutcome,
} from '../constants.js';
import { briefOutcome, outcome } from './execute-pipeline.js';

/** The key a probe of object storage reads (it need not exist: the answer is what counts). */
const PROBE_KEY = 'health/probe';

/** An upper bound of one pipeline run: each command at its wall-time limit. */
export function worstCaseSecs(config: GradingConfig): number {
  let total = 0;
  for (const stage of config.stages) {
    if (stage.kind === 'stdioTest') {
      for (const test of stage.testCases) total += test.time_limit_secs;
    } else if (stage.kind === 'compile' || stage.kind === 'make' || stage.kind === 'shellExec') {
      total += config.settings.stage_wait_duration_secs;
    }
  }
  return total;
}

/** The pipeline extension's batch-support activities. */
export function createBatchSupportActivities(deps: {
  service: PipelineService;
  platform: PlatformServices;
}) {
  const { configs, reports } = deps.service;
  return {
    /**
     * Resolves and checks the config version: it must be attached to the collection. Unknown,
     * unattached or invalid versions are not retried.
     */
    async DescribeConfig(input: DescribeConfigInput): Promise<ConfigDescription> {
      let id = input.configVersion;
      if (id !== undefined) {
        await configs.requireAttached(input.collectionId, id).catch((err: Error) => {
          if (isFailure(err, 'ConfigNotFound', 'ConfigNotAttached')) {
            throw activityFailure(err.name, err.message);
          }
          throw err;
        });
      } else {
        const attached = await configs.listForCollection(input.collectionId);
        if (attached.length === 0) {
          throw activityFailure(
            'ConfigNotFound',
            `collection ${input.collectionId} has no grading config: add one with zinc config add`,
          );
        }
        id = attached[0]!.id;
      }
      const version = await configs.getVersion(id).catch((err: Error) => {
        if (isFailure(err, 'ConfigNotFound')) throw activityFailure('ConfigNotFound', err.message);
        throw err;
      });
      const parsed = parseGradingConfig(version.yaml, {
        assets: version.assets.map((a) => a.path),
      });
      if (!parsed.ok) {
        throw activityFailure(
          'InvalidConfig',
          `grading config ${id} is not valid: ${parsed.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
        );
      }
      const tests = parsed.config.stages.reduce(
        (n, s) => n + (s.kind === 'stdioTest' ? s.testCases.length : 0),
        0,
      );
      return {
        configVersion: id,
        stages: parsed.config.stages.length,
        tests,
        worstCaseSecs: worstCaseSecs(parsed.config),
      };
    },

    /**
     * The outcome of the delivery's stored report in this batch, or null: a delivery whose
     * attempts ran out may still have been graded (its completion lost on the way back).
     */
    async FindReport(input: FindReportInput): Promise<PipelineOutcome | null> {
      const record = await reports.get(input.batchId, input.deliveryId);
      if (!record) return null;
      return input.brief ? briefOutcome(outcome(record, true)) : outcome(record, true);
    },

    /**
     * Returns once `service` answers (a read of object storage, a query of the database); fails,
     * and is retried by Temporal, while it is down. A held batch waits on this.
     */
    async AwaitService(input: AwaitServiceInput): Promise<void> {
      if (input.service === 'object storage') await deps.platform.objects.exists(PROBE_KEY);
      else await deps.platform.db.query('SELECT 1');
    },

    /** Mean, median and a ten-bucket histogram of the batch's scores in percent. */
    async SummarizeBatchScores(input: { batchId: string }): Promise<BatchScoreStats> {
      return deps.service.scoreStatistics(input.batchId);
    },
  };
}

export type BatchSupportActivities = ReturnType<typeof createBatchSupportActivities>;

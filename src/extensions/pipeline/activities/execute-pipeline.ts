// ExecutePipeline: grades one delivery for one batch, exactly once. A second call for the same
// (batch, delivery) returns the stored report's outcome without grading again. What it grades is
// read from the database by ID: the delivery's collection and files come from the submission
// extension (a key in the input is never read), the delivery must belong to the batch's
// collection and the config version must be attached to it. Each failure it ends with is typed
// by the error's stable name (ConfigNotFound, ConfigNotAttached, SandboxUnavailable...) and is
// non-retryable when the config or the input is at fault.
import { isFailure, SandboxUnavailableError } from '../../../failures.js';
import { activityFailure, isConfigFailure } from '../../../temporal/failures.js';
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure, TemporalFailure } from '@temporalio/common';
import { eventId, recordEvent } from '../../../platform/event-outbox.js';
import type { ObjectStore } from '../../../platform/object-store.js';
import type { Queryable } from '../../../platform/database.js';
import {
  createToolchainCheck,
  parseGradingConfig,
  type GradingConfig,
  type ToolchainCheck,
} from '../config/index.js';
import type { ConfigAsset, ConfigStore } from '../config-store.js';
import type { ExecutePipelineInput, PipelineOutcome } from '../constants.js';
import type { DeliveryLocator } from '../delivery-locator.js';
import type { ReportRecord, ReportStore } from '../report-store.js';
import { runPipeline } from '../runner/index.js';
import type { BuildCache } from '../runner/cache/index.js';
import { headlineVerdict } from '../../../workflows/grading/verdicts.js';
import type { GradingReport } from '../report/types.js';
import {
  countGraded,
  countSandboxFailure,
  pipelineDuration,
  reportSaveRetries,
  stageDuration,
} from '../metrics.js';
import type { SandboxOptions } from '../sandbox/index.js';
import { createGroupedPipelineActivities } from './execute-pipelines.js';

export interface PipelineActivityDeps {
  configs: ConfigStore;
  reports: ReportStore;
  objects: ObjectStore;
  /** Where deliveries are (the submission extension's answer, wired in by the process). */
  deliveries: DeliveryLocator;
  sandboxOptions?: SandboxOptions;
  /** How often to heartbeat while grading; the workflow's heartbeat timeout must be longer. */
  heartbeatIntervalMs?: number;
  toolchainCheck?: ToolchainCheck;
  /** The worker's build cache; absent: every build runs. */
  buildCache?: BuildCache;
}

export interface LoadedConfig {
  config: GradingConfig;
  assets: ConfigAsset[];
}

/**
 * An outcome as batches from v5 keep it in their history: a pipeline error's text (which may
 * name a student's file) stays in the report.
 */
export function briefOutcome(done: PipelineOutcome): PipelineOutcome {
  return done.pipelineError === null ? done : { ...done, pipelineError: 'see the report' };
}

/** The small outcome of a stored report. */
export const outcome = (record: ReportRecord, reused: boolean): PipelineOutcome => ({
  batchId: record.batchId,
  deliveryId: record.deliveryId,
  reportKey: record.reportKey,
  score: record.score,
  maxScore: record.maxScore,
  verdicts: record.verdicts,
  pipelineError: record.pipelineError,
  reused,
});

/** The `grading.completed` event of a stored report. */
export function completedEvent(
  configVersion: string,
  collectionId: string,
  userId: string,
  saved: ReportRecord,
) {
  return {
    subject: 'grading.completed' as const,
    id: eventId('grading.completed', saved.batchId, saved.deliveryId),
    data: {
      batchId: saved.batchId,
      deliveryId: saved.deliveryId,
      collectionId,
      userId,
      configVersion,
      score: saved.score,
      maxScore: saved.maxScore,
      verdict: headlineVerdict(saved.verdicts),
      verdicts: saved.verdicts,
      reportKey: saved.reportKey,
    },
  };
}

/** The pipeline extension's activities, closed over its stores and the sandbox. */
export function createPipelineActivities(deps: PipelineActivityDeps) {
  const toolchains = deps.toolchainCheck ?? createToolchainCheck();
  // Config versions are immutable, so a parsed one can be kept for the life of the worker.
  const loaded = new Map<string, Promise<LoadedConfig>>();

  async function load(version: string): Promise<LoadedConfig> {
    const version_ = await deps.configs.loadVersion(version).catch((err: Error) => {
      if (isFailure(err, 'ConfigNotFound')) throw activityFailure('ConfigNotFound', err.message);
      if (isFailure(err, 'ConfigAssetInvalid')) {
        throw activityFailure(
          'InvalidConfig',
          `grading config ${version} is not valid: ${err.message}`,
        );
      }
      throw err;
    });
    const assets = version_.files.map((f) => f.path);
    const plain = parseGradingConfig(version_.yaml, { assets });
    if (!plain.ok) {
      throw activityFailure(
        'InvalidConfig',
        `grading config ${version} is not valid: ${plain.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
      );
    }
    // A toolchain missing on this worker is its problem, not the config's: another may have it.
    const here = parseGradingConfig(version_.yaml, { assets, checkToolchain: toolchains });
    if (!here.ok) {
      throw activityFailure(
        'ToolchainMissing',
        `this worker cannot run grading config ${version}: ${here.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
      );
    }
    return { config: here.config, assets: version_.files };
  }

  function loadCached(version: string): Promise<LoadedConfig> {
    let entry = loaded.get(version);
    if (!entry) {
      entry = load(version);
      loaded.set(version, entry);
      entry.catch(() => loaded.delete(version));
    }
    return entry;
  }

  /**
   * The prefix of the delivery's files, once the database says the input may be graded: the
   * delivery exists, belongs to the batch's collection (inputs recorded before collectionId was
   * sent: to its own), and that collection is graded with the config version. `deliveryKey`,
   * which earlier workflow versions sent, is never read.
   */
  async function checkedLocation(
    input: ExecutePipelineInput,
  ): Promise<{ filesPrefix: string; course: string; collectionId: string; userId: string }> {
    const location = await deps.deliveries.locate(input.deliveryId);
    if (!location) {
      throw activityFailure('DeliveryNotFound', `delivery ${input.deliveryId} does not exist`);
    }
    const collectionId = input.collectionId ?? location.collectionId;
    if (location.collectionId !== collectionId) {
      throw activityFailure(
        'DeliveryNotInCollection',
        `delivery ${input.deliveryId} does not belong to collection ${collectionId}; a batch grades only its own collection's deliveries`,
      );
    }
    await deps.configs.requireAttached(collectionId, input.configVersion).catch((err: Error) => {
      if (isFailure(err, 'ConfigNotFound', 'ConfigNotAttached')) {
        throw activityFailure(err.name, err.message);
      }
      throw err;
    });
    return {
      filesPrefix: location.filesPrefix,
      course: location.courseCode ?? 'unknown',
      collectionId,
      userId: location.userId,
    };
  }

  /** Runs the pipeline on `files`, heartbeating the stage it is in, and records its durations. */
  async function gradeFiles(
    { config, assets }: LoadedConfig,
    configVersion: string,
    files: Array<{ path: string; content: Buffer }>,
  ): Promise<GradingReport> {
    const ctx = Context.current();
    let stage = 'start';
    ctx.heartbeat({ stage });
    const beat = setInterval(() => ctx.heartbeat({ stage }), deps.heartbeatIntervalMs ?? 5_000);
    let report: GradingReport;
    const started = performance.now();
    try {
      report = await runPipeline({
        config,
        configVersion,
        files,
        assets,
        signal: ctx.cancellationSignal,
        onStage: (key: string) => {
          stage = key;
          ctx.heartbeat({ stage });
        },
        ...(deps.sandboxOptions ? { sandboxOptions: deps.sandboxOptions } : {}),
        ...(deps.buildCache ? { buildCache: deps.buildCache } : {}),
      });
    } catch (err) {
      if (err instanceof SandboxUnavailableError) countSandboxFailure(err.kind);
      throw err;
    } finally {
      clearInterval(beat);
    }
    observeDurations(report, (performance.now() - started) / 1000);
    return report;
  }

  async function execute(input: ExecutePipelineInput): Promise<PipelineOutcome> {
    const { filesPrefix: prefix, course, collectionId, userId } = await checkedLocation(input);
    const existing = await deps.reports.get(input.batchId, input.deliveryId);
    if (existing) {
      reportSaveRetries.inc({ reason: 'already_stored' });
      return outcome(existing, true);
    }
    const ctx = Context.current();
    const { config, assets } = await loadCached(input.configVersion);

    const keys = await deps.objects.list(prefix);
    if (keys.length === 0) {
      throw activityFailure(
        'DeliveryFilesMissing',
        `delivery ${input.deliveryId} has no files under ${prefix}`,
      );
    }
    const files = await Promise.all(
      keys.map(async (key) => ({
        path: key.slice(prefix.length),
        content: await deps.objects.get(key),
      })),
    );

    const report = await gradeFiles({ config, assets }, input.configVersion, files);
    // The report's row and its `grading.completed` event commit together, once per (batch,
    // delivery): an attempt that finds the report stored records nothing.
    const announce = (tx: Queryable, saved: ReportRecord) =>
      recordEvent(tx, completedEvent(input.configVersion, collectionId, userId, saved));
    const { record, stored } = await deps.reports
      .save(input.batchId, input.deliveryId, input.configVersion, report, announce)
      .catch((err: unknown) => {
        reportSaveRetries.inc({ reason: 'save_failed' });
        throw err;
      });
    ctx.log.info('delivery graded', {
      batchId: input.batchId,
      deliveryId: input.deliveryId,
      collectionId: input.collectionId,
      course,
      configVersion: input.configVersion,
      score: record.score,
      maxScore: record.maxScore,
      stored,
    });
    // An overlapping attempt stored its report first: that one stands, and was announced.
    if (!stored) {
      reportSaveRetries.inc({ reason: 'concurrent_save' });
      return outcome(record, true);
    }
    countGraded(course, headlineVerdict(record.verdicts));
    return outcome(record, false);
  }

  return {
    ...createGroupedPipelineActivities({
      ...deps,
      loadCached,
      gradeFiles,
      asActivityFailure,
      outcome,
      completedEvent,
    }),
    /** Grades one delivery (or returns the report it already has for this batch). */
    async ExecutePipeline(input: ExecutePipelineInput): Promise<PipelineOutcome> {
      try {
        const done = await execute(input);
        return input.brief ? briefOutcome(done) : done;
      } catch (err) {
        throw asActivityFailure(err);
      }
    },
  };
}

/** Records the run's duration and each stage that ran, by kind (skipped stages and those taken
 * from the build cache took no time). */
function observeDurations(report: GradingReport, seconds: number): void {
  pipelineDuration.observe(seconds);
  for (const stage of Object.values(report.stageReports)) {
    if (stage.kind === 'score' || stage.status === 'skipped' || stage.fromCache) continue;
    stageDuration.observe({ kind: stage.kind }, stage.durationMs / 1000);
  }
}

/**
 * What an activity attempt ends with for `err`. A cancellation the workflow asked for is reported
 * as one (the SDK then records the activity cancelled, not failed); one caused by this worker
 * shutting down fails the attempt retryably, so another worker grades the delivery. Any other
 * error keeps its stable `name` as the failure type (the SDK would use its class name).
 */
function asActivityFailure(err: unknown): unknown {
  if (err instanceof TemporalFailure) return err;
  const ctx = Context.current();
  const reason: unknown = ctx.cancellationSignal.reason;
  if (
    ctx.cancellationSignal.aborted &&
    reason instanceof CancelledFailure &&
    ctx.cancellationDetails?.workerShutdown !== true
  ) {
    return reason;
  }
  if (!(err instanceof Error)) return err;
  const failure = ApplicationFailure.create({
    message: err.message,
    type: err.name,
    nonRetryable: isConfigFailure(err),
  });
  failure.stack = err.stack ?? '';
  return failure;
}

export type PipelineActivities = ReturnType<typeof createPipelineActivities>;

// runPipeline: one grading config on one delivery, stage by stage in one sandbox (each test on a
// fresh copy of the work dir the build stages left).
// A student's failure is report content; the config's is PipelineConfigError; the sandbox's
// (SandboxUnavailable...) and cancellation (SandboxCancelled) are thrown as they are.
import { SandboxFilesRefusedError } from '../../../failures.js';
import type { GradingConfig, ScoreStage, Stage } from '../config/types.js';
import { openSandbox } from '../sandbox/index.js';
import type { SandboxFile, SandboxOptions, SandboxSession } from '../sandbox/index.js';
import type { GradingReport, StageReport } from '../report/types.js';
import { countVerdicts } from '../report/verdict-counts.js';
import { startHeartbeat } from './heartbeat.js';
import { inStageSpan } from './stage-span.js';
import { throwIfCancelled } from './stage-context.js';
import type { StageContext } from './stage-context.js';
import { runCommandStage } from './stages/command-stage.js';
import { runCompile } from './stages/compile.js';
import { runFileStructureValidation } from './stages/file-structure.js';
import { finalScore, scoreReportsOf, scoreStageReport } from './stages/score.js';
import { runStdioTest, skippedStdioTest } from './stages/stdio-test.js';
import { COMMAND_DEFAULTS } from './limits.js';
import { checkDeliveryPaths, checkPathConflicts, gradedFiles, splitAssets } from './workspace.js';
import type { PipelineFile } from './workspace.js';
import { planBuild, type BuildCache } from './cache/index.js';
import {
  lookUpBuild,
  probeAndLookUp,
  storeBuild,
  type BuildInputs,
  type BuildLookup,
} from './cache/cached-build.js';

export interface RunPipelineInput {
  config: GradingConfig;
  /** The config version id, written into the report. */
  configVersion: string;
  /** The delivery's files. */
  files: PipelineFile[];
  /** The config's assets: provided files, test inputs and expected outputs. */
  assets: PipelineFile[];
  /** Aborting kills the running sandbox; runPipeline then rejects with SandboxCancelled. */
  signal?: AbortSignal;
  /** Called as each stage starts and every 2 s during it (activity heartbeats). */
  onStage?: (stageKey: string) => void;
  sandboxOptions?: SandboxOptions;
  /** The worker's build cache: build stages whose inputs were built before are taken from it. */
  buildCache?: BuildCache;
}

/**
 * Runs `config`'s stages in file order on one delivery and returns its report. Throws
 * PipelineConfigError when the config cannot run (an asset is missing), the sandbox's errors
 * when it cannot run (retry), SandboxCancelled when `signal` fired. A delivery path that is
 * absolute or climbs with `..` is refused before anything runs: the report says so in
 * pipelineError, every stage skipped and a score of 0.
 */
export async function runPipeline(input: RunPipelineInput): Promise<GradingReport> {
  const startedAt = new Date().toISOString();
  const { config, signal } = input;
  const { testData, provided } = splitAssets(config, input.assets);
  throwIfCancelled(signal);

  const refused = (problem: string) => {
    const reports = config.stages
      .filter((stage): stage is RunnableStage => stage.kind !== 'score')
      .map((stage) => skipped(stage, 'the delivery was refused'));
    return assemble(input, startedAt, reports, problem);
  };
  const delivery = checkDeliveryPaths(input.files);
  if (!delivery.ok) return refused(delivery.problem);
  const files = gradedFiles(config, delivery.files, provided);
  const conflict = checkPathConflicts(files, provided);
  if (conflict !== null) return refused(conflict);

  // The build stages' inputs were built before: their reports and /work come from the cache.
  const plan = input.buildCache === undefined ? null : planBuild(config);
  const buildInputs: BuildInputs = {
    config,
    files,
    deliveredPaths: [...delivery.files.keys()],
    sandboxOptions: input.sandboxOptions,
  };
  let build: BuildLookup | null = null;
  if (plan !== null && input.buildCache !== undefined) {
    build = await lookUpBuild(input.buildCache, plan, buildInputs);
  }
  // A config that only checks files and scores runs nothing, nor one whose every command stage
  // comes from the cache: no sandbox is started for it.
  const needsSandbox = () =>
    config.stages.some(
      (stage) =>
        stage.kind !== 'score' &&
        stage.kind !== 'fileStructureValidation' &&
        !(build?.hit?.reports.some((report) => report.key === stage.key) ?? false),
    );
  const open = (start: readonly SandboxFile[]) =>
    openSandbox(
      {
        files: start,
        workBytes: COMMAND_DEFAULTS.workBytes,
        workFiles: COMMAND_DEFAULTS.workFiles,
      },
      input.sandboxOptions,
    );
  let sandbox: SandboxSession | null = null;
  try {
    if (needsSandbox()) {
      sandbox = await open(
        build?.hit?.files ?? [...files].map(([path, content]) => ({ path, content })),
      );
    }
    if (build !== null && build.key === null && sandbox !== null) {
      // This worker's first build with these tools: ask them who they are, in this sandbox.
      await probeAndLookUp(build, buildInputs, sandbox, signal);
      if (build.hit !== null) {
        await sandbox.close();
        sandbox = needsSandbox() ? await open(build.hit.files) : null;
      }
    }
  } catch (error) {
    await sandbox?.close();
    if (error instanceof SandboxFilesRefusedError) return refused(error.message);
    throw error;
  }
  const heartbeat = startHeartbeat(input.onStage);
  try {
    const ctx: StageContext = {
      config,
      sandbox,
      deliveredPaths: buildInputs.deliveredPaths as string[],
      testData,
      heartbeat,
      ...(signal === undefined ? {} : { signal }),
    };
    const reports: StageReport[] = [];
    const cached = new Map(build?.hit?.reports.map((report) => [report.key, report]));
    let buildDone = build === null;
    const finishBuild = async () => {
      if (buildDone || build === null) return;
      buildDone = true;
      await storeBuild(build, reports, sandbox, signal);
    };
    let stopped: string | undefined;
    for (const stage of config.stages) {
      if (stage.kind === 'score') continue; // computed at the end, from every test
      // Right after the build stages, before any test: what they made goes into the cache.
      if (!buildDone && !(plan?.stageKeys.has(stage.key) ?? false)) await finishBuild();
      if (stopped !== undefined) {
        reports.push(
          skipped(stage, `${stopped} failed and _settings.early_return_on_throw is set`),
        );
        continue;
      }
      throwIfCancelled(signal);
      heartbeat.enter(stage.key);
      const fromCache = cached.get(stage.key);
      const report =
        fromCache !== undefined
          ? ({ ...fromCache, fromCache: true } as StageReport)
          : await inStageSpan(stage, async () => {
              const started = performance.now();
              const ran = await runStage(ctx, stage);
              return {
                ...ran,
                durationMs: Math.round(performance.now() - started),
              } as StageReport;
            });
      reports.push(report);
      if (report.status === 'failed' && config.settings.early_return_on_throw) stopped = stage.key;
    }
    await finishBuild();
    heartbeat.check();
    const report = assemble(input, startedAt, reports, null);
    if (build?.key != null) {
      report.buildCache = {
        key: build.key,
        hit: build.hit !== null,
        ...(build.hit !== null ? { builtAt: build.hit.builtAt } : {}),
      };
    }
    return report;
  } finally {
    heartbeat.stop();
    await sandbox?.close();
  }
}

type RunnableStage = Exclude<Stage, ScoreStage>;

function runStage(
  ctx: StageContext,
  stage: RunnableStage,
): Promise<Omit<StageReport, 'durationMs'>> {
  switch (stage.kind) {
    case 'fileStructureValidation':
      return Promise.resolve(runFileStructureValidation(ctx, stage));
    case 'compile':
      return runCompile(ctx, stage);
    case 'make':
    case 'shellExec':
      return runCommandStage(ctx, stage);
    case 'stdioTest':
      return runStdioTest(ctx, stage);
  }
}

function skipped(stage: RunnableStage, reason: string): StageReport {
  if (stage.kind === 'stdioTest') return skippedStdioTest(stage, reason);
  return { kind: stage.kind, key: stage.key, status: 'skipped', durationMs: 0 };
}

/** The report: stage reports in config order (the score stage in its place), scores, counts. */
function assemble(
  input: RunPipelineInput,
  startedAt: string,
  ran: StageReport[],
  pipelineError: string | null,
): GradingReport {
  const scoreStage = input.config.stages.find(
    (stage): stage is ScoreStage => stage.kind === 'score',
  );
  const scoreReports = scoreReportsOf(ran, scoreStage);
  const byKey = new Map(ran.map((report) => [report.key, report]));
  const stageReports: Record<string, StageReport> = {};
  for (const stage of input.config.stages) {
    const report =
      stage.kind === 'score' ? scoreStageReport(stage, scoreReports) : byKey.get(stage.key);
    if (report !== undefined) stageReports[stage.key] = report;
  }
  return {
    configVersion: input.configVersion,
    startedAt,
    finishedAt: new Date().toISOString(),
    stageReports,
    scoreReports,
    ...finalScore(scoreReports, scoreStage),
    verdicts: countVerdicts(ran),
    pipelineError,
  };
}

// The pipeline extension's front door: its descriptor (task queues, configuration section,
// migrations, `create`) and its public API: grading configs, the report formats, the sandbox's
// containment, and `runPipeline` for `zinc try`. Nothing outside the extension imports anything
// else of it but constants.ts and section.ts (lint keeps it so).
import { defineExtension, type PlatformServices } from '../../temporal/registration.js';
import { createBatchSupportActivities } from './activities/batch-support.js';
import { createPipelineActivities } from './activities/execute-pipeline.js';
import { PIPELINE_LIVE_TASK_QUEUE, PIPELINE_TASK_QUEUE } from './constants.js';
import type { DeliveryLocator } from './delivery-locator.js';
import { createBuildCache } from './runner/cache/index.js';
import { sandboxOptionsFrom } from './sandbox/from-config.js';
import { launcherProblemAt } from './sandbox/launcher-version.js';
import { defaultLauncherPath } from './sandbox/session.js';
import { WorkerSetupError } from '../../failures.js';
import { PIPELINE_COMPONENT, PIPELINE_MIGRATIONS_DIR } from './schema.js';
import { pipelineSection, type PipelineConfig } from './section.js';
import { createPipelineService } from './service.js';

/** What the composition root links in: the submission extension's answer to "where is it?". */
export interface PipelineLinks {
  deliveries: DeliveryLocator;
  /** How often ExecutePipeline heartbeats (tests shorten it). */
  heartbeatIntervalMs?: number;
  /** The build cache's folder on this worker's disk (`<data_dir>/build-cache`); without it,
   * or with `build_cache.enabled: false`, every build runs. */
  buildCacheDir?: string;
}

export const pipelineExtension = defineExtension({
  name: 'pipeline',
  taskQueue: PIPELINE_TASK_QUEUE,
  liveTaskQueue: PIPELINE_LIVE_TASK_QUEUE,
  section: pipelineSection,
  migrations: { component: PIPELINE_COMPONENT, dir: PIPELINE_MIGRATIONS_DIR },
  create(platform: PlatformServices, section: PipelineConfig, links: PipelineLinks) {
    const service = createPipelineService(platform);
    const { build_cache: cacheConfig } = section;
    const buildCache =
      cacheConfig.enabled && links.buildCacheDir !== undefined
        ? createBuildCache({ dir: links.buildCacheDir, maxBytes: cacheConfig.max_mb * 1024 * 1024 })
        : undefined;
    return {
      service,
      activities: () => {
        const sandboxOptions = sandboxOptionsFrom(section);
        // A worker whose launcher was built from another launcher.c would fail every delivery:
        // it does not start, and says how to mend it.
        const problem = launcherProblemAt(sandboxOptions.launcherPath ?? defaultLauncherPath());
        if (problem !== null) throw new WorkerSetupError(problem);
        return {
          ...createPipelineActivities({
            configs: service.configs,
            reports: service.reports,
            objects: platform.objects,
            deliveries: links.deliveries,
            sandboxOptions,
            ...(buildCache !== undefined ? { buildCache } : {}),
            ...(links.heartbeatIntervalMs !== undefined
              ? { heartbeatIntervalMs: links.heartbeatIntervalMs }
              : {}),
          }),
          ...createBatchSupportActivities({ service, platform }),
        };
      },
    };
  },
});

export type PipelineExtension = ReturnType<typeof pipelineExtension.create>;
export type { PipelineService, ReportView } from './service.js';
export type { ConfigStore, ConfigAsset, ConfigVersion } from './config-store.js';
export type { ReportStore, ReportRecord, TestResult } from './report-store.js';
export type { DeliveryLocator, DeliveryLocation } from './delivery-locator.js';
export type { PipelineActivities } from './activities/execute-pipeline.js';
export type { BatchSupportActivities } from './activities/batch-support.js';
export type { PipelineConfig } from './section.js';
export {
  MAX_CONFIG_TEXT_BYTES,
  configVersionId,
  createToolchainCheck,
  parseGradingConfig,
  readAssetDir,
} from './config/index.js';
export type { AssetDigest, ConfigProblem, GradingConfig } from './config/index.js';
export { formatReportText } from './report/index.js';
export type { GradingReport } from './report/index.js';
export { runPipeline } from './runner/index.js';
export { createBuildCache } from './runner/cache/index.js';
export type { BuildCache } from './runner/cache/index.js';
export type { PipelineFile } from './runner/index.js';
export { describeContainment, detectContainment, sandboxOptionsFrom } from './sandbox/index.js';
export { launcherProblemAt } from './sandbox/launcher-version.js';
export { defaultLauncherPath } from './sandbox/index.js';
export type { Containment, SandboxOptions } from './sandbox/index.js';

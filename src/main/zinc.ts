// The composition root of every zinc process: the platform, then the extensions and the core
// built through their front doors, linked to each other here (extensions never import each
// other). Commands, the API, workers, tests and benchmarks all build zinc this way.
import type { ZincConfig } from '../config/index.js';
import { coreComponent, type Core } from '../core/index.js';
import { pipelineExtension, type PipelineExtension } from '../extensions/pipeline/index.js';
import { submissionExtension, type SubmissionExtension } from '../extensions/submission/index.js';
import { migrateEventsSchema } from '../platform/event-outbox.js';
import { migrate } from '../platform/migrations.js';
import { dataPaths } from '../platform/paths.js';
import { openPlatform, type OpenPlatformOptions, type Platform } from '../platform/platform.js';

export const COMPONENTS = ['core', 'submission', 'pipeline'] as const;
export type Component = (typeof COMPONENTS)[number];

/** The descriptor of each component, by name. */
export const DESCRIPTORS = {
  core: coreComponent,
  submission: submissionExtension,
  pipeline: pipelineExtension,
} as const;

/** zinc's services over one platform. */
export interface Zinc {
  config: ZincConfig;
  platform: Pick<Platform, 'db' | 'objects' | 'events'>;
  submission: SubmissionExtension;
  pipeline: PipelineExtension;
  core: Core;
}

export interface CreateZincOptions {
  /** The clock for deliveries, windows and token expiry (tests may fix it). */
  now?: () => Date;
  /** How often ExecutePipeline heartbeats (tests shorten it). */
  heartbeatIntervalMs?: number;
}

/** Builds every component over an open platform (cheap: closures, nothing is started). */
export function createZinc(
  config: ZincConfig,
  platform: Pick<Platform, 'db' | 'objects' | 'events'>,
  options: CreateZincOptions = {},
): Zinc {
  const now = options.now !== undefined ? { now: options.now } : {};
  const submission = submissionExtension.create(platform, config.submission, now);
  const pipeline = pipelineExtension.create(platform, config.pipeline, {
    deliveries: submission.deliveries,
    buildCacheDir: dataPaths(config.data_dir).buildCache,
    ...(options.heartbeatIntervalMs !== undefined
      ? { heartbeatIntervalMs: options.heartbeatIntervalMs }
      : {}),
  });
  const core = coreComponent.create(platform, config.grading, {
    submissions: submission.store,
    pipeline: pipeline.service,
    taskQueuePrefix: config.temporal.task_queue_prefix,
    ...now,
  });
  return { config, platform, submission, pipeline, core };
}

/**
 * Brings the event outbox's and the named components' schemas up to date (each applies only its
 * own migrations; every component records events).
 */
export async function migrateComponents(
  platform: Pick<Platform, 'db'>,
  components: readonly Component[] = COMPONENTS,
): Promise<void> {
  await migrateEventsSchema(platform.db);
  for (const component of components) {
    const { migrations } = DESCRIPTORS[component];
    await migrate(platform.db, migrations.component, migrations.dir);
  }
}

/** Opens the platform, migrates every component and builds zinc; close it when done. */
export async function openZinc(
  config: ZincConfig,
  options: CreateZincOptions & OpenPlatformOptions = {},
): Promise<Zinc & { close(): Promise<void> }> {
  const platform = await openPlatform(config, options);
  try {
    await migrateComponents(platform);
  } catch (err) {
    await platform.close();
    throw err;
  }
  return { ...createZinc(config, platform, options), close: () => platform.close() };
}

/** Runs `fn` with zinc open, closing it afterwards. */
export async function withZinc<T>(
  config: ZincConfig,
  fn: (zinc: Zinc) => Promise<T>,
  options: CreateZincOptions = {},
): Promise<T> {
  const zinc = await openZinc(config, options);
  try {
    return await fn(zinc);
  } finally {
    await zinc.close();
  }
}

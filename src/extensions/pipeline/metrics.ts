// The pipeline extension's business metrics (prom-client's default registry, served by the
// process's /metrics): deliveries graded by headline verdict and course, pipeline and stage
// durations, sandbox failures and report saves done again. Labels are bounded: a course code,
// a verdict, a stage kind, a failure kind; never a student, delivery, batch ID or file content.
import { Counter, Histogram } from 'prom-client';
import type { SandboxFailureKind } from '../../failures.js';

/** Seconds, from a compile or a test of a few milliseconds to a long pipeline. */
const DURATION_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/** Reports stored (one per batch and delivery, never counted twice), by headline verdict. */
export const deliveriesGraded = new Counter({
  name: 'zinc_deliveries_graded_total',
  help: "Deliveries graded (a report stored), by the report's headline verdict and the course code",
  labelNames: ['course', 'verdict'] as const,
});

/** One pipeline run on one delivery, from its first stage to its report. */
export const pipelineDuration = new Histogram({
  name: 'zinc_pipeline_duration_seconds',
  help: "How long one delivery's pipeline ran (every stage, in its sandbox)",
  buckets: DURATION_BUCKETS,
});

/** One stage of a pipeline run, by the stage's kind (compile, stdioTest...). */
export const stageDuration = new Histogram({
  name: 'zinc_pipeline_stage_duration_seconds',
  help: 'How long one pipeline stage ran, by stage kind',
  labelNames: ['kind'] as const,
  buckets: DURATION_BUCKETS,
});

/** A sandbox that could not run (the attempt is retried), by what failed. */
export const sandboxFailures = new Counter({
  name: 'zinc_sandbox_failures_total',
  help: 'Sandboxes that could not run a pipeline (the attempt is retried), by what failed: launcher, cgroups, start, died, unresponsive',
  labelNames: ['kind'] as const,
});

/** Why a report save was done again, or found done. */
export type ReportSaveRetry = 'already_stored' | 'concurrent_save' | 'save_failed';

/** A pipeline attempt whose report save was a repeat: stored before, by another, or failed. */
export const reportSaveRetries = new Counter({
  name: 'zinc_report_save_retries_total',
  help: 'Report saves repeated: already_stored (a retried attempt found its report), concurrent_save (an overlapping attempt stored first), save_failed (the save failed; the attempt is retried)',
  labelNames: ['reason'] as const,
});

/** Counts a sandbox failure of `kind`. */
export function countSandboxFailure(kind: SandboxFailureKind): void {
  sandboxFailures.inc({ kind });
}

/** Counts a stored report of `course` under its headline `verdict`. */
export function countGraded(course: string, verdict: string): void {
  deliveriesGraded.inc({ course, verdict });
}

/** What the build cache did for one delivery's build stages. */
export type BuildCacheResult = 'hit' | 'miss' | 'stored' | 'uncacheable' | 'corrupt' | 'evicted';

/** The build cache, by outcome: a hit skips the build stages; corrupt entries are dropped. */
export const buildCacheEvents = new Counter({
  name: 'zinc_build_cache_total',
  help: 'Build cache outcomes: hit (the build was skipped), miss, stored, uncacheable (a limit was hit or /work holds more than folders and files), corrupt (an entry failed its hash check and was dropped), evicted',
  labelNames: ['result'] as const,
});

// The build cache in a real stack (dev server, PGlite, disk storage, the pipeline worker built
// from zinc's configuration): a batch with config v1, then test 2 fixed (config v2) and the
// collection regraded: every delivery's build comes from the worker's cache under the data dir,
// the broken one's COMPILE_ERROR included, with the scores of the fixed tests. A worker with
// `pipeline.build_cache.enabled: false` builds every delivery again.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBatch } from '../src/core/batch-client.js';
import { batchResult } from '../src/cli/watch.js';
import { createConfigStore } from '../src/extensions/pipeline/config-store.js';
import type { GradingReport } from '../src/extensions/pipeline/report/index.js';
import { createSubmissionService } from '../src/extensions/submission/service.js';
import { COMPONENTS, registrationsFor } from '../src/main/components.js';
import { createZinc } from '../src/main/zinc.js';
import { buildSandboxLauncher } from './helpers/pipeline.js';
import { startTestStack, type TestStack } from './helpers/stack.js';
import { ASSETS, CONFIG, PROGRAMS } from './helpers/sum-course.js';

let stack: TestStack;
let workers: { stop(): Promise<void> };
let collectionId: string;
const users: Record<string, string> = {}; // delivery ID -> student
const versions: Record<string, string> = {};

/** The config with test 1 as given (v1 expects a wrong sum). */
const configWithTest1 = (test: string) => CONFIG.replace('stdin: "1 2", expected: "3"', test);

function compileStderr(report: GradingReport): string | undefined {
  const stage = report.stageReports.compile;
  return stage?.kind === 'compile' && stage.status !== 'skipped'
    ? stage.run?.stderr.text
    : undefined;
}

async function gradeWith(version: string) {
  const { batchId, handle } = await startBatch(
    stack.temporal,
    { ...stack.config.grading, concurrency: 2, initial_interval_secs: 0.2, max_interval_secs: 1 },
    { collectionId, configVersion: version, requestedBy: 'ta' },
  );
  const summary = await batchResult(handle);
  expect(summary).toMatchObject({ status: 'completed', total: 3, errored: 0 });
  const reports: Record<string, GradingReport> = {};
  for (const deliveryId of Object.keys(users)) {
    const report = await stack.zinc.pipeline.service.reports.loadDocument(batchId, deliveryId);
    reports[users[deliveryId]!] = report as GradingReport;
  }
  return reports;
}

beforeAll(async () => {
  buildSandboxLauncher();
  stack = await startTestStack();
  const service = createSubmissionService({
    ...stack.platform,
    limits: { maxFiles: 10, maxTotalBytes: 1 << 20, maxFileBytes: 1 << 20, maxExpansionRatio: 100 },
  });
  const { store } = service;
  const course = await store.ensureCourse({ code: 'COMP2011' });
  const activity = await store.ensureActivity(course.id, 'Lab 3');
  const collection = await store.ensureCollection(
    activity.id,
    'main',
    '2026-09-01T00:00:00Z',
    '2026-12-01T00:00:00Z',
  );
  collectionId = collection.id;
  const configs = createConfigStore(stack.platform);
  for (const [name, test] of [
    ['v1', 'stdin: "1 2", expected: "4"'],
    ['v2', 'stdin: "1 2", expected: "3"'],
    ['v3', 'stdin: "5 2", expected: "7"'],
  ] as const) {
    versions[name] = (await configs.addVersion(configWithTest1(test), ASSETS)).id;
    await configs.attachToCollection(collection.id, versions[name]);
  }
  for (const [student, program] of Object.entries({
    s1: PROGRAMS.correct,
    s2: PROGRAMS.wrong,
    s3: PROGRAMS.broken,
  })) {
    await store.ensureUser({ id: student });
    await store.setMember(course.id, student, 'student');
    const { delivery } = await service.deliver({
      collectionId: collection.id,
      userId: student,
      submittedAt: new Date('2026-10-01T00:00:00Z'),
      files: [{ path: 'main.cpp', content: Buffer.from(program) }],
    });
    users[delivery.id] = student;
  }
  await store.ensureUser({ id: 'ta' });
  await store.setMember(course.id, 'ta', 'staff');
  workers = await stack.startWorkers();
}, 180_000);

afterAll(async () => {
  await workers?.stop();
  await stack?.stop();
});

describe('build cache in a batch regrade', () => {
  it('regrades after a test fix with every build from the cache, and the fixed scores', async () => {
    const first = await gradeWith(versions.v1!);
    expect(Object.values(first).map((r) => r.buildCache?.hit)).toEqual([false, false, false]);
    expect([first.s1!.score, first.s2!.score, first.s3!.score]).toEqual([50, 0, 0]);
    const cacheDir = join(stack.config.data_dir, 'build-cache');
    expect(existsSync(cacheDir)).toBe(true);
    const shards = readdirSync(cacheDir).filter((name) => name !== 'tmp');
    expect(shards.flatMap((shard) => readdirSync(join(cacheDir, shard)))).toHaveLength(3);

    const regrade = await gradeWith(versions.v2!);
    for (const student of ['s1', 's2', 's3']) {
      expect(regrade[student]!.buildCache).toMatchObject({
        key: first[student]!.buildCache!.key,
        hit: true,
      });
      expect(regrade[student]!.stageReports.compile).toMatchObject({ fromCache: true });
    }
    expect([regrade.s1!.score, regrade.s2!.score, regrade.s3!.score]).toEqual([100, 0, 0]);
    expect(regrade.s3!.stageReports.compile).toMatchObject({ verdict: 'COMPILE_ERROR' });
    expect(compileStderr(regrade.s3!)).toMatch(/error: expected/);
    expect(compileStderr(regrade.s3!)).toBe(compileStderr(first.s3!));
  });

  it('builds every delivery again on a worker with the cache turned off', async () => {
    await workers.stop();
    const { config } = stack;
    const off = createZinc(
      { ...config, pipeline: { ...config.pipeline, build_cache: { enabled: false, max_mb: 1 } } },
      stack.platform,
    );
    workers = await stack.startWorkers(registrationsFor(off, COMPONENTS));
    const reports = await gradeWith(versions.v3!);
    for (const report of Object.values(reports)) {
      expect(report.buildCache).toBeUndefined();
      expect(report.stageReports.compile).not.toHaveProperty('fromCache');
    }
    expect([reports.s1!.score, reports.s2!.score, reports.s3!.score]).toEqual([100, 0, 0]);
  });
});

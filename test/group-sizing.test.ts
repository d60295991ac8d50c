// Groups sized by pace (grading.group_secs, patch `group-size-adaptive`), on the real dev server
// with PGlite, disk storage and the sandbox: a batch of quick pipelines grows its groups once it
// knows how long a delivery takes; a batch whose deliveries each take longer than group_secs
// grades them one per activity. Either way each delivery is in exactly one group and has
// exactly one report.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBatch } from '../src/core/batch-client.js';
import type { GradingDefaults } from '../src/core/grading-config.js';
import { createReportStore } from '../src/extensions/pipeline/report-store.js';
import { batchResult } from '../src/cli/watch.js';
import { pipelineGroups } from './helpers/batch-history.js';
import {
  SCORE_ONLY_CONFIG,
  SUM_ONE_TEST_CONFIG,
  deliverProgram,
  seedCourse,
  type SeededCourse,
} from './helpers/course.js';
import { startTestStack, type TestStack } from './helpers/stack.js';

let stack: TestStack;
let quick: SeededCourse;
let compiled: SeededCourse;

function defaults(overrides: Partial<GradingDefaults>): GradingDefaults {
  return { ...stack.config.grading, concurrency: 2, ...overrides };
}

beforeAll(async () => {
  stack = await startTestStack();
  quick = await seedCourse(stack, 'GROUPQ', SCORE_ONLY_CONFIG);
  for (let i = 1; i <= 40; i++) {
    await deliverProgram(quick, `q${String(i).padStart(2, '0')}`, `// q${i}\nint main() {}\n`);
  }
  compiled = await seedCourse(stack, 'GROUPC', SUM_ONE_TEST_CONFIG);
  for (let i = 1; i <= 8; i++) {
    // A different source each, so no build is taken from the build cache.
    await deliverProgram(
      compiled,
      `c${i}`,
      `#include <iostream>\n// c${i}\nint main(){long a,b;std::cin>>a>>b;std::cout<<a+b<<"\\n";}\n`,
    );
  }
  await stack.startWorkers();
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

describe('groups sized by pace', () => {
  it('start at one delivery each, then grow once the pace is known; each delivery once', async () => {
    const { batchId, handle } = await startBatch(
      stack.temporal,
      defaults({ deliveries_per_activity: 20, group_secs: 5 }),
      { collectionId: quick.collectionId, requestedBy: 'ta' },
    );
    const summary = await batchResult(handle);
    expect(summary).toMatchObject({ status: 'completed', total: 40, done: 40, errored: 0 });

    const groups = await pipelineGroups(handle);
    const sizes = groups.map((g) => g.deliveryIds.length);
    console.info(`group sizes: ${sizes.join(', ')}`);
    // Nothing is known of the pace at first: one delivery per slot.
    expect(sizes.slice(0, 2)).toEqual([1, 1]);
    // Then groups as large as 5 s of such deliveries allow (the last page's groups shrink so
    // that its tail spreads over both slots: 38 left gives 19, 19 left gives 10, and so on).
    expect(Math.max(...sizes)).toBeGreaterThan(10);
    expect(groups.length).toBeLessThan(15);
    const ids = groups.flatMap((g) => g.deliveryIds);
    expect(new Set(ids).size).toBe(40);
    expect(ids).toHaveLength(40);
    expect(groups.every((g) => g.completed)).toBe(true);
    expect(await createReportStore(stack.platform).listForBatch(batchId)).toHaveLength(40);
  });

  it('stay at one delivery when a delivery takes longer than group_secs', async () => {
    const { batchId, handle } = await startBatch(
      stack.temporal,
      defaults({ deliveries_per_activity: 20, group_secs: 0.1 }),
      { collectionId: compiled.collectionId, requestedBy: 'ta' },
    );
    const summary = await batchResult(handle);
    expect(summary).toMatchObject({
      status: 'completed',
      total: 8,
      done: 8,
      counts: { PASSED: 8 },
    });
    const groups = await pipelineGroups(handle);
    // (Sized by deliveries_per_activity alone, the tail after the first two would be 3, 2, 1.)
    expect(groups.map((g) => g.deliveryIds.length)).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    expect(await createReportStore(stack.platform).listForBatch(batchId)).toHaveLength(8);
  });

  it('are deliveries_per_activity from the first with group_secs 0', async () => {
    const { handle } = await startBatch(
      stack.temporal,
      defaults({ deliveries_per_activity: 4, group_secs: 0 }),
      { collectionId: quick.collectionId, requestedBy: 'ta' },
    );
    await batchResult(handle);
    const sizes = (await pipelineGroups(handle)).map((g) => g.deliveryIds.length);
    // Groups of 4 from the start; only the last page's tail shrinks (4 left: 2, 1, 1).
    expect(sizes.slice(0, 8)).toEqual([4, 4, 4, 4, 4, 4, 4, 4]);
    expect(Math.max(...sizes)).toBe(4);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(40);
  });
});

// The worker module's checks: one worker per queue, fail fast on bad registrations; a queue with
// activity slots of its own (the pipeline workers' live queue, `worker.live_slots`).
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import {
  PIPELINE_LIVE_TASK_QUEUE,
  PIPELINE_TASK_QUEUE,
} from '../src/extensions/pipeline/constants.js';
import { registrationsFor } from '../src/main/components.js';
import type { Zinc } from '../src/main/zinc.js';
import { formatTaskQueue } from '../src/temporal/task-queue.js';
import {
  asActivities,
  asWorkflows,
  onOwnSlots,
  type ActivityRegistration,
} from '../src/temporal/registration.js';
import { WORKER_INFO_ACTIVITY } from '../src/temporal/constants.js';
import { planWorkers } from '../src/temporal/worker.js';
import { tempDir } from './helpers/temporal.js';

const ok = () => Promise.resolve('ok');

describe('formatTaskQueue', () => {
  it('joins prefix and suffix with a dash; an empty suffix gives the prefix', () => {
    expect(formatTaskQueue('zinc', 'pipeline-default')).toBe('zinc-pipeline-default');
    expect(formatTaskQueue('zinc', 'core-default')).toBe('zinc-core-default');
    expect(formatTaskQueue('acme', 'submission-default')).toBe('acme-submission-default');
    expect(formatTaskQueue('zinc', '')).toBe('zinc');
  });
});

describe('planWorkers', () => {
  const submission = { name: 'submission', taskQueue: 'submission-default' };
  /** What an extension's `create` returns, its activities closed over `tag`. */
  const created = (tag: string) => ({
    activities: () => ({ GetThing: () => Promise.resolve(tag) }),
  });

  it('groups activities and workflows into one worker per fully qualified queue', () => {
    const plans = planWorkers(
      [
        asWorkflows('core-default', 'workflows.ts'),
        asActivities(submission, created('a')),
        {
          kind: 'activities',
          extension: 'other',
          taskQueue: 'submission-default',
          activities: { Other: ok },
        },
        {
          kind: 'activities',
          extension: 'pipeline',
          taskQueue: 'pipeline-default',
          activities: { GetThing: ok },
        },
      ],
      'zinc',
    );
    expect(plans.map((p) => p.taskQueue)).toEqual([
      'zinc-core-default',
      'zinc-submission-default',
      'zinc-pipeline-default',
    ]);
    const sub = plans[1]!;
    expect(Object.keys(sub.activities).sort()).toEqual(['GetThing', 'Other', WORKER_INFO_ACTIVITY]);
    expect(plans[0]!.workflowsPath).toBe('workflows.ts');
  });

  it('binds activities to the dependencies the process built', async () => {
    const [plan] = planWorkers([asActivities(submission, created('built-by-process'))], 'zinc');
    await expect(plan!.activities.GetThing!()).resolves.toBe('built-by-process');
  });

  it('fails fast on the same activity name twice on one queue, naming both owners', () => {
    expect(() =>
      planWorkers(
        [
          asActivities(submission, created('a')),
          {
            kind: 'activities',
            extension: 'copycat',
            taskQueue: 'submission-default',
            activities: { GetThing: ok },
          },
        ],
        'zinc',
      ),
    ).toThrow(
      "activity 'GetThing' is registered twice on task queue zinc-submission-default (by extension 'submission' and extension 'copycat')",
    );
  });

  it('fails fast on a registration without a task queue', () => {
    const noQueue = { name: 'lost', taskQueue: '' };
    expect(() =>
      planWorkers([asActivities(noQueue, { activities: () => ({ A: ok }) })], 'zinc'),
    ).toThrow("extension 'lost' has no task queue");
  });

  it('refuses two workflow bundles on one queue and the reserved activity name', () => {
    expect(() =>
      planWorkers(
        [asWorkflows('core-default', 'a.ts'), asWorkflows('core-default', 'b.ts')],
        'zinc',
      ),
    ).toThrow(/two workflow bundles/);
    expect(() =>
      planWorkers(
        [
          {
            kind: 'activities',
            extension: 'x',
            taskQueue: 'q',
            activities: { [WORKER_INFO_ACTIVITY]: ok },
          },
        ],
        'zinc',
      ),
    ).toThrow(/reserved/);
  });
});

describe('a queue with slots of its own', () => {
  const pipeline = { name: 'pipeline', taskQueue: 'pipeline-default' };

  it('gets the slots its registration asks for; the other queues keep the worker default', () => {
    let built = 0;
    const served = asActivities(pipeline, {
      activities: () => {
        built++;
        return { ExecutePipeline: ok };
      },
    });
    const plans = planWorkers([served, onOwnSlots(served, 'pipeline-live', 2)], 'zinc');
    expect(plans.map((p) => [p.taskQueue, p.maxConcurrentActivities])).toEqual([
      ['zinc-pipeline-default', undefined],
      ['zinc-pipeline-live', 2],
    ]);
    // The same activity functions on both queues, built once.
    expect(built).toBe(1);
    expect(plans[1]!.activities.ExecutePipeline).toBe(plans[0]!.activities.ExecutePipeline);
    expect(Object.keys(plans[1]!.activities).sort()).toEqual([
      'ExecutePipeline',
      WORKER_INFO_ACTIVITY,
    ]);
  });

  it('refuses a slot count that is not a whole number of at least 1, or two that disagree', () => {
    const on = (slots: number, extension = 'pipeline'): ActivityRegistration => ({
      kind: 'activities',
      extension,
      taskQueue: 'pipeline-live',
      activities: { [`A${extension}`]: ok },
      maxConcurrentActivities: slots,
    });
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => planWorkers([on(bad)], 'zinc')).toThrow(
        `extension 'pipeline' asks for ${bad} activity slots on task queue zinc-pipeline-live: expected a whole number of at least 1`,
      );
    }
    expect(() => planWorkers([on(2), on(3, 'other')], 'zinc')).toThrow(
      "task queue zinc-pipeline-live is given 2 activity slots by extension 'pipeline' and 3 by extension 'other'",
    );
    expect(planWorkers([on(3), on(3, 'other')], 'zinc')[0]!.maxConcurrentActivities).toBe(3);
  });

  it('is the pipeline live queue, on worker.live_slots, wherever the pipeline component is served', () => {
    let built = 0;
    const zinc = {
      config: loadConfig({ env: { ZINC_WORKER_LIVE_SLOTS: '3' }, cwd: tempDir() }),
      pipeline: {
        activities: () => {
          built++;
          return { ExecutePipeline: ok, DescribeConfig: ok };
        },
      },
      submission: { activities: () => ({ GetCollectionLatestDeliveries: ok }) },
    } as unknown as Zinc;
    const registrations = registrationsFor(zinc, ['submission', 'pipeline']);
    expect(
      registrations.map((r) => [r.taskQueue, (r as ActivityRegistration).maxConcurrentActivities]),
    ).toEqual([
      ['submission-default', undefined],
      [PIPELINE_TASK_QUEUE, undefined],
      [PIPELINE_LIVE_TASK_QUEUE, 3],
    ]);
    expect(built).toBe(1);
    const live = planWorkers(registrations, 'zinc').find(
      (p) => p.taskQueue === 'zinc-pipeline-live',
    );
    expect(Object.keys(live!.activities).sort()).toEqual([
      'DescribeConfig',
      'ExecutePipeline',
      WORKER_INFO_ACTIVITY,
    ]);
  });

  it('worker.live_slots: 2 by default; a bad value is refused naming the field and its source', () => {
    expect(loadConfig({ env: {}, cwd: tempDir() }).worker.live_slots).toBe(2);
    expect(() => loadConfig({ env: { ZINC_WORKER_LIVE_SLOTS: '0' }, cwd: tempDir() })).toThrow(
      /worker\.live_slots: expected at least 1 slot \(from environment variable ZINC_WORKER_LIVE_SLOTS\)/,
    );
    expect(() => loadConfig({ env: { ZINC_WORKER_LIVE_SLOTS: '1.5' }, cwd: tempDir() })).toThrow(
      /worker\.live_slots: expected a whole number of slots/,
    );
  });
});

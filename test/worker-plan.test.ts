// The worker module's checks: one worker per queue, fail fast on bad registrations.
import { describe, expect, it } from 'vitest';
import { formatTaskQueue } from '../src/temporal/task-queue.js';
import { asActivities, asWorkflows } from '../src/temporal/registration.js';
import { WORKER_INFO_ACTIVITY } from '../src/temporal/constants.js';
import { planWorkers } from '../src/temporal/worker.js';

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

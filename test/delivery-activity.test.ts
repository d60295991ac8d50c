// GetCollectionLatestDeliveries on the real dev server, served by the submission extension's
// worker over a real PostgreSQL: paging, unknown collections, and a database outage.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { ActivityFailure } from '@temporalio/common';
import { SUBMISSION_TASK_QUEUE } from '../src/extensions/submission/constants.js';
import { createDeliveryActivities } from '../src/extensions/submission/activities/deliveries.js';
import { migrateSubmissionSchema } from '../src/extensions/submission/schema.js';
import { createSubmissionStore } from '../src/extensions/submission/store.js';
import type { Database } from '../src/platform/database.js';
import { openPostgresDatabase } from '../src/platform/postgres-database.js';
import { connectTemporalClient, type ZincTemporalClient } from '../src/temporal/client.js';
import { temporalConfigSchema, workerConfigSchema } from '../src/temporal/config.js';
import { CORE_TASK_QUEUE } from '../src/temporal/constants.js';
import type { DevServer } from '../src/temporal/dev-server.js';
import { asWorkflows } from '../src/temporal/registration.js';
import { installRuntime } from '../src/temporal/runtime.js';
import { createWorkerSet, type WorkerSet } from '../src/temporal/worker.js';
import type { pageThrough } from './fixtures/workflows.js';
import { startPostgres, type TestPostgres } from './helpers/postgres.js';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.js';
import { NAMESPACE, startTestServer } from './helpers/temporal.js';

const workflowsPath = fileURLToPath(new URL('./fixtures/workflows.ts', import.meta.url));
const temporalConfig = temporalConfigSchema.parse({ namespace: NAMESPACE });
const STUDENTS = 1_234;

let server: DevServer;
let postgres: TestPostgres;
let proxy: TcpProxy;
let db: Database;
let temporal: ZincTemporalClient;
let workers: WorkerSet;
let running: Promise<void>;
let collectionId: string;

beforeAll(async () => {
  installRuntime({ level: 'error' });
  [server, postgres] = await Promise.all([startTestServer(), startPostgres()]);
  proxy = await startTcpProxy(postgres.host, postgres.port);
  db = await openPostgresDatabase(postgres.url.replace(`:${postgres.port}/`, `:${proxy.port}/`));
  await migrateSubmissionSchema(db);
  const store = createSubmissionStore(db);
  const course = await store.ensureCourse({ code: 'COMP1021' });
  const activity = await store.ensureActivity(course.id, 'Assignment 1');
  const collection = await store.ensureCollection(
    activity.id,
    'main',
    '2026-09-01T00:00:00Z',
    '2026-10-01T00:00:00Z',
  );
  collectionId = collection.id;
  // Every student delivers twice, the staff member once (a test delivery).
  await db.query(
    `INSERT INTO users (id) SELECT 's' || lpad(g::text, 5, '0') FROM generate_series(1, $1) g`,
    [STUDENTS],
  );
  await db.query(
    `INSERT INTO deliveries (id, collection_id, user_id, submitted_at, manifest, total_size, sha256, object_key)
     SELECT 'dlv_' || lpad(g::text, 5, '0') || '_' || v, $1, 's' || lpad(g::text, 5, '0'),
            timestamptz '2026-09-10T00:00:00Z' + (v || ' hours')::interval, '[]'::jsonb, 1,
            repeat('a', 64), 'deliveries/x/'
       FROM generate_series(1, $2) g, generate_series(1, 2) v`,
    [collectionId, STUDENTS],
  );
  await store.ensureUser({ id: 'ta' });
  await db.query(
    `INSERT INTO deliveries (id, collection_id, user_id, submitted_at, manifest, total_size, sha256, object_key, is_test)
     VALUES ('dlv_ta', $1, 'ta', now(), '[]', 1, repeat('b', 64), 'deliveries/x/', true)`,
    [collectionId],
  );
  temporal = await connectTemporalClient(temporalConfig, server.address);
  workers = await createWorkerSet({
    temporal: temporalConfig,
    address: server.address,
    worker: workerConfigSchema.parse({}),
    registrations: [
      asWorkflows(CORE_TASK_QUEUE, workflowsPath),
      {
        kind: 'activities',
        extension: 'submission',
        taskQueue: SUBMISSION_TASK_QUEUE,
        activities: createDeliveryActivities({ store }),
      },
    ],
  });
  running = workers.run();
}, 180_000);

afterAll(async () => {
  workers?.shutdown();
  await running;
  await workers?.close();
  await temporal?.close();
  await db?.close();
  await proxy?.close();
  await Promise.all([postgres?.stop(), server?.stop()]);
});

function page(input: { collectionId: string; pageSize?: number; includeTest?: boolean }) {
  return temporal.client.workflow.start<typeof pageThrough>('pageThrough', {
    taskQueue: temporal.formatTaskQueue(CORE_TASK_QUEUE),
    workflowId: `page-through-${Date.now()}-${Math.random()}`,
    args: [{ taskQueue: temporal.formatTaskQueue(SUBMISSION_TASK_QUEUE), ...input }],
  });
}

describe('GetCollectionLatestDeliveries', () => {
  it('returns the latest delivery of every student exactly once, a page at a time', async () => {
    const result = await (await page({ collectionId })).result();
    expect(result.pages).toBe(2); // 1,000 + 234
    expect(result.userIds).toHaveLength(STUDENTS);
    expect(new Set(result.userIds).size).toBe(STUDENTS);
    expect(result.userIds).toEqual([...result.userIds].sort());
    expect(result.deliveryIds.every((id) => id.endsWith('_2'))).toBe(true); // the later one
    expect(result.userIds).not.toContain('ta');

    const withTests = await (
      await page({ collectionId, pageSize: 500, includeTest: true })
    ).result();
    expect(withTests.pages).toBe(3);
    expect(withTests.userIds).toHaveLength(STUDENTS + 1);
    expect(withTests.userIds).toContain('ta');
  });

  it('fails an unknown collection at once, without retrying', async () => {
    const handle = await page({ collectionId: 'col_doesnotexist' });
    const error = await handle.result().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const activityFailure = (error as WorkflowFailedError).cause;
    expect(activityFailure).toBeInstanceOf(ActivityFailure);
    const cause = (activityFailure as ActivityFailure).cause as ApplicationFailure;
    expect(cause.type).toBe('CollectionNotFound');
    expect(cause.message).toBe('collection col_doesnotexist does not exist');
    expect(cause.nonRetryable).toBe(true);
    const history = await handle.fetchHistory();
    const started = history.events!.filter((e) => e.activityTaskStartedEventAttributes);
    expect(started).toHaveLength(1);
    expect(started[0]!.activityTaskStartedEventAttributes!.attempt).toBe(1);
  });

  it('retries through a database outage and completes once the database is back', async () => {
    await proxy.cut();
    const handle = await page({ collectionId });
    let attempt = 0;
    let lastFailure = '';
    for (let i = 0; i < 200 && attempt < 3; i++) {
      const pending = (await handle.describe()).raw.pendingActivities ?? [];
      attempt = pending[0]?.attempt ?? 0;
      lastFailure = pending[0]?.lastFailure?.message ?? lastFailure;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(attempt).toBeGreaterThanOrEqual(3);
    expect(lastFailure).toMatch(/127\.0\.0\.1:\d+/);
    await proxy.restore();
    const result = await handle.result();
    expect(result.userIds).toHaveLength(STUDENTS);
  });
});

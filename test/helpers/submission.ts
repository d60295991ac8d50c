// Test helper: the submission service over a real database engine and a real object store.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from '../../src/platform/database.js';
import { createDiskObjectStore } from '../../src/platform/disk-object-store.js';
import type { ZincEvent } from '../../src/platform/events.js';
import { createInProcessEventBus } from '../../src/platform/in-process-events.js';
import { migrateEventsSchema } from '../../src/platform/event-outbox.js';
import { startEventRelay } from '../../src/platform/event-relay.js';
import type { ObjectStore } from '../../src/platform/object-store.js';
import { createS3ObjectStore } from '../../src/platform/s3-object-store.js';
import type { DeliveryLimits } from '../../src/extensions/submission/delivery-files.js';
import { migrateSubmissionSchema } from '../../src/extensions/submission/schema.js';
import {
  createSubmissionService,
  type SubmissionService,
} from '../../src/extensions/submission/service.js';
import { startEngine, type TestEngine } from './databases.js';
import { startS3Server, type S3Server } from './s3-server.js';

export type Stack = 'pglite+disk' | 'postgres+s3';
export const STACKS: Stack[] = ['pglite+disk', 'postgres+s3'];

export const TEST_LIMITS: DeliveryLimits = {
  maxFiles: 50,
  maxTotalBytes: 2 * 1024 * 1024,
  maxFileBytes: 512 * 1024,
  maxExpansionRatio: 100,
};

export interface SubmissionStack {
  service: SubmissionService;
  db: Database;
  objects: ObjectStore;
  /** The `submission.received` events relayed so far (`flushEvents` relays the rest). */
  events: ZincEvent[];
  flushEvents(): Promise<void>;
  engine: TestEngine;
  stop(): Promise<void>;
}

/** The embedded stack (PGlite + disk) or the production one (PostgreSQL + S3), both real. */
export async function startSubmissionStack(
  stack: Stack,
  limits: DeliveryLimits = TEST_LIMITS,
  now?: () => Date,
): Promise<SubmissionStack> {
  const engine = await startEngine(stack.startsWith('pglite') ? 'pglite' : 'postgres');
  let s3: S3Server | undefined;
  let objects: ObjectStore;
  if (stack.endsWith('s3')) {
    s3 = await startS3Server();
    const store = createS3ObjectStore({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      bucket: 'zinc-test',
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
      forcePathStyle: true,
    });
    await store.ensureBucket();
    objects = store;
  } else {
    objects = createDiskObjectStore(mkdtempSync(join(tmpdir(), 'zinc-objects-')));
  }
  const db = await engine.open();
  await migrateEventsSchema(db);
  await migrateSubmissionSchema(db);
  const bus = createInProcessEventBus();
  const relay = startEventRelay({ db, bus, intervalMs: 50 });
  const events: ZincEvent[] = [];
  bus.subscribe('submission.received', (e) => {
    events.push(e);
  });
  const service = createSubmissionService({
    db,
    objects,
    limits,
    ...(now ? { now } : {}),
  });
  return {
    service,
    db,
    objects,
    events,
    async flushEvents() {
      await relay.flush();
      await new Promise((resolve) => setImmediate(resolve));
    },
    engine,
    async stop() {
      await relay.stop();
      await objects.close();
      await engine.stop();
      await s3?.stop();
    },
  };
}

// The submission store on PGlite (in a folder) and on a real PostgreSQL server: the same suite,
// the same SQL. What the submission service and the batch workflow rely on.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/platform/database.js';
import { migrate } from '../src/platform/migrations.js';
import { openPostgresDatabase } from '../src/platform/postgres-database.js';
import {
  SUBMISSION_COMPONENT,
  SUBMISSION_MIGRATIONS_DIR,
  migrateSubmissionSchema,
} from '../src/extensions/submission/schema.js';
import { createSubmissionStore } from '../src/extensions/submission/store.js';
import type {
  Collection,
  NewDelivery,
  SubmissionStore,
} from '../src/extensions/submission/store.js';
import { ENGINES, startEngine } from './helpers/databases.js';
import type { TestEngine } from './helpers/databases.js';
import { startPostgres } from './helpers/postgres.js';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

let courseCounter = 0;

/** A fresh course, activity and collection (tests share one database per engine). */
async function freshCollection(store: SubmissionStore): Promise<Collection> {
  courseCounter += 1;
  const course = await store.ensureCourse({ code: `TEST${courseCounter}`, term: '2025 Fall' });
  const activity = await store.ensureActivity(course.id, 'lab1');
  return store.ensureCollection(
    activity.id,
    'main',
    '2025-09-01T00:00:00Z',
    '2025-09-08T00:00:00Z',
  );
}

function delivery(
  collectionId: string,
  userId: string,
  submittedAt: string,
  content: string,
  extra: Partial<NewDelivery> = {},
): NewDelivery {
  const hash = sha(content);
  return {
    collectionId,
    userId,
    submittedAt,
    manifest: [{ path: 'main.c', size: content.length, sha256: hash }],
    totalSize: content.length,
    sha256: hash,
    late: false,
    objectKey: `deliveries/${userId}/${hash}.zip`,
    ...extra,
  };
}

describe.each(ENGINES)('submission store on %s', (engine) => {
  let host: TestEngine;
  let db: Database;
  let store: SubmissionStore;

  beforeAll(async () => {
    host = await startEngine(engine);
    db = await host.open();
    store = createSubmissionStore(db);
  });
  afterAll(async () => {
    await host?.stop();
  });

  it('applies its migrations, then re-applying does nothing', async () => {
    expect(await migrateSubmissionSchema(db)).toEqual({
      applied: ['0001_submission.sql', '0002_live_feedback.sql'],
    });
    expect(await migrateSubmissionSchema(db)).toEqual({ applied: [] });
    expect(await migrate(db, SUBMISSION_COMPONENT, SUBMISSION_MIGRATIONS_DIR)).toEqual({
      applied: [],
    });
  });

  it('gets or creates courses, users, members, activities and collections', async () => {
    const course = await store.ensureCourse({ code: 'COMP2012', name: 'OOP', term: '2025 Fall' });
    expect(course).toMatchObject({ code: 'COMP2012', name: 'OOP', term: '2025 Fall' });
    expect(course.id).toMatch(/^crs_[0-9a-z]{24}$/);
    expect(await store.ensureCourse({ code: 'COMP2012' })).toEqual(course);
    expect(await store.getCourseByCode('COMP2012')).toEqual(course);
    expect(await store.getCourseByCode('NOPE')).toBeNull();

    expect(await store.ensureUser({ id: '20512345' })).toEqual({
      id: '20512345',
      displayName: null,
    });
    expect(await store.ensureUser({ id: '20512345', displayName: 'Chan Tai Man' })).toEqual({
      id: '20512345',
      displayName: 'Chan Tai Man',
    });
    // No display name given: the stored one stays.
    expect(await store.ensureUser({ id: '20512345' })).toEqual({
      id: '20512345',
      displayName: 'Chan Tai Man',
    });

    expect(await store.getMemberRole(course.id, '20512345')).toBeNull();
    await store.setMember(course.id, '20512345', 'student');
    expect(await store.getMemberRole(course.id, '20512345')).toBe('student');
    await store.setMember(course.id, '20512345', 'staff');
    expect(await store.getMemberRole(course.id, '20512345')).toBe('staff');
    await expect(store.setMember(course.id, 'nobody', 'student')).rejects.toMatchObject({
      name: 'InvalidSubmissionInput',
    });

    const activity = await store.ensureActivity(course.id, 'Lab 1');
    expect(activity.id).toMatch(/^act_/);
    expect(await store.ensureActivity(course.id, 'Lab 1')).toEqual(activity);

    const collection = await store.ensureCollection(
      activity.id,
      'main',
      new Date('2025-09-01T00:00:00Z'),
      '2025-09-08T12:00:00+08:00',
    );
    expect(collection).toMatchObject({
      activityId: activity.id,
      name: 'main',
      startAt: '2025-09-01T00:00:00.000Z',
      stopAt: '2025-09-08T04:00:00.000Z',
    });
    expect(collection.id).toMatch(/^col_/);
    // Get-or-create: the window of an existing collection is not changed.
    expect(
      await store.ensureCollection(
        activity.id,
        'main',
        '2030-01-01T00:00:00Z',
        '2030-02-01T00:00:00Z',
      ),
    ).toEqual(collection);
    expect(await store.getCollection(collection.id)).toEqual({ ...collection, activity, course });
    const listed = await store.listCollections();
    expect(listed).toContainEqual({ ...collection, activity, course });

    await expect(
      store.ensureCollection(
        activity.id,
        'backwards',
        '2025-09-08T00:00:00Z',
        '2025-09-01T00:00:00Z',
      ),
    ).rejects.toThrow(/stop .* must be after start/);
  });

  it('records a delivery once: inserting it again returns the existing row', async () => {
    const collection = await freshCollection(store);
    await store.ensureUser({ id: 's-dup' });
    const first = await store.insertDelivery(
      delivery(collection.id, 's-dup', '2025-09-02T10:00:00Z', 'int main() {}'),
    );
    expect(first.inserted).toBe(true);
    expect(first.delivery).toMatchObject({
      collectionId: collection.id,
      userId: 's-dup',
      submittedAt: '2025-09-02T10:00:00.000Z',
      totalSize: 13,
      late: false,
      isTest: false,
      manifest: [{ path: 'main.c', size: 13, sha256: sha('int main() {}') }],
    });
    expect(first.delivery.id).toMatch(/^dlv_/);

    // The same import again, with another object key and ID: nothing new.
    const again = await store.insertDelivery(
      delivery(collection.id, 's-dup', '2025-09-02T10:00:00.000Z', 'int main() {}', {
        id: 'dlv_other',
        objectKey: 'elsewhere',
      }),
    );
    expect(again).toEqual({ delivery: first.delivery, inserted: false });
    expect(await store.getDelivery(first.delivery.id)).toEqual(first.delivery);
    expect(await store.getDelivery('dlv_other')).toBeNull();

    // Concurrent imports of one new delivery: exactly one inserts it.
    const racing = await Promise.all(
      Array.from({ length: 5 }, () =>
        store.insertDelivery(delivery(collection.id, 's-dup', '2025-09-03T10:00:00Z', 'v2')),
      ),
    );
    expect(racing.filter((r) => r.inserted)).toHaveLength(1);
    expect(new Set(racing.map((r) => r.delivery.id)).size).toBe(1);
    expect(await store.listDeliveries(collection.id)).toHaveLength(2);
  });

  it('refuses a delivery into an unknown collection or of an unknown user', async () => {
    const collection = await freshCollection(store);
    await expect(
      store.insertDelivery(delivery('col_missing', 's-dup', '2025-09-02T10:00:00Z', 'x')),
    ).rejects.toMatchObject({ name: 'InvalidSubmissionInput' });
    await expect(
      store.insertDelivery(delivery(collection.id, 'never-seen', '2025-09-02T10:00:00Z', 'x')),
    ).rejects.toThrow(/does not exist/);
    await expect(
      store.insertDelivery({ ...delivery(collection.id, 's-dup', 'yesterday', 'x') }),
    ).rejects.toThrow(/submittedAt is not a valid date/);
  });

  it('gives the latest delivery of each student, ties broken by the greatest delivery ID', async () => {
    const collection = await freshCollection(store);
    for (const id of ['alice', 'bob', 'carol']) await store.ensureUser({ id });
    const insert = async (...args: Parameters<typeof delivery>) =>
      (await store.insertDelivery(delivery(...args))).delivery;
    await insert(collection.id, 'bob', '2025-09-02T10:00:00Z', 'b1');
    const bobLatest = await insert(collection.id, 'bob', '2025-09-05T10:00:00Z', 'b2');
    await insert(collection.id, 'bob', '2025-09-03T10:00:00Z', 'b3');
    const aliceLate = await insert(collection.id, 'alice', '2025-09-09T10:00:00Z', 'a1', {
      late: true,
    });
    // Two deliveries of carol at the same instant: the greater ID wins, every time.
    await insert(collection.id, 'carol', '2025-09-04T10:00:00Z', 'c1', { id: 'dlv_tie_a' });
    await insert(collection.id, 'carol', '2025-09-04T10:00:00Z', 'c2', { id: 'dlv_tie_b' });

    const page = await store.latestDeliveriesPage(collection.id);
    expect(page?.nextCursor).toBeNull();
    expect(page?.deliveries).toEqual([
      {
        id: aliceLate.id,
        userId: 'alice',
        submittedAt: '2025-09-09T10:00:00.000Z',
        late: true,
        isTest: false,
        totalSize: 2,
        sha256: sha('a1'),
        objectKey: aliceLate.objectKey,
      },
      expect.objectContaining({ id: bobLatest.id, userId: 'bob' }),
      expect.objectContaining({ id: 'dlv_tie_b', userId: 'carol' }),
    ]);
    expect(await store.latestDeliveriesPage(collection.id)).toEqual(page);

    const latest = await store.listDeliveries(collection.id, { latestOnly: true });
    expect(latest?.map((d) => d.id)).toEqual(page?.deliveries.map((d) => d.id));
    const all = await store.listDeliveries(collection.id);
    expect(all?.map((d) => [d.userId, d.submittedAt])).toEqual([
      ['alice', '2025-09-09T10:00:00.000Z'],
      ['bob', '2025-09-05T10:00:00.000Z'],
      ['bob', '2025-09-03T10:00:00.000Z'],
      ['bob', '2025-09-02T10:00:00.000Z'],
      ['carol', '2025-09-04T10:00:00.000Z'],
      ['carol', '2025-09-04T10:00:00.000Z'],
    ]);
  });

  it('leaves staff test deliveries out unless asked to include them', async () => {
    const collection = await freshCollection(store);
    for (const id of ['staff1', 'stu1']) await store.ensureUser({ id });
    await store.insertDelivery(
      delivery(collection.id, 'staff1', '2025-09-02T10:00:00Z', 't', { isTest: true }),
    );
    const real = await store.insertDelivery(
      delivery(collection.id, 'stu1', '2025-09-02T10:00:00Z', 'r1'),
    );
    // A test delivery of a student is newer than the real one: the real one counts.
    await store.insertDelivery(
      delivery(collection.id, 'stu1', '2025-09-03T10:00:00Z', 'r2', { isTest: true }),
    );

    const without = await store.latestDeliveriesPage(collection.id);
    expect(without?.deliveries.map((d) => [d.userId, d.id, d.isTest])).toEqual([
      ['stu1', real.delivery.id, false],
    ]);
    const withTests = await store.latestDeliveriesPage(collection.id, { includeTest: true });
    expect(withTests?.deliveries.map((d) => [d.userId, d.isTest])).toEqual([
      ['staff1', true],
      ['stu1', true],
    ]);
    expect(await store.listDeliveries(collection.id)).toHaveLength(1);
    expect(await store.listDeliveries(collection.id, { includeTest: true })).toHaveLength(3);
  });

  it('pages through 2,500 students: every student exactly once, in order', async () => {
    const collection = await freshCollection(store);
    const students = Array.from({ length: 2500 }, (_, i) => `2${String(i).padStart(7, '0')}`);
    // One transaction through the store: fast, and shows the store works on a `tx` too.
    const expected = await db.transaction(async (tx) => {
      const txStore = createSubmissionStore(tx);
      const latest = new Map<string, string>();
      for (const [i, id] of students.entries()) {
        await txStore.ensureUser({ id });
        const older = delivery(collection.id, id, '2025-09-02T10:00:00Z', `${id}-old`);
        await txStore.insertDelivery(older);
        const newer = delivery(collection.id, id, `2025-09-0${3 + (i % 5)}T10:00:00Z`, `${id}-new`);
        latest.set(id, (await txStore.insertDelivery(newer)).delivery.id);
      }
      return latest;
    });

    // Cursors naming the page's last delivery (batches from v5) page the same way.
    for (const [pageSize, deliveryCursor] of [
      [1000, false],
      [7, false],
      [7, true],
    ] as const) {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      for (;;) {
        const page = await store.latestDeliveriesPage(collection.id, {
          after: cursor,
          limit: pageSize,
          deliveryCursor,
        });
        pages += 1;
        expect(page).not.toBeNull();
        expect(page!.deliveries.length).toBeLessThanOrEqual(pageSize);
        for (const d of page!.deliveries) {
          expect(d.id).toBe(expected.get(d.userId));
          seen.push(d.userId);
        }
        if (page!.nextCursor === null) break;
        cursor = page!.nextCursor;
        const last = page!.deliveries[page!.deliveries.length - 1]!;
        // Opaque, and with deliveryCursor it names the delivery, never the student.
        expect(Buffer.from(cursor, 'base64url').toString('utf8')).toBe(
          deliveryCursor ? `d1:${last.id}` : `u1:${last.userId}`,
        );
      }
      expect(seen).toEqual(students); // sorted, complete, no repeats
      expect(pages).toBe(Math.ceil(students.length / pageSize));
    }
  });

  it('answers null for a collection that does not exist, and refuses bad paging input', async () => {
    expect(await store.getCollection('col_missing')).toBeNull();
    expect(await store.latestDeliveriesPage('col_missing')).toBeNull();
    expect(await store.listDeliveries('col_missing')).toBeNull();
    const empty = await freshCollection(store);
    expect(await store.latestDeliveriesPage(empty.id)).toEqual({
      deliveries: [],
      nextCursor: null,
    });
    expect(await store.listDeliveries(empty.id)).toEqual([]);

    await expect(store.latestDeliveriesPage(empty.id, { limit: 1001 })).rejects.toThrow(
      /page size 1001 is out of range: 1 to 1000/,
    );
    await expect(store.latestDeliveriesPage(empty.id, { limit: 0 })).rejects.toMatchObject({
      name: 'InvalidSubmissionInput',
    });
    await expect(store.latestDeliveriesPage(empty.id, { after: 'not-a-cursor' })).rejects.toThrow(
      /cursor .* is not one returned/,
    );
    const otherCollections = Buffer.from('d1:dlv_of_another_collection').toString('base64url');
    const refused = store.latestDeliveriesPage(empty.id, { after: otherCollections });
    await expect(refused).rejects.toMatchObject({ name: 'InvalidSubmissionInput' });
    await expect(refused).rejects.toThrow(/names no delivery of collection/);
  });
});

describe('submission store when PostgreSQL goes down', () => {
  it('fails with DatabaseUnavailable naming host:port, never the password', async () => {
    const server = await startPostgres();
    const db = await openPostgresDatabase(server.url);
    try {
      await migrateSubmissionSchema(db);
      const store = createSubmissionStore(db);
      const collection = await freshCollection(store);
      expect(await store.getCollection(collection.id)).not.toBeNull();

      await server.stop();
      for (const call of [
        () => store.getCollection(collection.id),
        () => store.latestDeliveriesPage(collection.id),
        () => db.transaction((tx) => createSubmissionStore(tx).ensureUser({ id: 'x' })),
      ]) {
        const err = await call().catch((e: unknown) => e);
        expect((err as Error).name).toBe('DatabaseUnavailable');
        expect((err as Error).message).toContain(`${server.host}:${server.port}`);
        expect((err as Error).message).not.toContain(server.password);
      }
    } finally {
      await db.close();
      await server.stop();
    }
  });
});

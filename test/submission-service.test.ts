// The submission service on the embedded stack (PGlite + disk) and the production one
// (PostgreSQL + S3): deliveries are stored whole or refused whole, with the reason.
import { DeliveryRejectedError } from '../src/failures.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTar, makeZip } from './helpers/archives.js';
import { STACKS, startSubmissionStack, type SubmissionStack } from './helpers/submission.js';

const T0 = new Date('2026-09-01T00:00:00Z');
const T1 = new Date('2026-09-30T23:59:59Z');
const inWindow = new Date('2026-09-15T12:00:00Z');

describe.each(STACKS)('submission service on %s', (stackName) => {
  let stack: SubmissionStack;
  let collectionId: string;

  beforeAll(async () => {
    stack = await startSubmissionStack(stackName, undefined, () => inWindow);
    const { store } = stack.service;
    const course = await store.ensureCourse({ code: 'COMP2012', name: 'OOP' });
    const activity = await store.ensureActivity(course.id, 'Lab 3');
    const collection = await store.ensureCollection(activity.id, 'main', T0, T1);
    collectionId = collection.id;
    for (const id of ['s1', 's2', 's3']) {
      await store.ensureUser({ id });
      await store.setMember(course.id, id, 'student');
    }
    await store.ensureUser({ id: 'ta1' });
    await store.setMember(course.id, 'ta1', 'staff');
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
  });

  async function everything(): Promise<{ rows: number; objects: string[] }> {
    const { rows } = await stack.db.query<{ n: string }>('SELECT count(*) AS n FROM deliveries');
    return { rows: Number(rows[0]!.n), objects: await stack.objects.list('deliveries/') };
  }

  it('stores loose files with their sizes and hashes, and announces the delivery', async () => {
    const { delivery, inserted } = await stack.service.deliver({
      collectionId,
      userId: 's1',
      files: [
        { path: 'rational.cpp', content: Buffer.from('int main() { return 0; }\n') },
        { path: 'include/rational.h', content: Buffer.from('#pragma once\n') },
      ],
    });
    expect(inserted).toBe(true);
    expect(delivery.submittedAt).toBe(inWindow.toISOString());
    expect(delivery.late).toBe(false);
    expect(delivery.isTest).toBe(false);
    expect(delivery.totalSize).toBe(25 + 13);
    expect(delivery.manifest.map((m) => m.path)).toEqual(['include/rational.h', 'rational.cpp']);
    const files = await stack.service.readDeliveryFiles(delivery);
    expect(files.find((f) => f.path === 'rational.cpp')!.content.toString()).toBe(
      'int main() { return 0; }\n',
    );
    await stack.flushEvents();
    expect(stack.events.map((e) => e.data)).toContainEqual(
      expect.objectContaining({ deliveryId: delivery.id, collectionId, userId: 's1', late: false }),
    );
  });

  it('accepts zip and tar.gz archives with the same content as the same delivery', async () => {
    const files = [{ name: 'main.cpp', content: 'int main() {}\n' }];
    const at = new Date('2026-09-20T10:00:00Z');
    const zip = await stack.service.deliver({
      collectionId,
      userId: 's2',
      submittedAt: at,
      archive: { name: 'hw.zip', content: await makeZip(files) },
    });
    expect(zip.inserted).toBe(true);
    const before = await everything();
    const again = await stack.service.deliver({
      collectionId,
      userId: 's2',
      submittedAt: at,
      archive: { name: 'hw.tgz', content: await makeTar(files, true) },
    });
    expect(again.inserted).toBe(false);
    expect(again.delivery.id).toBe(zip.delivery.id);
    expect(await everything()).toEqual(before); // nothing added, nothing left behind
  });

  it('refuses a student outside the window, accepts staff as a test delivery', async () => {
    const files = [{ path: 'a.cpp', content: Buffer.from('x') }];
    const before = await everything();
    await expect(
      stack.service.deliver({
        collectionId,
        userId: 's3',
        files,
        submittedAt: new Date('2026-10-01T00:00:00Z'),
      }),
    ).rejects.toThrow(
      'collection main closed at 2026-09-30T23:59:59.000Z; a delivery at 2026-10-01T00:00:00.000Z is too late',
    );
    await expect(
      stack.service.deliver({
        collectionId,
        userId: 's3',
        files,
        submittedAt: new Date('2026-08-01T00:00:00Z'),
      }),
    ).rejects.toThrow(
      /opens at 2026-09-01T00:00:00\.000Z; a delivery at 2026-08-01T00:00:00\.000Z is too early/,
    );
    expect(await everything()).toEqual(before);

    const staff = await stack.service.deliver({
      collectionId,
      userId: 'ta1',
      files,
      submittedAt: new Date('2026-10-02T00:00:00Z'),
    });
    expect(staff.delivery).toMatchObject({ isTest: true, late: true });
  });

  it('refuses outsiders, hostile archives and oversized files, leaving nothing behind', async () => {
    const before = await everything();
    await expect(
      stack.service.deliver({
        collectionId,
        userId: 'stranger',
        files: [{ path: 'a', content: Buffer.from('') }],
      }),
    ).rejects.toThrow('user stranger is not a member of course COMP2012');
    await expect(
      stack.service.deliver({
        collectionId,
        userId: 's3',
        archive: {
          name: 'evil.tar',
          content: await makeTar([
            { name: 'ok.cpp', content: 'x' },
            { name: '../../etc/cron.d/x', content: 'y' },
          ]),
        },
      }),
    ).rejects.toBeInstanceOf(DeliveryRejectedError);
    await expect(
      stack.service.deliver({
        collectionId,
        userId: 's3',
        files: [
          { path: 'small.txt', content: Buffer.from('ok') },
          { path: 'huge.bin', content: Buffer.alloc(600 * 1024) },
        ],
      }),
    ).rejects.toThrow('huge.bin is 614400 bytes, over the limit of 524288 bytes for one file');
    await expect(
      stack.service.deliver({
        collectionId: 'col_missing',
        userId: 's3',
        files: [{ path: 'a', content: Buffer.from('') }],
      }),
    ).rejects.toMatchObject({ name: 'CollectionNotFound' });
    expect(await everything()).toEqual(before);
  });
});

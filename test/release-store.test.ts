// A grade release and its audit row are one transaction: when the audit row cannot be written,
// the release is not made either (students keep seeing what they saw), and when it is, both are.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditOn, createBatchStore } from '../src/core/batch-store.js';
import { createReleaseStore } from '../src/core/release-store.js';
import { migrateCoreSchema } from '../src/core/schema.js';
import type { Database } from '../src/platform/database.js';
import { openPgliteDatabase } from '../src/platform/pglite-database.js';

let db: Database;

beforeAll(async () => {
  db = await openPgliteDatabase(undefined);
  await migrateCoreSchema(db);
  const batches = createBatchStore(db);
  for (const id of ['batch-1', 'batch-2']) {
    await batches.recordStart({
      id,
      collectionId: 'col_1',
      configVersion: 'cfg_1',
      requestedBy: 'ta',
      sourceBatchId: null,
      concurrency: 2,
      includeTest: false,
      total: 3,
      startedAt: new Date().toISOString(),
    });
  }
});

afterAll(async () => {
  await db?.close();
});

const auditRows = async (target: string) =>
  (
    await db.query<{ outcome: string }>(
      "SELECT outcome FROM audit_log WHERE action = 'batch.release' AND target = $1",
      [target],
    )
  ).rows.map((r) => r.outcome);

describe('a grade release', () => {
  it('is written with its audit row, or not at all', async () => {
    const releases = createReleaseStore(db);
    const record = (outcome: string) => (tx: Parameters<typeof auditOn>[0]) =>
      auditOn(tx, { actor: 'ta', action: 'batch.release', target: 'batch-1', outcome });

    await releases.release('col_1', 'batch-1', 'ta', record('released'));
    expect((await releases.current('col_1'))?.batchId).toBe('batch-1');
    expect(await auditRows('batch-1')).toEqual(['released']);

    // The audit row of the second release fails: the first release stays current, unsuperseded.
    await expect(
      releases.release('col_1', 'batch-2', 'ta', async (tx) => {
        await auditOn(tx, {
          actor: 'ta',
          action: 'batch.release',
          target: 'batch-2',
          outcome: 'x',
        });
        throw new Error('the audit log is unavailable');
      }),
    ).rejects.toThrow('the audit log is unavailable');
    expect(await releases.current('col_1')).toMatchObject({
      batchId: 'batch-1',
      supersededAt: null,
    });
    expect(await auditRows('batch-2')).toEqual([]);
    expect(await releases.statesOf(['batch-1', 'batch-2'])).toEqual(
      new Map([['batch-1', 'released']]),
    );
  });
});

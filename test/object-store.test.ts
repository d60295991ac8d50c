// One contract for every ObjectStore: the disk store in a temporary folder and the S3 store
// against a real S3-compatible server (versitygw) on loopback.
import { ObjectNotFoundError, ObjectStoreUnavailableError } from '../src/failures.js';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiskObjectStore } from '../src/platform/disk-object-store.js';
import { objectKey } from '../src/platform/object-keys.js';
import { openObjectStore } from '../src/platform/object-store-config.js';
import { type ObjectStore } from '../src/platform/object-store.js';
import { createS3ObjectStore } from '../src/platform/s3-object-store.js';
import { freePort } from '../src/temporal/dev-server.js';
import { startS3Server, type S3Server } from './helpers/s3-server.js';
import { tempDir } from './helpers/temporal.js';

let server: S3Server;
const folders: string[] = [];
let bucketCount = 0;

beforeAll(async () => {
  server = await startS3Server();
});

afterAll(async () => {
  await server?.stop();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** A fresh temporary folder, removed after the file's tests. */
function scratch(): string {
  const dir = tempDir();
  folders.push(dir);
  return dir;
}

/** A fresh S3 store in its own new bucket, opened the way zinc opens it. */
async function freshS3Store(keyPrefix = ''): Promise<ObjectStore> {
  bucketCount += 1;
  return openObjectStore(
    {
      kind: 's3',
      s3: {
        endpoint: server.endpoint,
        region: 'us-east-1',
        bucket: `zinc-test-${bucketCount}`,
        access_key_id: server.accessKeyId,
        secret_access_key: server.secretAccessKey,
        force_path_style: true,
        key_prefix: keyPrefix,
      },
    },
    scratch(),
  );
}

async function freshDiskStore(): Promise<ObjectStore> {
  return openObjectStore({ kind: 'disk' }, scratch());
}

/** Runs `task` over `items` with a few in flight at once. */
async function inParallel<T>(items: T[], task: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

const byUtf8 = (keys: string[]) =>
  [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

describe.each([
  { kind: 'disk', open: freshDiskStore },
  { kind: 's3', open: () => freshS3Store() },
])('ObjectStore contract: $kind', ({ open }) => {
  let store: ObjectStore;

  beforeAll(async () => {
    store = await open();
  });

  afterAll(async () => {
    await store?.close();
  });

  it('gets back what was put, as text and as bytes', async () => {
    await store.put('basic/hello.txt', 'hello, zinc', { contentType: 'text/plain' });
    expect((await store.get('basic/hello.txt')).toString('utf8')).toBe('hello, zinc');
    expect(await store.exists('basic/hello.txt')).toBe(true);
  });

  it('keeps binary content byte for byte, every byte value included', async () => {
    const bytes = new Uint8Array(256 * 4 + 3);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7) % 256;
    await store.put('binary/all-bytes.bin', bytes);
    const back = await store.get('binary/all-bytes.bin');
    expect(Buffer.compare(back, Buffer.from(bytes))).toBe(0);
  });

  it('stores an empty object', async () => {
    await store.put('empty/nothing', new Uint8Array());
    expect(await store.exists('empty/nothing')).toBe(true);
    expect((await store.get('empty/nothing')).length).toBe(0);
    expect(await store.list('empty/')).toEqual(['empty/nothing']);
  });

  it('replaces an object on a second put', async () => {
    await store.put('overwrite/report.json', '{"score": 1}');
    await store.put('overwrite/report.json', '{"score": 100, "longer": true}');
    expect((await store.get('overwrite/report.json')).toString()).toBe(
      '{"score": 100, "longer": true}',
    );
    expect(await store.list('overwrite/')).toEqual(['overwrite/report.json']);
  });

  it('reports a missing key as ObjectNotFound, naming the key', async () => {
    const error = await store.get('missing/nothing-here').catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ObjectNotFoundError);
    expect((error as Error).name).toBe('ObjectNotFound');
    expect((error as Error).message).toContain('missing/nothing-here');
    expect(await store.exists('missing/nothing-here')).toBe(false);
  });

  it('deletes a key, and deleting an absent key is no error', async () => {
    await store.put('delete/a', 'a');
    await store.put('delete/b', 'b');
    await store.delete('delete/a');
    expect(await store.exists('delete/a')).toBe(false);
    await expect(store.get('delete/a')).rejects.toBeInstanceOf(ObjectNotFoundError);
    await store.delete('delete/a');
    await store.delete('delete/never-was');
    expect(await store.list('delete/')).toEqual(['delete/b']);
  });

  it('lists every key under a prefix, nested ones too, sorted by UTF-8 bytes', async () => {
    const keys = [
      'list/b.txt',
      'list/a/z.txt',
      'list/a/b/c.txt',
      'list/a-b',
      'list/\uFF21-fullwidth',
      'list/😀-emoji',
      'list/Z',
    ];
    for (const key of keys) await store.put(key, key);
    await store.put('listing-sibling/x', 'not under list/');
    expect(await store.list('list/')).toEqual(byUtf8(keys));
    expect(await store.list('list/a/')).toEqual(['list/a/b/c.txt', 'list/a/z.txt']);
    expect(await store.list('list/nothing-here/')).toEqual([]);
  });

  it('keeps keys with unicode names apart and readable', async () => {
    const keys = [
      objectKey('unicode', 'ünïcødé', 'main.cpp'),
      objectKey('unicode', '日本語', 'ファイル.txt'),
      objectKey('unicode', 'emoji', '🎓 grade.txt'),
      objectKey('unicode', 'spaces and + plus', 'a%20b?.txt'),
    ];
    for (const key of keys) await store.put(key, `content of ${key}`);
    for (const key of keys) expect((await store.get(key)).toString()).toBe(`content of ${key}`);
    expect(await store.list('unicode/')).toEqual(byUtf8(keys));
  });

  it('removes a whole prefix and says how many objects went', async () => {
    await store.put('batch-1/delivery-1/report.json', '1');
    await store.put('batch-1/delivery-2/report.json', '2');
    await store.put('batch-1/summary.json', 's');
    await store.put('batch-10/summary.json', 'other batch');
    expect(await store.deletePrefix('batch-1/')).toBe(3);
    expect(await store.list('batch-1/')).toEqual([]);
    expect(await store.exists('batch-10/summary.json')).toBe(true);
    expect(await store.deletePrefix('batch-1/')).toBe(0);
  });

  it('lists and removes more keys than one S3 page or delete batch holds (1000)', async () => {
    const keys = Array.from({ length: 1105 }, (_, i) =>
      objectKey('many', `group-${i % 3}`, `file-${String(i).padStart(4, '0')}.txt`),
    );
    await inParallel(keys, (key) => store.put(key, key));
    const listed = await store.list('many/');
    expect(listed).toHaveLength(keys.length);
    expect(listed).toEqual(byUtf8(keys));
    expect(await store.deletePrefix('many/')).toBe(keys.length);
    expect(await store.list('many/')).toEqual([]);
  });
});

describe('S3 object store specifics', () => {
  it('keeps stores with different key prefixes in one bucket apart', async () => {
    bucketCount += 1;
    const base = {
      endpoint: server.endpoint,
      region: 'us-east-1',
      bucket: `zinc-shared-${bucketCount}`,
      accessKeyId: server.accessKeyId,
      secretAccessKey: server.secretAccessKey,
      forcePathStyle: true,
    };
    const a = createS3ObjectStore({ ...base, keyPrefix: 'tenant-a' });
    const b = createS3ObjectStore({ ...base, keyPrefix: 'tenant-b/' });
    const whole = createS3ObjectStore(base);
    await a.ensureBucket();
    await a.ensureBucket();
    await a.put('reports/1.json', 'a');
    await b.put('reports/1.json', 'b');
    expect((await a.get('reports/1.json')).toString()).toBe('a');
    expect(await b.list('')).toEqual(['reports/1.json']);
    expect(await whole.list('')).toEqual(['tenant-a/reports/1.json', 'tenant-b/reports/1.json']);
    expect(await a.deletePrefix('reports/')).toBe(1);
    expect(await b.exists('reports/1.json')).toBe(true);
    await Promise.all([a.close(), b.close(), whole.close()]);
  });

  it('fails with ObjectStoreUnavailable naming the endpoint when nothing listens', async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const store = createS3ObjectStore({
      endpoint,
      region: 'us-east-1',
      bucket: 'zinc-nowhere',
      accessKeyId: 'x',
      secretAccessKey: 'y',
      forcePathStyle: true,
    });
    for (const attempt of [
      () => store.get('a/b'),
      () => store.put('a/b', 'x'),
      () => store.list('a/'),
      () => store.exists('a/b'),
    ]) {
      const error = await attempt().catch((err: unknown) => err);
      expect(error).toBeInstanceOf(ObjectStoreUnavailableError);
      expect((error as Error).name).toBe('ObjectStoreUnavailable');
      expect((error as Error).message).toContain(endpoint);
      expect((error as Error).message).toContain('ECONNREFUSED');
    }
    await store.close();
  });

  it('fails with ObjectStoreUnavailable once its server is gone, and openObjectStore does too', async () => {
    const own = await startS3Server();
    const config = {
      kind: 's3' as const,
      s3: {
        endpoint: own.endpoint,
        region: 'us-east-1',
        bucket: 'zinc-gone',
        access_key_id: own.accessKeyId,
        secret_access_key: own.secretAccessKey,
        force_path_style: true,
        key_prefix: '',
      },
    };
    const store = await openObjectStore(config, scratch());
    await store.put('reports/1.json', 'stored before the crash');
    own.kill();
    await own.stop();
    const error = await store.get('reports/1.json').catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ObjectStoreUnavailableError);
    expect((error as Error).message).toContain(own.endpoint);
    await store.close();
    await expect(openObjectStore(config, scratch())).rejects.toThrow(own.endpoint);
  });
});

describe('disk object store specifics', () => {
  it('keeps its objects in the data dir objects/ folder and leaves no temporary files', async () => {
    const dataDir = scratch();
    const store = await openObjectStore({ kind: 'disk' }, dataDir);
    await store.put('a/b.txt', 'one');
    await store.put('a/b.txt', 'two');
    const direct = createDiskObjectStore(join(dataDir, 'objects'));
    expect((await direct.get('a/b.txt')).toString()).toBe('two');
    expect(readdirSync(join(dataDir, 'objects', 'a'))).toEqual(['b.txt']);
  });
});

// Hostile keys: IDs and student file names that try to climb out of their prefix are refused,
// by the key builders and by both stores, and nothing lands outside the store's root.
import { UnsafeKeyError } from '../src/failures.js';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiskObjectStore } from '../src/platform/disk-object-store.js';
import { objectKey, safeRelativePath } from '../src/platform/object-keys.js';
import { type ObjectStore } from '../src/platform/object-store.js';
import { createS3ObjectStore, type S3ObjectStore } from '../src/platform/s3-object-store.js';
import { startS3Server, type S3Server } from './helpers/s3-server.js';
import { tempDir } from './helpers/temporal.js';

const longName = 'x'.repeat(300);
// 100 characters of 3 UTF-8 bytes each: 100 characters, but 300 bytes.
const longUnicodeName = '語'.repeat(100);

/** A hostile path, and what the refusal must say about it. */
const hostilePaths: [string, string][] = [
  ['..', '".."'],
  ['../../etc/passwd', '".."'],
  ['/abs', 'absolute'],
  ['/etc/passwd', 'absolute'],
  ['a/../../b', '".."'],
  ['a/./b', '"."'],
  ['a//b', 'is empty'],
  ['a/', 'is empty'],
  ['', 'is empty'],
  ['a\0b', 'NUL or control character'],
  ['src/main.cpp\0.txt', 'NUL or control character'],
  ['line\nbreak', 'NUL or control character'],
  ['..\\..\\windows', 'backslash'],
  ['a\\b', 'backslash'],
  [longName, '300 bytes long (limit 255)'],
  [`src/${longUnicodeName}`, '300 bytes long (limit 255)'],
  ['a/\ud800/b', 'lone surrogate'],
];

/** Every file and folder under `dir`, as paths relative to it. */
function tree(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = prefix + entry.name;
    return entry.isDirectory() ? [`${path}/`, ...tree(join(dir, entry.name), `${path}/`)] : [path];
  });
}

async function refusal(action: () => unknown): Promise<Error> {
  try {
    await action();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the action to be refused, and it was not');
}

describe('safeRelativePath', () => {
  it('accepts plain relative paths and returns them as they are', () => {
    expect(safeRelativePath('src/main.cpp')).toBe('src/main.cpp');
    expect(safeRelativePath('Makefile')).toBe('Makefile');
    expect(safeRelativePath('.gitignore')).toBe('.gitignore');
    expect(safeRelativePath('a..b/..c/d..')).toBe('a..b/..c/d..');
    expect(safeRelativePath('ünï/日本語 file.txt')).toBe('ünï/日本語 file.txt');
    expect(safeRelativePath('x'.repeat(255))).toBe('x'.repeat(255));
  });

  it('drops the leading "./" that tar writes', () => {
    expect(safeRelativePath('./src/main.cpp')).toBe('src/main.cpp');
    expect(safeRelativePath('././main.cpp')).toBe('main.cpp');
    expect(() => safeRelativePath('./')).toThrow(UnsafeKeyError);
  });

  it.each(hostilePaths)('refuses %j, saying %s', async (path, why) => {
    const error = await refusal(() => safeRelativePath(path));
    expect(error).toBeInstanceOf(UnsafeKeyError);
    expect(error.name).toBe('UnsafeKey');
    expect(error.message).toContain(JSON.stringify(path).slice(0, 60));
    expect(error.message).toContain(why);
  });

  it('refuses a whole path over 1024 bytes even when every part is short', () => {
    const path = Array.from({ length: 120 }, () => 'abcdefghi').join('/');
    expect(() => safeRelativePath(path)).toThrow(/1199 bytes long \(limit 1024\)/);
  });
});

describe('objectKey', () => {
  it('joins safe segments with "/"', () => {
    expect(objectKey('deliveries', 'd-42', 'files', 'main.cpp')).toBe(
      'deliveries/d-42/files/main.cpp',
    );
    expect(objectKey('deliveries', 'd-42', ...safeRelativePath('src/a.h').split('/'))).toBe(
      'deliveries/d-42/src/a.h',
    );
  });

  it.each([
    ['..'],
    ['.'],
    [''],
    ['a/b'],
    ['../../etc/passwd'],
    ['/abs'],
    ['a\\b'],
    ['id\0'],
    [longName],
  ])('refuses the segment %j, naming it', (segment) => {
    const error = (() => {
      try {
        objectKey('reports', segment, 'report.json');
      } catch (err) {
        return err as Error;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(UnsafeKeyError);
    expect(error?.message).toContain(JSON.stringify(segment).slice(0, 60));
  });

  it('refuses no segments at all, and a key over 1024 bytes', () => {
    expect(() => objectKey()).toThrow(UnsafeKeyError);
    expect(() => objectKey(...Array.from({ length: 5 }, () => 'y'.repeat(250)))).toThrow(
      /limit 1024/,
    );
  });
});

describe.each(['disk', 's3'] as const)('the %s store refuses hostile keys', (kind) => {
  let parent: string;
  let root: string;
  let server: S3Server | undefined;
  let store: ObjectStore;

  beforeAll(async () => {
    // The store's root sits inside a folder of its own, so an escape would show up beside it.
    parent = tempDir();
    root = join(parent, 'objects');
    mkdirSync(root);
    if (kind === 'disk') {
      store = createDiskObjectStore(root);
    } else {
      server = await startS3Server();
      const s3: S3ObjectStore = createS3ObjectStore({
        endpoint: server.endpoint,
        region: 'us-east-1',
        bucket: 'zinc-hostile',
        accessKeyId: server.accessKeyId,
        secretAccessKey: server.secretAccessKey,
        forcePathStyle: true,
        keyPrefix: 'inside/',
      });
      await s3.ensureBucket();
      store = s3;
    }
    await store.put('inside/ok.txt', 'ok');
  });

  afterAll(async () => {
    await store?.close();
    await server?.stop();
    rmSync(parent, { recursive: true, force: true });
  });

  it.each(hostilePaths.map(([path]) => [path]))('%j', async (key) => {
    for (const action of [
      () => store.put(key, 'pwned'),
      () => store.get(key),
      () => store.exists(key),
      () => store.delete(key),
      () => store.list(`${key}/`),
      () => store.deletePrefix(`${key}/`),
    ]) {
      expect(await refusal(action)).toBeInstanceOf(UnsafeKeyError);
    }
  });

  it('refuses prefixes that do not end in "/", and deletePrefix("") that would empty the store', async () => {
    expect(await refusal(() => store.list('inside'))).toBeInstanceOf(UnsafeKeyError);
    expect(await refusal(() => store.deletePrefix(''))).toBeInstanceOf(UnsafeKeyError);
  });

  it('wrote nothing but the one good object', async () => {
    expect(await store.list('')).toEqual(['inside/ok.txt']);
    if (kind === 'disk') {
      expect(tree(parent)).toEqual(['objects/', 'objects/inside/', 'objects/inside/ok.txt']);
    } else {
      expect(tree(parent)).toEqual(['objects/']);
    }
  });
});

describe('the disk store', () => {
  it('refuses keys named like its temporary files', async () => {
    const root = tempDir();
    const store = createDiskObjectStore(root);
    expect(await refusal(() => store.put('a/.zinc-tmp-0123456789abcdef', 'x'))).toBeInstanceOf(
      UnsafeKeyError,
    );
    rmSync(root, { recursive: true, force: true });
  });
});

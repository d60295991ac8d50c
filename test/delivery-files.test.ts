// Deliveries as files or archives: good ones unpack, hostile ones are refused with the reason.
import { DeliveryRejectedError } from '../src/failures.js';
import { describe, expect, it } from 'vitest';
import {
  checkFiles,
  manifestOf,
  readArchive,
  type DeliveryLimits,
} from '../src/extensions/submission/delivery-files.js';
import { makeTar, makeZip, rename } from './helpers/archives.js';

const limits: DeliveryLimits = {
  maxFiles: 20,
  maxTotalBytes: 1024 * 1024,
  maxFileBytes: 256 * 1024,
  maxExpansionRatio: 50,
};

async function rejection(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DeliveryRejectedError);
  return (err as Error).message;
}

describe('readArchive', () => {
  const good = [
    { name: 'main.cpp', content: 'int main() {}\n' },
    { name: 'src/util.h', content: '#pragma once\n' },
  ];

  it('unpacks zip, tar and tar.gz alike, sorted, folders implied', async () => {
    for (const archive of [
      await makeZip(good),
      await makeTar([{ name: 'src', type: 'directory' }, ...good]),
      await makeTar([{ name: './main.cpp', content: 'int main() {}\n' }, good[1]!], true),
    ]) {
      const files = await readArchive('hw1.bin', archive, limits);
      expect(files.map((f) => [f.path, f.content.toString()])).toEqual([
        ['main.cpp', 'int main() {}\n'],
        ['src/util.h', '#pragma once\n'],
      ]);
    }
  });

  it('refuses ".." and absolute paths in zips and tars, naming the entry', async () => {
    const dotdot = rename(
      await makeZip([{ name: 'AA/evil.txt', content: 'x' }]),
      'AA/evil.txt',
      '../evil.txt',
    );
    expect(await rejection(readArchive('a.zip', dotdot, limits))).toMatch(
      /archive a\.zip: .*"\.\.\/evil\.txt"/,
    );
    const absolute = rename(
      await makeZip([{ name: 'Xetc/passwd', content: 'x' }]),
      'Xetc/passwd',
      '/etc/passwd',
    );
    expect(await rejection(readArchive('a.zip', absolute, limits))).toMatch(
      /"\/etc\/passwd": it is absolute/,
    );
    expect(
      await rejection(
        readArchive('t.tar', await makeTar([{ name: 'a/../../b', content: 'x' }]), limits),
      ),
    ).toMatch(/archive t\.tar: .*"a\/\.\.\/\.\.\/b"/);
    expect(
      await rejection(
        readArchive('t.tar', await makeTar([{ name: '/abs', content: 'x' }]), limits),
      ),
    ).toMatch(/"\/abs": it is absolute/);
  });

  it('refuses symbolic links, hard links and devices', async () => {
    const link = await makeZip([{ name: 'passwd', content: '/etc/passwd', mode: 0o120777 }]);
    expect(await rejection(readArchive('l.zip', link, limits))).toBe(
      'archive l.zip: passwd is a symbolic link',
    );
    expect(
      await rejection(
        readArchive(
          'l.tar',
          await makeTar([{ name: 'p', type: 'symlink', linkname: '/etc/passwd' }]),
          limits,
        ),
      ),
    ).toBe('archive l.tar: p is a symbolic link');
    expect(
      await rejection(
        readArchive('h.tar', await makeTar([{ name: 'h', type: 'link', linkname: 'x' }]), limits),
      ),
    ).toBe('archive h.tar: h is a hard link');
    expect(
      await rejection(
        readArchive('d.tar', await makeTar([{ name: 'null', type: 'character-device' }]), limits),
      ),
    ).toMatch(/d\.tar: null is a character-device entry, not a regular file/);
    expect(
      await rejection(
        readArchive('f.tar', await makeTar([{ name: 'pipe', type: 'fifo' }]), limits),
      ),
    ).toMatch(/pipe is a fifo entry/);
  });

  it('stops archive bombs by the expansion ratio without unpacking them', async () => {
    const zeros = Buffer.alloc(200 * 1024);
    const bomb = await makeZip([{ name: 'zeros.bin', content: zeros }]);
    expect(bomb.length).toBeLessThan(2048);
    expect(await rejection(readArchive('bomb.zip', bomb, limits))).toMatch(/expansion ratio limit/);
    const tgz = await makeTar([{ name: 'zeros.bin', content: zeros }], true);
    expect(await rejection(readArchive('bomb.tgz', tgz, limits))).toMatch(/expansion ratio limit/);
  });

  it('names the file, its size and the limit when a limit is crossed', async () => {
    const big = Buffer.alloc(300 * 1024, 'a');
    const loose = { ...limits, maxExpansionRatio: 10_000 };
    expect(
      await rejection(
        readArchive('b.tar', await makeTar([{ name: 'big.txt', content: big }]), loose),
      ),
    ).toBe('archive b.tar: big.txt is 307200 bytes, over the limit of 262144 bytes for one file');
    const many = Array.from({ length: 21 }, (_, i) => ({ name: `f${i}.txt`, content: 'x' }));
    expect(await rejection(readArchive('m.zip', await makeZip(many), loose))).toMatch(
      /m\.zip: has more than 20 files and folders \(limit 20; folders count too\); refused at f20\.txt/,
    );
  });

  it('refuses what is not an archive, an empty one, and duplicate paths', async () => {
    expect(await rejection(readArchive('x.zip', Buffer.from('hello'), limits))).toBe(
      'archive x.zip: not a zip, tar or tar.gz archive',
    );
    expect(
      await rejection(
        readArchive('e.tar', await makeTar([{ name: 'd', type: 'directory' }]), limits),
      ),
    ).toBe('archive e.tar: holds no files');
    expect(
      await rejection(
        readArchive(
          'dup.tar',
          await makeTar([
            { name: 'a.c', content: '1' },
            { name: './a.c', content: '2' },
          ]),
          limits,
        ),
      ),
    ).toBe('archive dup.tar: a.c appears twice');
  });
});

describe('checkFiles and manifestOf', () => {
  it('checks loose files and computes a manifest whose hash ignores the order given', () => {
    const files = checkFiles(
      [
        { path: 'b.txt', content: Buffer.from('b') },
        { path: 'a.txt', content: Buffer.from('a') },
      ],
      limits,
    );
    expect(files.map((f) => f.path)).toEqual(['a.txt', 'b.txt']);
    const m = manifestOf(files);
    expect(m.totalSize).toBe(2);
    expect(m.manifest[0]).toEqual({
      path: 'a.txt',
      size: 1,
      sha256: 'ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb',
    });
    const again = manifestOf(
      checkFiles(
        [
          { path: 'a.txt', content: Buffer.from('a') },
          { path: 'b.txt', content: Buffer.from('b') },
        ],
        limits,
      ),
    );
    expect(again.sha256).toBe(m.sha256);
    expect(() => checkFiles([{ path: '../x', content: Buffer.from('') }], limits)).toThrow(
      DeliveryRejectedError,
    );
    expect(() => checkFiles([], limits)).toThrow('the delivery has no files');
  });
});

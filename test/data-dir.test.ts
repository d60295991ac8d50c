// The data dir holds every delivery and report: zinc creates it 0700 and refuses one (or a
// checkout) inside a tree that every grading sandbox shows to student code.
import { mkdtempSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prepareDataDir } from '../src/platform/paths.js';

const base = mkdtempSync(join(tmpdir(), 'zinc-data-dir-test-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('prepareDataDir', () => {
  it('creates a new data dir with mode 0700', () => {
    const dir = join(base, 'nested', 'data');
    prepareDataDir(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('refuses a data dir inside /usr (or /lib...), naming the tree, and creates nothing', () => {
    for (const dir of ['/usr/share/zinc-test-data', '/lib/zinc-test-data']) {
      let thrown: unknown;
      try {
        prepareDataDir(dir);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(Error);
      expect((thrown as Error).name).toBe('DataDirExposed');
      expect((thrown as Error).message).toMatch(/inside \/(usr|lib).*every grading sandbox shows/);
      expect(existsSync(dir)).toBe(false);
    }
  });
});

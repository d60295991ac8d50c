// The committed TypeScript in src/gen/ is what `npm run proto:generate` makes from proto/ today:
// buf (from npm) regenerates it into a temporary folder with the local protoc-gen-es, and every
// file must match. A .proto edited without regenerating fails here, naming the file.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, tempDir } from './helpers/temporal.js';

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

describe('generated protobuf code', () => {
  it('matches proto/ (run npm run proto:generate after editing a .proto)', () => {
    const out = tempDir('zinc-proto-');
    const buf = join(repoRoot, 'node_modules', '.bin', 'buf');
    execFileSync(buf, ['lint'], { cwd: repoRoot, stdio: 'pipe' });
    execFileSync(buf, ['generate', '--output', out], { cwd: repoRoot, stdio: 'pipe' });
    const fresh = join(out, 'src', 'gen');
    const committed = join(repoRoot, 'src', 'gen');
    expect(files(committed)).toEqual(files(fresh));
    for (const file of files(fresh)) {
      expect(readFileSync(join(committed, file), 'utf8'), `src/gen/${file}`).toBe(
        readFileSync(join(fresh, file), 'utf8'),
      );
    }
  });
});

// Test helper: the `zinc` command as users run it, bin/zinc.js over the compiled dist/ (built by
// `npm test` before the suite, through scripts/setup.sh). Spawning it costs what a user waits;
// spawning src/ through tsx would transpile the whole CLI again at every spawn.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { repoRoot } from './temporal.js';

const bin = join(repoRoot, 'bin/zinc.js');
let checked = false;

/** Files under `dir` whose compiled (or copied: scripts/copy-sql.js) dist/ file is missing or older. */
function staleFiles(dir: string): string[] {
  const stale: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      stale.push(...staleFiles(path));
      continue;
    }
    const inSrc = relative(join(repoRoot, 'src'), path);
    let built: string;
    if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
      built = join(repoRoot, 'dist', inSrc.replace(/\.ts$/, '.js'));
    } else if (entry.name.endsWith('.sql') && basename(dir) === 'migrations') {
      built = join(repoRoot, 'dist', inSrc);
    } else {
      continue;
    }
    if (!existsSync(built) || statSync(built).mtimeMs < statSync(path).mtimeMs) {
      stale.push(`src/${inSrc}`);
    }
  }
  return stale;
}

/**
 * The path of bin/zinc.js, to spawn with `process.execPath`. Fails while dist/ is older than
 * src/ (say, a test file run alone after an edit) rather than test an old build.
 */
export function zincBin(): string {
  if (!checked) {
    const stale = staleFiles(join(repoRoot, 'src'));
    if (stale.length > 0) {
      const shown = stale.slice(0, 5).join(', ') + (stale.length > 5 ? ', ...' : '');
      throw new Error(
        `the CLI tests run the compiled zinc (dist/), which is older than src/ (${shown}): ` +
          'run `npm run build` first (`npm test` does)',
      );
    }
    checked = true;
  }
  return bin;
}

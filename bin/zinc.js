#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node
// Entry point of the `zinc` command: runs the compiled CLI (built by `npm install` / `npm run build`).
//
// Memory (docs/development.md, "Memory and overhead"): the first line caps glibc's malloc arenas at two (by
// default a 2-core machine gets up to 16, one per busy thread, about 140 MiB resident in a
// long batch); run as `node bin/zinc.js`, set MALLOC_ARENA_MAX=2 yourself (the systemd units in
// docs/deploy.md do). The V8 flags below hold whichever way it runs: the embedded database
// (PGlite, PostgreSQL compiled to WebAssembly) keeps V8's baseline code, which opens it in half
// the time and saves about 60 MiB that optimising the whole module would take; and the heap
// grows by 10 % at a time, not by V8's default factor, so a long batch's garbage is collected
// before it becomes resident.
import { existsSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write(
    'zinc: the CLI is not built yet. Run `npm install` (or `npm run build`) in the zinc checkout first.\n',
  );
  process.exit(1);
}
setFlagsFromString('--liftoff-only');
setFlagsFromString('--heap-growing-percent=10');
await import(main.href);

#!/usr/bin/env node
// Entry point of the `zinc` command: runs the compiled CLI (built by `npm install` / `npm run build`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write(
    'zinc: the CLI is not built yet. Run `npm install` (or `npm run build`) in the zinc checkout first.\n',
  );
  process.exit(1);
}
await import(main.href);

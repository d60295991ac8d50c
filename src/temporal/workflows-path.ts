// Where the workflow bundle's entry file is: TypeScript source under tests, compiled JS otherwise.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Path of src/workflows/index.ts when running from source, else dist/workflows/index.js. */
export function zincWorkflowsPath(): string {
  const ts = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));
  if (existsSync(ts)) return ts;
  return fileURLToPath(new URL('../workflows/index.js', import.meta.url));
}

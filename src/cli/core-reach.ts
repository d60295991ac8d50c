// The core's services from a CLI command, when this process can read the database the workers
// use: its own embedded stack, or a shared PostgreSQL. Beside a `zinc up` that holds the
// embedded database it cannot; callers then go through the core's workers or Temporal alone.
import type { ZincConfig } from '../config/index.js';
import { withZinc, type Zinc } from '../main/zinc.js';
import type { Stack } from './stack.js';

/** Whether `withCore` can run here. */
export function coreReachable(stack: Stack, config: ZincConfig): boolean {
  return stack.inProcess !== undefined || config.database.url !== undefined;
}

/** Runs `fn` with the core's services; undefined (fn not run) when the database is out of reach. */
export async function withCore<T>(
  stack: Stack,
  config: ZincConfig,
  fn: (zinc: Zinc) => Promise<T>,
): Promise<T | undefined> {
  if (stack.inProcess) return fn(stack.inProcess.zinc);
  if (config.database.url) return withZinc(config, fn);
  return undefined;
}

/** Runs `fn` with zinc over the database the workers use: this process's, or opened for it. */
export async function withZincOf<T>(
  stack: Stack,
  config: ZincConfig,
  fn: (zinc: Zinc) => Promise<T>,
): Promise<T> {
  if (stack.inProcess) return fn(stack.inProcess.zinc);
  return withZinc(config, fn);
}

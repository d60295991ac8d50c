// Opens the platform with every component's schema up to date, for commands that read or
// write the database and object storage directly.
import type { ZincConfig } from '../platform/config.js';
import { openPlatform, type Platform } from '../platform/platform.js';
import { migrateAll } from './processes.js';

/** Runs `fn` with the platform open and migrated, closing it afterwards. */
export async function withPlatform<T>(
  config: ZincConfig,
  fn: (platform: Platform) => Promise<T>,
): Promise<T> {
  const platform = await openPlatform(config);
  try {
    await migrateAll(platform);
    return await fn(platform);
  } finally {
    await platform.close();
  }
}

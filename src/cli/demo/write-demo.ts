// Writes the demo to disk in the shapes zinc's own commands read: deliveries as a `zinc import`
// folder, the grading config as config.yaml beside its assets folder.
import { DemoDirNotEmptyError } from '../../failures.js';
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DEMO_ASSETS, DEMO_CONFIG_YAML } from './assignment.js';
import { demoDeliveries } from './students.js';

async function entriesOf(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

async function writeFiles(
  dir: string,
  files: ReadonlyArray<{ path: string; content: string }>,
): Promise<void> {
  for (const file of files) {
    const target = join(dir, file.path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, file.content);
  }
}

/**
 * Writes every demo delivery as `<dir>/<studentId>@<ISO time>/<files>` (the `zinc import`
 * layout); `dir` is created when missing and must be empty.
 */
export async function writeDemoImportDir(
  dir: string,
  seed?: number,
): Promise<{ students: number; deliveries: number }> {
  const existing = await entriesOf(dir);
  if (existing.length > 0) throw new DemoDirNotEmptyError(dir, existing.length);
  const deliveries = demoDeliveries(seed);
  for (const delivery of deliveries) {
    const folder = join(dir, `${delivery.studentId}@${delivery.submittedAt}`);
    await writeFiles(folder, delivery.files);
    // The name carries the time; file times agree with it for anyone who looks.
    const at = new Date(delivery.submittedAt);
    for (const file of delivery.files) await utimes(join(folder, file.path), at, at);
  }
  return {
    students: new Set(deliveries.map((d) => d.studentId)).size,
    deliveries: deliveries.length,
  };
}

/**
 * Writes `<dir>/config.yaml` and its assets under `<dir>/assets/`, so that
 * `zinc config validate <dir>/config.yaml --assets <dir>/assets` checks the demo's config.
 */
export async function writeDemoAssets(
  dir: string,
): Promise<{ configPath: string; assetsDir: string }> {
  const configPath = join(dir, 'config.yaml');
  const assetsDir = join(dir, 'assets');
  await mkdir(dir, { recursive: true });
  await writeFile(configPath, DEMO_CONFIG_YAML);
  await writeFiles(assetsDir, DEMO_ASSETS);
  return { configPath, assetsDir };
}

// `zinc demo`: a demo course with a C++ assignment, a real config with visible and hidden tests,
// and 60 students whose deliveries cover every verdict; imported, graded, summarised.
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { startBatch } from '../../core/batch-client.js';
import { readAssetDir } from '../../extensions/pipeline/index.js';
import { importDeliveries } from '../../extensions/submission/index.js';
import type { ZincConfig } from '../../config/index.js';
import { withZinc, type Zinc } from '../../main/zinc.js';
import { DEMO_COURSE } from '../demo/assignment.js';
import { DEMO_WINDOW } from '../demo/students.js';
import { writeDemoAssets, writeDemoImportDir } from '../demo/write-demo.js';
import { configFrom } from '../context.js';
import { withStack } from '../stack.js';
import { formatSummary, watchBatch } from '../watch.js';

/** The staff member the demo grades as. */
export const DEMO_TA = 'demo-ta';

/** Writes the demo's files (once), imports them and stores the config; returns the collection. */
async function prepare(config: ZincConfig, zinc: Zinc, say: (s: string) => void): Promise<string> {
  const root = join(config.data_dir, 'demo');
  const importDir = join(root, 'deliveries');
  if (!existsSync(join(root, 'config.yaml'))) {
    await rm(root, { recursive: true, force: true });
    const written = await writeDemoImportDir(importDir);
    await writeDemoAssets(root);
    say(
      `Wrote ${written.deliveries} deliveries of ${written.students} students to ${importDir}.\n`,
    );
  }
  const service = zinc.submission.service;
  const imported = await importDeliveries(service, importDir, {
    ...DEMO_COURSE,
    startAt: new Date(DEMO_WINDOW.start),
    stopAt: new Date(DEMO_WINDOW.stop),
  });
  say(
    `Collection ${imported.collectionId} (${DEMO_COURSE.course}, ${DEMO_COURSE.activity}): ${imported.imported} imported, ${imported.skipped} already there.\n`,
  );
  const course = await service.store.getCourseByCode(DEMO_COURSE.course);
  await service.store.ensureUser({ id: DEMO_TA, displayName: 'Demo TA' });
  await service.store.setMember(course!.id, DEMO_TA, 'staff');
  const assetsDir = join(root, 'assets');
  const assets = await Promise.all(
    (await readAssetDir(assetsDir)).map(async (a) => ({
      path: a.path,
      content: await readFile(join(assetsDir, a.path)),
    })),
  );
  const configs = zinc.pipeline.service.configs;
  const { id } = await configs.addVersion(
    await readFile(join(root, 'config.yaml'), 'utf8'),
    assets,
  );
  await configs.attachToCollection(imported.collectionId, id);
  say(`Grading config ${id} (4 visible and 4 hidden tests).\n`);
  return imported.collectionId;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'create a demo course (C++ assignment, 60 students covering every verdict), grade it, print the summary',
    )
    .option('--concurrency <n>', 'deliveries graded at once', (v) => Number.parseInt(v, 10))
    .option('--json', 'print the summary as JSON')
    .action(async (opts: { concurrency?: number; json?: boolean }, command: Command) => {
      const config = configFrom(command);
      const say = (s: string): void => {
        if (!opts.json) process.stderr.write(s);
      };
      await withStack(config, async (stack) => {
        const collectionId = stack.inProcess
          ? await prepare(config, stack.inProcess.zinc, say)
          : await withZinc(config, (zinc) => prepare(config, zinc, say));
        const { batchId, handle } = await startBatch(stack.temporal, config.grading, {
          collectionId,
          concurrency: opts.concurrency,
          requestedBy: DEMO_TA,
        });
        say(
          `Batch ${batchId} started${stack.server.uiUrl ? `; watch it in the Temporal Web UI at ${stack.server.uiUrl}` : ''}.\n`,
        );
        const summary = await watchBatch(handle, { quiet: opts.json ?? false });
        process.stdout.write(
          opts.json ? `${JSON.stringify(summary, null, 2)}\n` : formatSummary(summary),
        );
        process.exitCode = summary.status === 'completed' ? 0 : 1;
      });
    });
}

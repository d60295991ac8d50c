// `zinc config add`: stores a grading-config version with its assets and attaches it to a
// collection (its newest config becomes the collection's default).
import { CollectionNotFoundError } from '../../failures.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import {
  createToolchainCheck,
  parseGradingConfig,
  readAssetDir,
} from '../../extensions/pipeline/index.js';
import { configFrom } from '../context.js';
import { notValid, problemLines } from './config-validate.js';
import { withZinc } from '../../main/zinc.js';
import { actor } from '../actor.js';

export function registerConfigAdd(configCommand: Command): void {
  configCommand
    .command('add <config.yaml>')
    .description(
      "store a grading-config version and make it the collection's default; prints its ID",
    )
    .requiredOption('--collection <id>', 'the collection it grades')
    .option('--assets <dir>', 'provided files and test inputs/outputs')
    .option('--as <user>', 'who adds it, for the audit log (default ZINC_USER or your login)')
    .action(
      async (
        file: string,
        opts: { collection: string; assets?: string; as?: string },
        command: Command,
      ) => {
        const yaml = await readFile(file, 'utf8');
        const digests = opts.assets ? await readAssetDir(opts.assets) : [];
        const parsed = parseGradingConfig(yaml, {
          assets: digests.map((d) => d.path),
          fileName: file,
          checkToolchain: createToolchainCheck(),
        });
        const lines = problemLines(file, parsed, opts.assets !== undefined);
        if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
        if (!parsed.ok) throw notValid(file, parsed.problems.length);
        const assets = await Promise.all(
          digests.map(async (d) => ({
            path: d.path,
            content: await readFile(join(opts.assets!, d.path)),
          })),
        );
        const config = configFrom(command);
        const id = await withZinc(config, async ({ submission, pipeline, core }) => {
          const collection = await submission.store.getCollection(opts.collection);
          if (!collection) throw new CollectionNotFoundError(opts.collection);
          const { configs } = pipeline.service;
          const { id, created } = await configs.addVersion(yaml, assets);
          await configs.attachToCollection(opts.collection, id);
          // IDs and counts only: the config's text and assets stay out of the audit log.
          await core.batches.audit({
            actor: actor(opts, config),
            action: 'config.add',
            target: id,
            outcome: created ? 'added and made the default' : 'made the default again',
            details: { configVersion: id, newVersion: created, assets: assets.length },
            courseId: collection.course.id,
            collectionId: collection.id,
          });
          return id;
        });
        process.stdout.write(`${id}\n`);
      },
    );
}

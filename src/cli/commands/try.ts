// `zinc try <config.yaml> <delivery> [--assets <dir>] [--json]`: grades one delivery (a folder, or
// a zip, tar or tar.gz archive unpacked as an upload is) with a grading config on this machine,
// in the sandbox, without Temporal, and prints the report.
// Exit 0 whatever the student's verdict, 1 when the config (or a folder) is not usable, 2 when
// the machine cannot grade (sandbox unavailable...).
import { TryInputError, isFailure } from '../../failures.js';
import { lstat, readFile, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { readArchive } from '../../extensions/submission/index.js';
import { deliveryLimitsFrom } from '../../extensions/submission/section.js';
import type { Command } from 'commander';
import {
  MAX_CONFIG_TEXT_BYTES,
  configVersionId,
  createToolchainCheck,
  parseGradingConfig,
  readAssetDir,
} from '../../extensions/pipeline/index.js';
import type { AssetDigest } from '../../extensions/pipeline/index.js';
import { formatReportText } from '../../extensions/pipeline/index.js';
import { runPipeline } from '../../extensions/pipeline/index.js';
import type { PipelineFile } from '../../extensions/pipeline/index.js';
import { sandboxOptionsFrom } from '../../extensions/pipeline/index.js';
import { configFrom } from '../context.js';
import { problemLines } from './config-validate.js';

interface TryOptions {
  assets?: string;
  json?: boolean;
}

/** Adds `try` to the `zinc` command. */
export function registerTry(program: Command): void {
  program
    .command('try')
    .description(
      'grade one delivery (folder or archive) with a grading config on this machine (sandboxed, no Temporal)',
    )
    .argument('<config.yaml>', 'the grading config (ZINC YAML)')
    .argument(
      '<delivery>',
      "the delivery's files as a student hands them in: a folder, or a zip, tar or tar.gz archive",
    )
    .option(
      '--assets <dir>',
      "folder of the config's assets (provided files, test inputs, expected outputs)",
    )
    .option('--json', 'print the report as JSON')
    // A config or delivery at fault is not a command-line mistake: no usage text after it.
    .showHelpAfterError(false)
    .action(async (configFile: string, delivery: string, opts: TryOptions, command: Command) => {
      const output = command.configureOutput();
      const write = (text: string): void => {
        if (output.writeOut) output.writeOut(text);
        else process.stdout.write(text);
      };
      const fail = (message: string, exitCode: number): never =>
        command.error(`zinc: ${message}`, { exitCode });

      let text: string;
      let digests: AssetDigest[] = [];
      let assets: PipelineFile[] = [];
      let files: PipelineFile[];
      try {
        const size = (await stat(configFile)).size;
        if (size > MAX_CONFIG_TEXT_BYTES) {
          throw new TryInputError(
            `${configFile} is ${size} bytes, over the limit of ${MAX_CONFIG_TEXT_BYTES} for a grading config`,
          );
        }
        text = await readFile(configFile, 'utf8');
        if (opts.assets !== undefined) {
          digests = await readAssetDir(opts.assets);
          assets = await readFiles(
            opts.assets,
            digests.map((digest) => digest.path),
          );
        }
        files = await readDelivery(delivery, configFrom(command).submission);
      } catch (err) {
        const error = err as NodeJS.ErrnoException;
        const known = isFailure(error, 'AssetDirError', 'TryInputError', 'DeliveryRejected');
        return fail(
          known
            ? error.message
            : `cannot read ${error.path ?? configFile}: ${error.code ?? error.message}`,
          1,
        );
      }

      const parsed = parseGradingConfig(text, {
        assets: digests.map((digest) => digest.path),
        fileName: basename(configFile),
        checkToolchain: createToolchainCheck(),
      });
      const lines = problemLines(configFile, parsed, opts.assets !== undefined);
      if (lines.length > 0) output.writeErr?.(`${lines.join('\n')}\n`);
      if (!parsed.ok) {
        const count = parsed.problems.length;
        return fail(
          `${configFile}: ${count} problem${count === 1 ? '' : 's'}; the config is not valid`,
          1,
        );
      }

      const controller = new AbortController();
      const interrupt = (): void => controller.abort(new Error('interrupted'));
      process.once('SIGINT', interrupt);
      try {
        const report = await runPipeline({
          config: parsed.config,
          configVersion: configVersionId(text, digests),
          files,
          assets,
          signal: controller.signal,
          sandboxOptions: sandboxOptionsFrom(configFrom(command).pipeline),
        });
        write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatReportText(report));
      } catch (err) {
        const error = err as Error;
        if (isFailure(error, 'PipelineConfigError')) return fail(error.message, 1);
        return fail(`cannot grade on this machine: ${error.name}: ${error.message}`, 2);
      } finally {
        process.removeListener('SIGINT', interrupt);
      }
    });
}

/** Reads the named files under `dir`. */
async function readFiles(dir: string, paths: string[]): Promise<PipelineFile[]> {
  const out: PipelineFile[] = [];
  for (const path of paths) out.push({ path, content: await readFile(join(dir, path)) });
  return out;
}

/**
 * The delivery's files: a folder as it is, an archive unpacked with the same checks and limits
 * (submission.limits) as an upload.
 */
async function readDelivery(
  path: string,
  submission: Parameters<typeof deliveryLimitsFrom>[0],
): Promise<PipelineFile[]> {
  const entry = await lstat(path).catch(() => undefined);
  if (entry?.isFile()) {
    const files = await readArchive(
      basename(path),
      await readFile(path),
      deliveryLimitsFrom(submission),
    );
    return files.map(({ path: name, content }) => ({ path: name, content }));
  }
  return readDeliveryDir(path);
}

/** Every regular file under `dir` with its `/`-separated relative path; links are refused. */
async function readDeliveryDir(dir: string): Promise<PipelineFile[]> {
  const top = await lstat(dir).catch(() => undefined);
  if (top === undefined || !top.isDirectory()) {
    throw new TryInputError(`delivery ${dir} is neither a folder nor an archive`);
  }
  const paths: string[] = [];
  const walk = async (folder: string, prefix: string): Promise<void> => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      if (entry.isDirectory()) await walk(join(folder, entry.name), path);
      else if (entry.isFile()) paths.push(path);
      else throw new TryInputError(`delivery folder ${dir}: ${path} is not a regular file`);
    }
  };
  await walk(dir, '');
  return readFiles(dir, paths.sort());
}

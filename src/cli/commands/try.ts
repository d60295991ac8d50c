// `zinc try <config.yaml> <delivery-dir> [--assets <dir>] [--json]`: grades one delivery folder
// with a grading config on this machine, in the sandbox, without Temporal, and prints the report.
// Exit 0 whatever the student's verdict, 1 when the config (or a folder) is not usable, 2 when
// the machine cannot grade (sandbox unavailable...).
import { TryInputError, isFailure } from '../../failures.js';
import { lstat, readFile, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
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

interface TryOptions {
  assets?: string;
  json?: boolean;
}

/** Adds `try` to the `zinc` command. */
export function registerTry(program: Command): void {
  program
    .command('try')
    .description(
      'grade one delivery folder with a grading config on this machine (sandboxed, no Temporal)',
    )
    .argument('<config.yaml>', 'the grading config (ZINC YAML)')
    .argument('<delivery-dir>', "the delivery's files, as a student hands them in")
    .option(
      '--assets <dir>',
      "folder of the config's assets (provided files, test inputs, expected outputs)",
    )
    .option('--json', 'print the report as JSON')
    .action(async (configFile: string, deliveryDir: string, opts: TryOptions, command: Command) => {
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
        files = await readDeliveryDir(deliveryDir);
      } catch (err) {
        const error = err as NodeJS.ErrnoException;
        const known = isFailure(error, 'AssetDirError', 'TryInputError');
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
      if (!parsed.ok) {
        const lines = parsed.problems.map((problem) => `${problem.path}: ${problem.message}`);
        output.writeErr?.(`${lines.join('\n')}\n`);
        const count = parsed.problems.length;
        return fail(
          `${configFile}: ${count} problem${count === 1 ? '' : 's'}; the config is not valid`,
          1,
        );
      }
      for (const warning of parsed.warnings) {
        output.writeErr?.(`warning: ${warning.path}: ${warning.message}\n`);
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

/** Every regular file under `dir` with its `/`-separated relative path; links are refused. */
async function readDeliveryDir(dir: string): Promise<PipelineFile[]> {
  const top = await lstat(dir).catch(() => undefined);
  if (top === undefined || !top.isDirectory()) {
    throw new TryInputError(`delivery folder ${dir} is not a folder`);
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

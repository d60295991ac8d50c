// `zinc config validate <config.yaml> [--assets <dir>] [--json]`: checks a grading config the way
// the pipeline will, naming every problem by its YAML path, and prints its version id.
import { isFailure } from '../../failures.js';
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Command } from 'commander';
import {
  MAX_CONFIG_TEXT_BYTES,
  configVersionId,
  createToolchainCheck,
  parseGradingConfig,
  readAssetDir,
} from '../../extensions/pipeline/index.js';
import type { AssetDigest, ConfigProblem } from '../../extensions/pipeline/index.js';

interface ValidateOptions {
  assets?: string;
  json?: boolean;
  toolchainCheck: boolean;
}

/** Adds `validate` to the `zinc config` command. */
export function registerConfigValidate(configCommand: Command): void {
  configCommand
    .command('validate')
    .description('check a grading config and its assets; print its version id or every problem')
    .argument('<config.yaml>', 'the grading config (ZINC YAML)')
    .option(
      '--assets <dir>',
      "folder of the config's assets (provided files, test inputs, expected outputs)",
    )
    .option('--json', 'print the result as JSON')
    .option('--no-toolchain-check', "do not compare _settings.lang with this machine's toolchains")
    .action(async (file: string, opts: ValidateOptions, command: Command) => {
      const output = command.configureOutput();
      const write = (text: string): void => {
        if (output.writeOut) output.writeOut(text);
        else process.stdout.write(text);
      };
      const fail = (message: string): never => command.error(`zinc: ${message}`, { exitCode: 1 });

      let text: string;
      let assets: AssetDigest[] = [];
      try {
        const size = (await stat(file)).size;
        if (size > MAX_CONFIG_TEXT_BYTES) {
          fail(
            `${file} is ${size} bytes, over the limit of ${MAX_CONFIG_TEXT_BYTES} for a grading config`,
          );
        }
        text = await readFile(file, 'utf8');
        if (opts.assets !== undefined) assets = await readAssetDir(opts.assets);
      } catch (err) {
        const error = err as NodeJS.ErrnoException;
        if (error.name === 'CommanderError') throw err;
        return fail(
          isFailure(error, 'AssetDirError')
            ? error.message
            : `cannot read ${file}: ${error.code ?? error.message}`,
        );
      }

      const result = parseGradingConfig(text, {
        assets: assets.map((asset) => asset.path),
        fileName: basename(file),
        ...(opts.toolchainCheck ? { checkToolchain: createToolchainCheck() } : {}),
      });
      const versionId = configVersionId(text, assets);
      if (opts.json) {
        const report = result.ok
          ? { ok: true, versionId, warnings: result.warnings, config: result.config }
          : { ok: false, versionId, problems: result.problems, warnings: result.warnings };
        write(`${JSON.stringify(report, null, 2)}\n`);
      } else {
        const lines = result.ok ? [] : result.problems.map(line);
        lines.push(...result.warnings.map((warning) => `warning: ${line(warning)}`));
        if (result.ok) lines.push(`OK ${versionId}`);
        write(`${lines.join('\n')}\n`);
      }
      if (!result.ok) {
        const count = result.problems.length;
        fail(`${file}: ${count} problem${count === 1 ? '' : 's'}; the config is not valid`);
      }
    });
}

function line(problem: ConfigProblem): string {
  return `${problem.path}: ${problem.message}`;
}

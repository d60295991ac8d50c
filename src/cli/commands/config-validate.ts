// `zinc config validate <config.yaml> [--assets <dir>] [--json]`: checks a grading config the way
// the pipeline will, naming every problem by its line, column and YAML path, and prints its
// version id. A config that is not valid is a failure of the config, not of the command line:
// the problems, then one line saying so, and no usage text.
import { InvalidConfigError, UnreadableFileError, isFailure } from '../../failures.js';
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

      let text: string;
      let assets: AssetDigest[] = [];
      try {
        const size = (await stat(file)).size;
        if (size > MAX_CONFIG_TEXT_BYTES) {
          throw new InvalidConfigError(
            `${file} is ${size} bytes, over the limit of ${MAX_CONFIG_TEXT_BYTES} for a grading config`,
          );
        }
        text = await readFile(file, 'utf8');
        if (opts.assets !== undefined) assets = await readAssetDir(opts.assets);
      } catch (err) {
        const error = err as NodeJS.ErrnoException;
        if (isFailure(error, 'InvalidConfig') || isFailure(error, 'AssetDirError')) throw error;
        throw new UnreadableFileError(`cannot read ${file}: ${error.code ?? error.message}`);
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
        const lines = problemLines(file, result, opts.assets !== undefined);
        if (result.ok) lines.push(`OK ${versionId}`);
        write(`${lines.join('\n')}\n`);
      }
      if (!result.ok) throw notValid(file, result.problems.length);
    });
}

/**
 * What `config validate` and `config add` print of a parsed config: each problem and warning as
 * file:line:column: path: message, and, when an asset is missing and no asset folder was given,
 * the flag that gives one.
 */
export function problemLines(
  file: string,
  result: ReturnType<typeof parseGradingConfig>,
  assetsGiven: boolean,
): string[] {
  const lines = result.ok ? [] : result.problems.map((p) => line(file, p));
  lines.push(...result.warnings.map((warning) => line(file, warning, 'warning: ')));
  if (!result.ok && !assetsGiven && result.problems.some(namesMissingAsset)) {
    lines.push(
      `${file}: the config names asset files and no --assets <dir> was given: pass the folder that holds them with --assets <dir>`,
    );
  }
  return lines;
}

/** The failure that ends a command given a config that is not valid. */
export function notValid(file: string, count: number): InvalidConfigError {
  return new InvalidConfigError(
    `${file}: ${count} problem${count === 1 ? '' : 's'}; the config is not valid`,
  );
}

/** A problem as compilers print theirs, so editors can jump to it: file:line:column: path: message. */
function line(file: string, problem: ConfigProblem, prefix = ''): string {
  const at =
    problem.line === undefined
      ? file
      : `${file}:${problem.line}${problem.column === undefined ? '' : `:${problem.column}`}`;
  return `${at}: ${prefix}${problem.path}: ${problem.message}`;
}

/** The problem is an asset file the config names and the (possibly absent) asset folder lacks. */
function namesMissingAsset(problem: ConfigProblem): boolean {
  return problem.message.endsWith("is not among the config's assets");
}

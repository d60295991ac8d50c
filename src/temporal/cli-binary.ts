// Finds the Temporal CLI (which embeds the dev server): ZINC_TEMPORAL_CLI, then .tools/bin, then PATH.
import { TemporalCliNotFoundError } from '../failures.js';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { projectRoot } from '../platform/paths.js';

export const TEMPORAL_CLI_VERSION = '1.5.1';

const INSTALL_HELP = `Install the Temporal CLI v${TEMPORAL_CLI_VERSION}:
  Linux:  install Go >= 1.24, then run \`npm run tools\` in the zinc checkout
          (it runs: go install github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}),
          or download the CLI from https://github.com/temporalio/cli/releases and set ZINC_TEMPORAL_CLI
  macOS:  brew install temporal   (or install Go and run \`npm run tools\`)`;

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** The project-local tools directory the install script fills. */
export function toolsBinDir(): string {
  return join(projectRoot(), '.tools', 'bin');
}

export interface FindTemporalCliOptions {
  env?: NodeJS.ProcessEnv;
  /** Build it with Go (scripts/install-temporal-cli.sh) when it is nowhere; default true. */
  install?: boolean;
  /** The project-local tools directory; default .tools/bin in the checkout. */
  toolsDir?: string;
}

/** Returns the path of the Temporal CLI, installing it with Go when allowed and possible. */
export function findTemporalCli(options: FindTemporalCliOptions = {}): string {
  const env = options.env ?? process.env;
  const explicit = env.ZINC_TEMPORAL_CLI;
  if (explicit !== undefined && explicit !== '') {
    if (!isExecutable(explicit)) {
      throw new TemporalCliNotFoundError(
        `ZINC_TEMPORAL_CLI is set to ${explicit}, which is not an executable file.\n${INSTALL_HELP}`,
      );
    }
    return explicit;
  }
  const local = join(options.toolsDir ?? toolsBinDir(), 'temporal');
  if (isExecutable(local)) return local;
  const fromPath = onPath('temporal', env);
  if (fromPath) return fromPath;

  if (options.install !== false && onPath('go', env)) {
    const script = join(projectRoot(), 'scripts', 'install-temporal-cli.sh');
    if (existsSync(script)) {
      const result = spawnSync('bash', [script], { stdio: ['ignore', 'inherit', 'inherit'], env });
      if (result.status === 0 && isExecutable(local)) return local;
      throw new TemporalCliNotFoundError(
        `installing the Temporal CLI with Go failed (scripts/install-temporal-cli.sh exited ${result.status ?? result.signal}).\n${INSTALL_HELP}`,
      );
    }
  }
  throw new TemporalCliNotFoundError(
    `the Temporal CLI was not found (looked at ZINC_TEMPORAL_CLI, ${local}, and PATH) and Go is not available to build it.\n${INSTALL_HELP}`,
  );
}

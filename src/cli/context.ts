// What every command starts from: the validated configuration and the Temporal server to use.
import type { Command } from 'commander';
import { loadConfig, type ZincConfig } from '../config/index.js';

export interface GlobalOptions {
  dataDir?: string;
  config?: string;
}

/** Loads the configuration once, from --config/ZINC_CONFIG, the environment and --data-dir. */
export function configFrom(command: Command): ZincConfig {
  const opts = command.optsWithGlobals<GlobalOptions>();
  return loadConfig({ file: opts.config, overrides: { dataDir: opts.dataDir } });
}

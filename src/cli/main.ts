// The `zinc` command.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { projectRoot } from '../platform/paths.js';
import { registerConfigAdd } from './commands/config-add.js';
import { registerConfigValidate } from './commands/config-validate.js';
import { registerGradeCommands } from './commands/grade.js';
import { registerResults } from './commands/results.js';
import { registerDemo } from './commands/demo.js';
import { registerDoctor } from './commands/doctor.js';
import { registerSubmissionCommands } from './commands/submission.js';
import { registerTry } from './commands/try.js';
import { registerUp } from './commands/up.js';
import { registerApi } from './commands/api.js';
import { registerAudit } from './commands/audit.js';
import { registerTokenCommands } from './commands/token.js';

/** Errors whose message says all a user needs; anything else also gets its stack. */
const USER_ERRORS = new Set([
  'ConfigError',
  'TemporalCliNotFoundError',
  'TemporalConnectionError',
  'DevServerError',
  'WorkerSetupError',
  'ImportError',
  'CollectionNotFound',
  'DatabaseInUse',
  'DatabaseUnavailable',
  'ObjectStoreUnavailable',
  'MigrationError',
  'MigrationChecksumMismatch',
  'BatchNotFound',
  'DeliveryRejected',
  'InvalidSubmissionInput',
  'ConfigNotFound',
  'AssetDirError',
  'ApiListenError',
  'InvalidTokenRequest',
  'TimeSpecError',
]);

function version(): string {
  const pkg = JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command('zinc')
    .description('zinc: batch grading for programming courses, orchestrated by Temporal')
    .version(version(), '-V, --version')
    .option('--data-dir <dir>', 'where embedded state lives (env ZINC_DATA_DIR; default ./.zinc)')
    .option(
      '--config <file>',
      'YAML configuration file (env ZINC_CONFIG; default ./zinc.yaml if present)',
    )
    .showHelpAfterError();
  registerUp(program);
  registerDoctor(program);
  registerSubmissionCommands(program);
  const configCommand = program.command('config').description('grading configs');
  registerConfigValidate(configCommand);
  registerConfigAdd(configCommand);
  registerResults(registerGradeCommands(program));
  registerDemo(program);
  registerTry(program);
  registerApi(program);
  registerTokenCommands(program);
  registerAudit(program);
  return program;
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (err) {
  const error = err as Error;
  if (USER_ERRORS.has(error.name)) {
    process.stderr.write(`zinc: ${error.message}\n`);
  } else {
    process.stderr.write(`zinc: ${error.stack ?? String(error)}\n`);
  }
  process.exitCode = 1;
}

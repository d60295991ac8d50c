// The `zinc` command.
import { buildProgram } from './program.js';

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
  'DataDirExposed',
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

try {
  await (await buildProgram(process.argv.slice(2))).parseAsync(process.argv);
} catch (err) {
  const error = err as Error;
  if (USER_ERRORS.has(error.name)) {
    process.stderr.write(`zinc: ${error.message}\n`);
  } else {
    process.stderr.write(`zinc: ${error.stack ?? String(error)}\n`);
  }
  process.exitCode = 1;
}

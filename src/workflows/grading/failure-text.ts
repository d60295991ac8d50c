// The words staff read for a delivery a batch could not grade, made from the workflow's
// FailureCode (type and short code; v5) by the core when it records the failure: the history
// holds only the code, the database the words.
import { failureSpec } from '../../failures.js';
import type { FailureCode } from './types.js';

/** What a failure type means for one delivery, in a few words. */
const TEXTS: Readonly<Record<string, string>> = {
  SandboxUnavailable: 'the sandbox could not start or run (see the pipeline worker log)',
  SandboxCancelled: 'the sandbox was stopped before the pipeline ended',
  SandboxFilesRefused: "the sandbox refused the delivery's files",
  ToolchainMissing: "no pipeline worker has the config's toolchain",
  DeliveryFilesMissing: "the delivery's files are missing from object storage",
  DeliveryNotFound: 'the delivery does not exist',
  DeliveryNotInCollection: "the delivery is not in the batch's collection",
  ObjectStoreUnavailable: 'object storage was unavailable',
  DatabaseUnavailable: 'the database was unavailable',
};

/** By kind, for a zinc failure type without its own words. */
const KIND_TEXTS: Readonly<Record<string, string>> = {
  infrastructure: 'an infrastructure failure outlasted every retry',
  config: 'the grading config or the delivery is at fault',
  request: 'the request was refused',
  setup: 'a pipeline worker is set up wrongly',
  internal: 'an internal error (see the pipeline worker log)',
};

/** The readable reason of a FailureCode: `SandboxUnavailable: the sandbox could not start...`. */
export function failureText(failure: FailureCode): string {
  if (failure.type === 'Timeout') {
    if (failure.code === 'SCHEDULE_TO_START' && failure.wait) {
      const { secs, tries } = failure.wait;
      return `no pipeline worker started it within ${secs} s, ${tries} ${tries === 1 ? 'try' : 'tries'}`;
    }
    return `timed out (${failure.code})`;
  }
  const spec = failureSpec(failure.type);
  if (!spec) return 'failed with an unexpected error (see the pipeline worker log)';
  return `${failure.type}: ${TEXTS[failure.type] ?? KIND_TEXTS[spec.kind] ?? 'failed'}`;
}

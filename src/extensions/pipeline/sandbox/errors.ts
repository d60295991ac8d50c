// The sandbox's errors. None of them is the student's: a student's failure is a SandboxResult.

/** The sandbox could not be set up (bubblewrap or the launcher missing, namespaces refused...).
 * Infrastructure: callers retry with backoff and never turn it into a verdict. */
export class SandboxUnavailableError extends Error {
  override readonly name = 'SandboxUnavailable';
}

/** The run was cancelled through its AbortSignal; its process tree is gone when this is thrown. */
export class SandboxCancelledError extends Error {
  override readonly name = 'SandboxCancelled';
}

/** The spec asks for something the sandbox cannot do (empty command, bad limit...): a bug in
 * the caller, not a reason to retry. */
export class InvalidSandboxSpecError extends Error {
  override readonly name = 'InvalidSandboxSpec';
}

/** The delivery's files do not fit in the sandbox's /work (its size or file-count limit): the
 * student's, reported as the delivery's problem, never retried. */
export class SandboxFilesRefusedError extends Error {
  override readonly name = 'SandboxFilesRefused';
}

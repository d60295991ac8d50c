// The pipeline's own error: the config cannot be run as written. A student's failure is never
// an error (it is report content) and the sandbox's are its own (SandboxUnavailable...).

/**
 * The grading config cannot be run on any delivery (an asset it names is missing, an asset
 * path leaves the asset folder...). Not retryable: the batch stops and says why.
 */
export class PipelineConfigError extends Error {
  override readonly name = 'PipelineConfigError';
}

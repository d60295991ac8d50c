// The pipeline extension's sandbox: bubblewrap + rlimits, with a launcher that measures.
export { classifyRun, type RunClassification } from './classify.js';
export {
  InvalidSandboxSpecError,
  SandboxCancelledError,
  SandboxUnavailableError,
} from './errors.js';
export { JVM_SANDBOX_ENV, javacSandboxFlags, jvmSandboxLimits } from './jvm.js';
export { defaultLauncherPath, runSandboxed } from './run-sandboxed.js';
export { SANDBOX_WORK_DIR } from './bwrap-args.js';
export type {
  SandboxBind,
  SandboxLimits,
  SandboxOptions,
  SandboxResult,
  SandboxSpec,
} from './types.js';
export { createSandboxWorkDir, DEFAULT_SANDBOX_UID, removeSandboxWorkDir } from './work-dir.js';

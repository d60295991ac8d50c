// The pipeline extension's sandbox: one bubblewrap sandbox per delivery, a fresh mount namespace
// per run inside it, cgroups (or rlimits) and a seccomp filter, measured by zinc's launcher.
export { sandboxOptionsFrom } from './from-config.js';
export { classifyRun, type RunClassification } from './classify.js';
export {
  detectContainment,
  describeContainment,
  sweepCgroups,
  type Containment,
} from './cgroups.js';
export { exposedHostTrees } from './host-layout.js';
export { JVM_SANDBOX_ENV, javacSandboxFlags, jvmSandboxLimits } from './jvm.js';
export type { SandboxFile } from './protocol.js';
export { defaultLauncherPath, runSandboxed } from './run-sandboxed.js';
export {
  DEFAULT_WORK_BYTES,
  DEFAULT_WORK_FILES,
  openSandbox,
  SandboxSession,
  type OpenSandboxSpec,
  type SandboxRun,
} from './session.js';
export { SANDBOX_WORK_DIR } from './bwrap-args.js';
export type { SandboxLimits, SandboxOptions, SandboxResult, SandboxSpec } from './types.js';
export { createSandboxWorkDir, DEFAULT_SANDBOX_UID, removeSandboxWorkDir } from './work-dir.js';

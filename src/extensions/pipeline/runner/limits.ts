// The sandbox limits of each command a pipeline runs, from the config's settings and test limits.
import type { SandboxLimits } from '../sandbox/index.js';
import type { Settings, TestCase } from '../config/types.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/**
 * What a config does not bound itself. Processes: a compiler driver runs cc1plus, as and ld, a
 * JVM a dozen threads; a fork bomb stops here. Files: a compile may write large objects; a test
 * has no reason to write more than its output limit allows. /tmp lives in memory, so it is small.
 */
export const COMMAND_DEFAULTS = {
  maxProcesses: 64,
  stageMaxFileBytes: 256 * MiB,
  testMaxFileBytes: 64 * MiB,
  tmpBytes: 64 * MiB,
  /** Output a compile, make or shellExec may print before it is stopped. */
  stageOutputBytes: 4 * MiB,
  /** What /work may hold (the delivery, provided files, build products; each test's copy). */
  workBytes: 256 * MiB,
  workFiles: 10_000,
} as const;

/** The work dir's limits in words, for reports. */
export const WORK_DIR_LIMIT_TEXT = `at most ${COMMAND_DEFAULTS.workBytes / MiB} MiB and ${COMMAND_DEFAULTS.workFiles.toLocaleString('en')} files and folders`;

/**
 * CPU time may be `cpus` times the wall time: `cpus` is not pinned to cores, it bounds how much
 * CPU a run may burn in parallel (a multi-threaded program, a JVM's compiler threads).
 */
function cpuTimeMs(wallTimeMs: number, settings: Settings): number {
  return Math.ceil(wallTimeMs * Math.max(1, settings.cpus));
}

/** Limits of a compile, make or shellExec command: stage_wait_duration_secs and mem_gb. */
export function stageCommandLimits(settings: Settings): SandboxLimits {
  const wallTimeMs = Math.ceil(settings.stage_wait_duration_secs * 1000);
  return {
    wallTimeMs,
    cpuTimeMs: cpuTimeMs(wallTimeMs, settings),
    memoryBytes: Math.floor(settings.mem_gb * GiB),
    maxProcesses: COMMAND_DEFAULTS.maxProcesses,
    maxFileBytes: COMMAND_DEFAULTS.stageMaxFileBytes,
    outputBytes: COMMAND_DEFAULTS.stageOutputBytes,
    tmpBytes: COMMAND_DEFAULTS.tmpBytes,
    cpus: settings.cpus,
  };
}

/** Limits of one test run: its resolved time_limit_secs, memory_limit_mb and output_limit_kb. */
export function testLimits(settings: Settings, testCase: TestCase): SandboxLimits {
  const wallTimeMs = Math.ceil(testCase.time_limit_secs * 1000);
  return {
    wallTimeMs,
    cpuTimeMs: cpuTimeMs(wallTimeMs, settings),
    memoryBytes: Math.floor(testCase.memory_limit_mb * MiB),
    maxProcesses: COMMAND_DEFAULTS.maxProcesses,
    maxFileBytes: COMMAND_DEFAULTS.testMaxFileBytes,
    outputBytes: Math.floor(testCase.output_limit_kb * 1024),
    tmpBytes: COMMAND_DEFAULTS.tmpBytes,
    cpus: settings.cpus,
  };
}

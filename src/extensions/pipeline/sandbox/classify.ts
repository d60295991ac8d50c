// The DOMAIN.md verdict of one finished run, from its description alone.
import type { SandboxResult } from './types.js';

/** A run's verdict; 'OK' means the run may pass (its output is judged elsewhere). */
export type RunClassification =
  | { verdict: 'OK' }
  | { verdict: 'TIME_LIMIT_EXCEEDED' }
  | { verdict: 'MEMORY_LIMIT_EXCEEDED' }
  | { verdict: 'OUTPUT_LIMIT_EXCEEDED' }
  | { verdict: 'RUNTIME_ERROR'; exitCode: number | null; signal: string | null };

/** Classifies a finished run: output and time limits first (zinc stopped the run for them, so
 * its exit status says nothing), then memory, then any other abnormal end. */
export function classifyRun(result: SandboxResult): RunClassification {
  if (result.outputExceeded || result.fileSizeExceeded || result.workDirFull) {
    return { verdict: 'OUTPUT_LIMIT_EXCEEDED' };
  }
  if (result.timedOut || result.cpuTimeExceeded) return { verdict: 'TIME_LIMIT_EXCEEDED' };
  if (result.memoryExceeded) return { verdict: 'MEMORY_LIMIT_EXCEEDED' };
  if (result.signal !== null || result.exitCode !== 0) {
    return { verdict: 'RUNTIME_ERROR', exitCode: result.exitCode, signal: result.signal };
  }
  return { verdict: 'OK' };
}

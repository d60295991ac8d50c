// Checks a run before anything is started; a bad spec is the caller's bug.
import { InvalidSandboxSpecError } from '../../../failures.js';
import type { SandboxSpec } from './types.js';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Throws InvalidSandboxSpecError naming the first field of `run` that cannot be run. */
export function validateRun(run: Pick<SandboxSpec, 'command' | 'env' | 'limits'>): void {
  const fail = (field: string, problem: string): never => {
    throw new InvalidSandboxSpecError(`sandbox spec ${field}: ${problem}`);
  };
  if (run.command.length === 0 || run.command[0] === '') fail('command', 'must not be empty');
  run.command.forEach((word, i) => {
    if (word.includes('\0')) fail(`command[${i}]`, 'contains a NUL byte');
  });
  for (const [name, value] of Object.entries(run.env ?? {})) {
    if (!ENV_NAME.test(name)) fail(`env.${name}`, 'is not a valid variable name');
    if (value.includes('\0')) fail(`env.${name}`, 'contains a NUL byte');
  }
  const { limits } = run;
  const positive: Array<keyof typeof limits> = [
    'wallTimeMs',
    'cpuTimeMs',
    'memoryBytes',
    'maxProcesses',
    'maxFileBytes',
  ];
  for (const key of positive) {
    const value = limits[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      fail(`limits.${key}`, `must be a positive number, got ${String(value)}`);
    }
  }
  if (!Number.isInteger(limits.maxProcesses)) fail('limits.maxProcesses', 'must be an integer');
  if (!Number.isFinite(limits.outputBytes) || limits.outputBytes < 0) {
    fail('limits.outputBytes', `must be zero or more, got ${limits.outputBytes}`);
  }
  for (const key of ['addressSpaceBytes', 'tmpBytes', 'cpus'] as const) {
    const value = limits[key];
    if (value !== undefined && (!Number.isFinite(value) || value <= 0)) {
      fail(`limits.${key}`, `must be a positive number, got ${value}`);
    }
  }
}

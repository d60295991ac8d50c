// Checks a SandboxSpec before anything is started; a bad spec is the caller's bug.
import { isAbsolute, normalize } from 'node:path';
import { SANDBOX_WORK_DIR } from './bwrap-args.js';
import { InvalidSandboxSpecError } from './errors.js';
import type { SandboxSpec } from './types.js';

/** Where the sandbox mounts its own things: a read-only bind may not replace these... */
const RESERVED_PATHS = ['/', '/tmp'];
/** ...nor go anywhere under these. */
const RESERVED_TREES = ['/usr', '/proc', '/dev', '/etc', '/.zinc', SANDBOX_WORK_DIR];
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Throws InvalidSandboxSpecError naming the first field of `spec` that cannot be run. */
export function validateSpec(spec: SandboxSpec): void {
  const fail = (field: string, problem: string): never => {
    throw new InvalidSandboxSpecError(`sandbox spec ${field}: ${problem}`);
  };
  if (!isAbsolute(spec.workDir)) fail('workDir', `must be an absolute path, got '${spec.workDir}'`);
  if (spec.command.length === 0 || spec.command[0] === '') fail('command', 'must not be empty');
  spec.command.forEach((word, i) => {
    if (word.includes('\0')) fail(`command[${i}]`, 'contains a NUL byte');
  });
  for (const [name, value] of Object.entries(spec.env ?? {})) {
    if (!ENV_NAME.test(name)) fail(`env.${name}`, 'is not a valid variable name');
    if (value.includes('\0')) fail(`env.${name}`, 'contains a NUL byte');
  }
  const { limits } = spec;
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
  for (const key of ['addressSpaceBytes', 'tmpBytes'] as const) {
    const value = limits[key];
    if (value !== undefined && (!Number.isFinite(value) || value <= 0)) {
      fail(`limits.${key}`, `must be a positive number, got ${value}`);
    }
  }
  (spec.readOnlyBinds ?? []).forEach((bind, i) => {
    const field = `readOnlyBinds[${i}]`;
    if (!isAbsolute(bind.hostPath)) fail(`${field}.hostPath`, 'must be an absolute path');
    const path = bind.sandboxPath;
    if (!isAbsolute(path) || normalize(path) !== path || path.endsWith('/')) {
      fail(`${field}.sandboxPath`, `must be a normalised absolute path, got '${path}'`);
    }
    const tree = RESERVED_TREES.find((root) => path === root || path.startsWith(`${root}/`));
    if (RESERVED_PATHS.includes(path) || tree !== undefined) {
      fail(`${field}.sandboxPath`, `'${path}' is where the sandbox mounts ${tree ?? path}`);
    }
  });
}

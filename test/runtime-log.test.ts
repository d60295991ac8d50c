// Where the Temporal SDK's messages go: a CLI command's terminal belongs to the user, so the
// SDK's warnings (a failed workflow's "Workflow failed" with its details) go to the data dir's
// log; a server (`zinc up`, `zinc worker`) writes them to stderr, which is its log.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, tempDir } from './helpers/temporal.js';

/** Runs a process that installs the runtime (with `file` or not) and logs as the SDK does. */
function logThroughRuntime(file: string | undefined) {
  const script = [
    "import { Runtime } from '@temporalio/worker';",
    "import { installRuntime } from './src/temporal/runtime.ts';",
    `installRuntime(${file === undefined ? '' : JSON.stringify({ file })});`,
    "Runtime.instance().logger.warn('Workflow failed', { workflowId: 'batch-x', error: 'boom' });",
    "Runtime.instance().logger.debug('below the level');",
  ].join('\n');
  return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('SDK log lines', () => {
  it('go to the log file, not the terminal, for a CLI command', () => {
    const file = join(tempDir(), 'logs', 'zinc.log');
    const run = logThroughRuntime(file);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/Workflow failed/);
    expect(run.stdout).toBe('');
    const log = readFileSync(file, 'utf8');
    expect(log).toMatch(/\[WARN\] Workflow failed \{"workflowId":"batch-x","error":"boom"\}/);
    expect(log).not.toMatch(/below the level/);
    expect(statSync(file).mode & 0o077).toBe(0);
  });

  it('go to stderr for a server', () => {
    const run = logThroughRuntime(undefined);
    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(/\[WARN\] Workflow failed/);
    expect(existsSync(join(repoRoot, 'logs'))).toBe(false);
  });
});

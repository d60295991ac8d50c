// zinc's log: a CLI command's terminal belongs to the user, so the Temporal SDK's messages (a
// failed workflow's "Workflow failed" with its details) go to the data dir's log as JSON lines;
// a server (`zinc up`, `zinc worker`) writes them to stderr, which is its log: JSON, or readable
// lines when asked (or on a terminal). Fields that may hold a secret are censored.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RuntimeLogOptions } from '../src/temporal/runtime.js';
import { repoRoot, tempDir } from './helpers/temporal.js';

/** Runs a process that installs the runtime with `options` and logs as the SDK does. */
function logThroughRuntime(options: RuntimeLogOptions) {
  const script = [
    "import { Runtime } from '@temporalio/worker';",
    "import { installRuntime } from './src/temporal/runtime.ts';",
    `installRuntime(${JSON.stringify(options)});`,
    'const sdk = Runtime.instance().logger;',
    "sdk.warn('Workflow failed', { workflowId: 'batch-x', workflowType: 'batchGradingWorkflow', runId: 'r1', error: 'boom' });",
    "sdk.info('token made', { userId: 'ta1', token: 'zinc_secret_value', headers: { authorization: 'Bearer zinc_other' } });",
    "sdk.debug('below the level');",
  ].join('\n');
  return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
  });
}

function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('the log', () => {
  it('of a CLI command is a file of JSON lines, not the terminal', () => {
    const file = join(tempDir(), 'logs', 'zinc.log');
    const run = logThroughRuntime({ file });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('');
    const entries = jsonLines(readFileSync(file, 'utf8'));
    expect(entries[0]).toMatchObject({
      level: 'warn',
      msg: 'Workflow failed',
      workflowId: 'batch-x',
      batchId: 'batch-x',
      runId: 'r1',
      error: 'boom',
    });
    expect(entries.map((e) => e.msg)).not.toContain('below the level');
    expect(statSync(file).mode & 0o077).toBe(0);
  });

  it('of a server is stderr, JSON by default off a terminal, with secrets censored', () => {
    const run = logThroughRuntime({});
    expect(run.status).toBe(0);
    expect(existsSync(join(repoRoot, 'logs'))).toBe(false);
    const entries = jsonLines(run.stderr);
    expect(entries.map((e) => e.msg)).toEqual(['Workflow failed', 'token made']);
    expect(entries[1]).toMatchObject({ userId: 'ta1', token: '[redacted]' });
    expect(run.stderr).not.toMatch(/zinc_secret_value|zinc_other/);
    expect(typeof entries[0]!.time).toBe('string');
  });

  it('is readable lines in text format, and the level decides what is written', () => {
    const run = logThroughRuntime({ format: 'text', level: 'debug' });
    expect(run.status).toBe(0);
    // One line per entry (an error's details follow on indented lines).
    const lines = run.stderr.split('\n').filter((line) => line.startsWith('['));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      /^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: Workflow failed .*workflowId.*batch-x/,
    );
    expect(lines[2]).toMatch(/DEBUG: below the level/);
    expect(run.stderr).not.toMatch(/zinc_secret_value/);
  });
});

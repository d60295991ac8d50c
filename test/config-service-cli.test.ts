// A worker configured only by the core: the real `zinc` CLI in separate OS processes on a real
// PostgreSQL. `zinc worker core` runs the embedded Temporal dev server and serves the
// configuration service; the submission and pipeline workers start in an empty folder with no
// zinc.yaml, no DATABASE_URL and no ZINC_* configuration, given only the core's address and a
// worker token. They fetch exactly their component's sections (their start lines list them), and
// a batch started with `zinc grade` is graded on them: no other process runs a pipeline worker.
// A revoked worker token is refused at start-up, and `zinc token list` shows worker tokens.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatchSummary } from '../src/workflows/grading/types.js';
import { startPostgres, type TestPostgres } from './helpers/postgres.js';
import { repoRoot, tempDir } from './helpers/temporal.js';
import { ADD_CONFIG } from './helpers/sum-course.js';
import { zincBin } from './helpers/zinc-bin.js';

const CONFIG = ADD_CONFIG;

interface Running {
  child: ChildProcess;
  stdout: () => string;
  output: () => string;
  /** Resolves with stdout once it matches `pattern`; rejects if the process ends first. */
  waitFor(pattern: RegExp): Promise<string>;
  exited: Promise<number | NodeJS.Signals>;
  stop(): Promise<void>;
}

/** Starts `zinc <args>` in `cwd` with exactly `env` (nothing inherited). */
function start(args: string[], cwd: string, env: NodeJS.ProcessEnv): Running {
  const child = spawn(process.execPath, [zincBin(), ...args], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let output = '';
  const waiters: Array<() => void> = [];
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    output += chunk.toString();
    waiters.forEach((w) => w());
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | NodeJS.Signals>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 0)),
  );
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exited.then(() => process.removeListener('exit', killOnExit));
  return {
    child,
    stdout: () => stdout,
    output: () => output,
    exited,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          if (pattern.test(stdout)) resolve(stdout);
        };
        waiters.push(check);
        check();
        void exited.then((how) =>
          reject(new Error(`zinc ${args.join(' ')} ended (${how}); its output:\n${output}`)),
        );
      }),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

let postgres: TestPostgres;
let dataDir: string;
const running: Running[] = [];
/** What a command run on the core's machine has: the database URL (no zinc.yaml either). */
let coreEnv: NodeJS.ProcessEnv;
/** Variables the core's machine is set up with (a remote worker gets the sandbox's from the core). */
const hostVariables = (): NodeJS.ProcessEnv =>
  Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => name.startsWith('ZINC_SANDBOX_') || name === 'ZINC_TEMPORAL_CLI',
    ),
  );
/** A remote worker's whole environment: a PATH for the compilers, nothing of zinc's. */
const bareEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  ...hostVariables(),
  ...extra,
});

function zinc(args: string[]) {
  const run = spawnSync(process.execPath, [zincBin(), '--data-dir', dataDir, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 300_000,
    env: coreEnv,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

beforeAll(async () => {
  postgres = await startPostgres();
  dataDir = tempDir();
  coreEnv = {
    ...bareEnv({ DATABASE_URL: postgres.url, ZINC_USER: 'ta' }),
    ZINC_CONFIG_SERVICE_PORT: '0',
  };
});

afterAll(async () => {
  for (const process of running.reverse()) await process.stop();
  await postgres?.stop();
});

describe('zinc worker <component> --core', () => {
  it('fetches only its sections from the core, and grades a batch with them', async () => {
    const input = tempDir();
    for (const [student, op] of [
      ['s1', '+'],
      ['s2', '*'],
    ] as const) {
      mkdirSync(join(input, student));
      writeFileSync(
        join(input, student, 'main.cpp'),
        `#include <iostream>\nint main(){long a,b;std::cin>>a>>b;std::cout<<a${op}b<<"\\n";}\n`,
      );
    }
    const configFile = join(tempDir(), 'sum.yaml');
    writeFileSync(configFile, CONFIG);
    const imported = zinc([
      'import',
      input,
      '--course',
      'C1',
      '--activity',
      'A1',
      '--collection',
      'main',
      '--json',
    ]);
    expect(imported.status, imported.stderr).toBe(0);
    const { collectionId } = JSON.parse(imported.stdout) as { collectionId: string };
    expect(zinc(['user', 'add', 'ta', '--course', 'C1', '--role', 'staff']).status).toBe(0);
    expect(zinc(['config', 'add', configFile, '--collection', collectionId]).status).toBe(0);

    const tokenFor = (component: string): { id: string; token: string } => {
      const made = zinc(['token', 'create', '--worker', component]);
      expect(made.status, made.stderr).toBe(0);
      expect(made.stdout).toMatch(
        new RegExp(`^Worker token wtk_\\w+ for the ${component} component, never expires\\.`),
      );
      return {
        id: /Worker token (wtk_\w+)/.exec(made.stdout)![1]!,
        token: made.stdout.trim().split(/\s+/).pop()!,
      };
    };
    const pipelineToken = tokenFor('pipeline');
    const submissionToken = tokenFor('submission');
    expect(pipelineToken.token).toMatch(/^zincw_[\w-]{43}$/);

    const core = start(['--data-dir', dataDir, 'worker', 'core'], repoRoot, coreEnv);
    running.push(core);
    await core.waitFor(/Press Ctrl-C to stop\./);
    const address = /config service: (\S+)/.exec(core.stdout())![1]!;
    expect(address).toMatch(/^127\.0\.0\.1:\d+$/);

    const empty = tempDir(); // no zinc.yaml, and the workers write nothing here
    const submission = start(
      ['worker', 'submission', '--core', address, '--token', submissionToken.token],
      empty,
      bareEnv(),
    );
    running.push(submission);
    const pipeline = start(
      ['worker', 'pipeline', '--core', address],
      empty,
      bareEnv({ ZINC_WORKER_TOKEN: pipelineToken.token }),
    );
    running.push(pipeline);
    await pipeline.waitFor(/zinc pipeline worker is up/);
    await submission.waitFor(/zinc submission worker is up/);
    expect(pipeline.stdout()).toContain(
      `  config:      temporal, worker, database, storage, pipeline, data_dir from the core at ${address}\n`,
    );
    expect(pipeline.stdout()).toContain(`zinc pipeline worker is up (data dir ${dataDir})`);
    expect(pipeline.stdout()).toMatch(/task queues: zinc-pipeline-default, zinc-pipeline-live\n/);
    expect(submission.stdout()).toContain(
      '  config:      temporal, worker, database, storage, submission, data_dir from the core',
    );

    const graded = zinc(['grade', collectionId, '--json']);
    expect(graded.status, `${graded.stderr}\n${pipeline.output()}`).toBe(0);
    const summary = JSON.parse(graded.stdout) as BatchSummary;
    expect(summary, `${JSON.stringify(summary)}\n${pipeline.output()}`).toMatchObject({
      status: 'completed',
      done: 2,
      counts: { PASSED: 1, WRONG_OUTPUT: 1 },
    });
    const csv = zinc(['batch', 'results', summary.batchId, '--format', 'csv']).stdout;
    expect(csv).toMatch(/^s1,PASSED,100,100,2,2,.*,dlv_\w+,batch-\S+,1,1$/m);

    // The core logs who read what, never a value or a token.
    expect(core.output()).toMatch(
      new RegExp(`config service: ${pipelineToken.id} \\(pipeline\\) read "storage"`),
    );
    expect(core.output()).not.toContain(pipelineToken.token);
    expect(core.output()).not.toContain(postgres.password);

    // Revoked: a new worker with the token is refused before it starts anything.
    const listed = zinc(['token', 'list']);
    expect(listed.stdout).toMatch(new RegExp(`${pipelineToken.id}\\s+worker pipeline\\s`));
    expect(zinc(['token', 'revoke', pipelineToken.id]).status).toBe(0);
    const refused = start(
      ['worker', 'pipeline', '--core', address],
      empty,
      bareEnv({ ZINC_WORKER_TOKEN: pipelineToken.token }),
    );
    expect(await refused.exited).not.toBe(0);
    expect(refused.output()).toMatch(
      /refused section "temporal" \(Unauthenticated\): worker token wtk_\w+ was revoked at/,
    );
    expect(refused.output()).not.toContain(pipelineToken.token);
  }, 600_000);
});

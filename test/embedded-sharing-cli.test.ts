// Several zinc processes on one data dir with the embedded default, as a TA runs them from a
// second terminal while `zinc up` runs in the first:
// - import, collections list, user add, token create, config add, deliveries list, audit,
//   grade, batch list and batch results all work beside it, on its database (its API sees what
//   they wrote) and its Temporal (grade starts no second dev server);
// - `zinc worker pipeline` on the same data dir joins as one more grader: it polls the
//   pipeline queue beside zinc up, a batch completes, and it stops cleanly;
// - stopping zinc up stops its dev server and leaves no lock, socket or state file, after
//   which commands open the database alone again;
// - Ctrl-C while zinc up starts (dev server starting, or database already open) stops
//   everything it had started, and after start-up too; a second Ctrl-C exits at once, killing
//   the dev server and removing lock and state files all the same.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTemporalCli } from '../src/temporal/cli-binary.js';
import type { BatchSummary } from '../src/workflows/grading/types.js';
import { exitOf, repoRoot, tempDir } from './helpers/temporal.js';
import { ADD_CONFIG } from './helpers/sum-course.js';
import { zincBin } from './helpers/zinc-bin.js';

function zinc(dataDir: string, args: string[]) {
  const run = spawnSync(process.execPath, [zincBin(), '--data-dir', dataDir, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, ZINC_USER: 'ta' },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

interface Running {
  child: ChildProcess;
  output: () => string;
  errors: () => string;
}

/** Starts a long-running zinc command; `ready` says when its output shows it is up. */
function start(dataDir: string, args: string[]): Running {
  const child = spawn(process.execPath, [zincBin(), '--data-dir', dataDir, ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return { child, output: () => out, errors: () => err };
}

async function untilUp(running: Running): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (!running.output().includes('Press Ctrl-C')) {
    if (running.child.exitCode !== null || Date.now() > deadline) {
      running.child.kill('SIGKILL');
      throw new Error(`did not start:\n${running.output()}\n${running.errors()}`);
    }
    await sleep(100);
  }
}

/** Every process whose command line names `dataDir` (zinc itself, its dev server). */
function processesOf(dataDir: string): string[] {
  const ps = spawnSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return ps.stdout
    .split('\n')
    .filter((line) => line.includes(dataDir) && !line.includes(' ps '))
    .map((line) => line.trim());
}

/** The dev servers (temporal server start-dev) running on `dataDir`. */
function devServersOf(dataDir: string): string[] {
  return processesOf(dataDir).filter((line) => line.includes('start-dev'));
}

/** Lock, socket and state files of the embedded database and the dev server that remain. */
function leftovers(dataDir: string): string[] {
  return ['db.lock', 'db-server.json', 'db-socket', 'temporal/server.json'].filter((name) =>
    existsSync(join(dataDir, name)),
  );
}

async function stopped(child: ChildProcess, dataDir: string): Promise<void> {
  // Whatever a failed test left behind goes with it, not with the next test files.
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await exitOf(child);
  for (const line of devServersOf(dataDir)) process.kill(Number(line.split(/\s+/)[0]), 'SIGKILL');
}

const CONFIG = ADD_CONFIG;

describe('zinc commands beside a running zinc up', () => {
  const dataDir = tempDir('zinc-sharing-');
  let up: Running;
  let url: string;
  let collectionId: string;
  let ta: string;
  let s1: string;
  let firstBatch: string;

  beforeAll(async () => {
    up = start(dataDir, ['up', '--api-port', '0']);
    await untilUp(up);
    url = /API: +(http:\/\/127\.0\.0\.1:\d+)/.exec(up.output())![1]!;
  }, 200_000);
  afterAll(async () => {
    await stopped(up.child, dataDir);
  });

  it('import, collections list, user add, token create and config add write what zinc up reads', async () => {
    const input = tempDir('zinc-sharing-in-');
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
    const imported = zinc(dataDir, [
      'import',
      input,
      '--course',
      'C1',
      '--activity',
      'A1',
      '--collection',
      'main',
      '--start',
      new Date(Date.now() - 86_400_000).toISOString(),
      '--stop',
      new Date(Date.now() + 30 * 86_400_000).toISOString(),
      '--json',
    ]);
    expect(imported.status, imported.stderr).toBe(0);
    collectionId = (JSON.parse(imported.stdout) as { collectionId: string }).collectionId;

    const listed = zinc(dataDir, ['collections', 'list']);
    expect(listed.status, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(collectionId);
    expect(listed.stdout).toMatch(/C1/);

    for (const [user, role] of [
      ['ta', 'staff'],
      ['s1', 'student'],
    ]) {
      const added = zinc(dataDir, ['user', 'add', user!, '--course', 'C1', '--role', role!]);
      expect(added.status, added.stderr).toBe(0);
    }
    const made = zinc(dataDir, ['token', 'create', '--user', 'ta']);
    expect(made.status, made.stderr).toBe(0);
    expect(made.stdout).toMatch(/^Token tok_\w+ for ta \(staff of C1\)/);
    ta = made.stdout.trim().split(/\s+/).pop()!;
    s1 = zinc(dataDir, ['token', 'create', '--user', 's1']).stdout.trim().split(/\s+/).pop()!;

    // zinc up's API knows the token another process just created.
    const batches = await fetch(`${url}/api/batches?collectionId=${collectionId}`, {
      headers: { authorization: `Bearer ${ta}` },
    });
    expect(batches.status).toBe(200);
    expect(await batches.json()).toEqual({ batches: [] });

    const configFile = join(input, 'config.yaml');
    writeFileSync(configFile, CONFIG);
    const config = zinc(dataDir, ['config', 'add', configFile, '--collection', collectionId]);
    expect(config.status, config.stderr).toBe(0);
    expect(config.stdout.trim()).toMatch(/^cfg_[0-9a-f]{16}$/);
  }, 300_000);

  it("zinc grade grades on zinc up's Temporal and database; batch list and results show it", () => {
    const devServer = devServersOf(dataDir);
    expect(devServer).toHaveLength(1);
    const graded = zinc(dataDir, ['grade', collectionId, '--json']);
    expect(graded.status, graded.stderr).toBe(0);
    const summary = JSON.parse(graded.stdout) as BatchSummary;
    expect(summary).toMatchObject({
      status: 'completed',
      done: 2,
      counts: { PASSED: 1, WRONG_OUTPUT: 1 },
    });
    firstBatch = summary.batchId;
    expect(devServersOf(dataDir)).toEqual(devServer); // no second dev server, the same one

    const list = zinc(dataDir, ['batch', 'list', '--collection', collectionId, '--json']);
    expect(list.status, list.stderr).toBe(0);
    const batches = JSON.parse(list.stdout) as Array<{ batchId: string; status: string }>;
    expect(batches).toContainEqual(expect.objectContaining({ batchId: firstBatch }));

    const csv = zinc(dataDir, ['batch', 'results', firstBatch, '--format', 'csv']);
    expect(csv.status, csv.stderr).toBe(0);
    const lines = csv.stdout.trim().split('\n');
    expect(lines[1]).toMatch(/^s1,PASSED,100,100,2,2,.*,dlv_\w+,batch-\S+,1,1$/);
    expect(lines[2]).toMatch(/^s2,WRONG_OUTPUT,50,100,1,2,.*,dlv_\w+,batch-\S+,1,0$/);

    // Nothing ERRORED in it: regrade-failed says so and starts no batch.
    const nothing = zinc(dataDir, ['batch', 'regrade-failed', firstBatch]);
    expect(nothing.status, nothing.stderr).toBe(0);
    expect(nothing.stdout).toBe(
      `Batch ${firstBatch} has no ERRORED deliveries: nothing to regrade.\n`,
    );
    const after = zinc(dataDir, ['batch', 'list', '--collection', collectionId, '--json']);
    expect(JSON.parse(after.stdout)).toHaveLength(batches.length);
  }, 300_000);

  it('deliveries list and audit show what zinc up stored through its API', async () => {
    const form = new FormData();
    form.append('files', new Blob(['int main() { return 1; }\n']), 'main.cpp');
    const uploaded = await fetch(`${url}/api/collections/${collectionId}/deliveries`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s1}` },
      body: form,
    });
    expect(uploaded.status).toBe(201);

    const deliveries = zinc(dataDir, ['deliveries', 'list', collectionId, '--json']);
    expect(deliveries.status, deliveries.stderr).toBe(0);
    const rows = JSON.parse(deliveries.stdout) as Array<{ userId: string }>;
    expect(rows.filter((d) => d.userId === 's1')).toHaveLength(2);

    const audit = zinc(dataDir, ['audit', '--since', '1h', '--json']);
    expect(audit.status, audit.stderr).toBe(0);
    const actions = (JSON.parse(audit.stdout) as Array<{ actor: string; action: string }>).map(
      (r) => [r.actor, r.action],
    );
    expect(actions).toContainEqual(['s1', 'api.delivery.create']);
  }, 120_000);

  it('zinc worker pipeline joins as a second grader and stops cleanly', async () => {
    const worker = start(dataDir, ['worker', 'pipeline']);
    try {
      await untilUp(worker);
      const address = /Temporal: +(127\.0\.0\.1:\d+)/.exec(up.output())![1]!;
      expect(worker.output()).toContain(`Temporal:    ${address}, namespace zinc-dev\n`);
      expect(worker.output()).toContain('task queues: zinc-pipeline-default, zinc-pipeline-live\n');

      // Temporal lists both processes among the pollers of both pipeline queues (the batch
      // queue and the live queue).
      for (const queue of ['zinc-pipeline-default', 'zinc-pipeline-live']) {
        const deadline = Date.now() + 60_000;
        let pollers = '';
        while (Date.now() < deadline) {
          const described = spawnSync(
            findTemporalCli(),
            [
              'task-queue',
              'describe',
              '--task-queue',
              queue,
              '--address',
              address,
              '--namespace',
              'zinc-dev',
            ],
            { encoding: 'utf8' },
          );
          pollers = described.stdout;
          if (pollers.includes(`${worker.child.pid}@`) && pollers.includes(`${up.child.pid}@`)) {
            break;
          }
          await sleep(500);
        }
        expect(pollers, queue).toContain(`${worker.child.pid}@`);
        expect(pollers, queue).toContain(`${up.child.pid}@`);
      }

      // s1's new delivery makes a new batch; it completes with both graders serving.
      const graded = zinc(dataDir, ['grade', collectionId, '--json']);
      expect(graded.status, graded.stderr).toBe(0);
      const summary = JSON.parse(graded.stdout) as BatchSummary;
      expect(summary.batchId).not.toBe(firstBatch);
      expect(summary).toMatchObject({ status: 'completed', done: 2 });
    } finally {
      worker.child.kill('SIGINT');
    }
    expect(await exitOf(worker.child)).toBe(0);
    expect(worker.errors()).toContain('\nSIGINT: finishing in-flight work, then stopping...\n');
    expect(worker.errors()).not.toMatch(/WARN|ERROR|zinc:/);
    expect(up.child.exitCode).toBe(null); // zinc up serves on
  }, 300_000);

  it('a worker given only the core address and a worker token joins the embedded stack', async () => {
    const token = zinc(dataDir, ['token', 'create', '--worker', 'pipeline']);
    expect(token.status, token.stderr).toBe(0);
    const secret = token.stdout.trim().split(/\s+/).pop()!;
    const core = /config service: +(\S+)/.exec(up.output())![1]!;
    // An empty folder, no zinc.yaml, no zinc settings in the environment: only the credential.
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith('ZINC_') && k !== 'DATABASE_URL'),
    );
    const child = spawn(process.execPath, [zincBin(), 'worker', 'pipeline', '--core', core], {
      cwd: tempDir('zinc-remote-worker-'),
      env: { ...env, ZINC_WORKER_TOKEN: secret },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const remote: Running = { child, output: () => out, errors: () => err };
    try {
      await untilUp(remote);
      expect(remote.output()).toMatch(
        /config: +temporal, worker, database, storage, pipeline, data_dir from the core at /,
      );
      expect(remote.output()).toContain('task queues: zinc-pipeline-default, zinc-pipeline-live\n');
      // It grades: s1's newer delivery is graded in a new batch while it polls beside zinc up.
      const graded = zinc(dataDir, ['grade', collectionId, '--json']);
      expect(graded.status, graded.stderr).toBe(0);
      expect(JSON.parse(graded.stdout)).toMatchObject({ status: 'completed', done: 2 });
    } finally {
      child.kill('SIGINT');
    }
    expect(await exitOf(child)).toBe(0);
    // The core logged which token read which section, never a value.
    expect(up.errors()).toMatch(/config service: wtk_\S+ \(pipeline\) read "database"/);
    expect(up.errors()).not.toContain(secret);
  }, 300_000);

  it('stopping zinc up stops all it started; then commands open the database alone', async () => {
    up.child.kill('SIGINT');
    expect(await exitOf(up.child)).toBe(0);
    expect(processesOf(dataDir)).toEqual([]);
    expect(leftovers(dataDir)).toEqual([]);

    const listed = zinc(dataDir, ['collections', 'list']);
    expect(listed.status, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(collectionId);
    expect(leftovers(dataDir)).toEqual([]);
  }, 120_000);
});

describe('Ctrl-C while zinc up starts', () => {
  // One data dir for every case: each must leave it ready for the next start (a dev server
  // stopped while it lays out a new SQLite file's schema would leave a file no server can open).
  const dataDir = tempDir('zinc-sharing-int-');

  /** Starts zinc up and sends SIGINT once `when` holds, before it is up. */
  async function interrupt(when: (dataDir: string) => boolean): Promise<void> {
    const up = start(dataDir, ['up', '--api-port', '0']);
    try {
      const deadline = Date.now() + 120_000;
      while (!when(dataDir)) {
        if (up.child.exitCode !== null || Date.now() > deadline) {
          throw new Error(`never reached the moment:\n${up.output()}\n${up.errors()}`);
        }
        await sleep(20);
      }
      up.child.kill('SIGINT');
      expect(await exitOf(up.child)).toBe(130);
      expect(up.output()).not.toContain('zinc is up');
      expect(up.errors()).toContain(
        'Stopped before it was up; everything it had started is stopped.',
      );
      expect(processesOf(dataDir)).toEqual([]);
      expect(leftovers(dataDir)).toEqual([]);
    } finally {
      await stopped(up.child, dataDir);
    }
  }

  it('stops the dev server it is starting', async () => {
    await interrupt((dataDir) => devServersOf(dataDir).length > 0);
  }, 180_000);

  it('closes the database it has opened, with its lock and socket', async () => {
    await interrupt((dataDir) => existsSync(join(dataDir, 'db-server.json')));
  }, 180_000);

  it('a second Ctrl-C exits at once and still leaves nothing behind', async () => {
    const up = start(dataDir, ['up', '--api-port', '0']);
    try {
      await untilUp(up);
      up.child.kill('SIGINT');
      await sleep(50);
      up.child.kill('SIGINT');
      expect(await exitOf(up.child)).toBe(130);
      expect(processesOf(dataDir)).toEqual([]);
      expect(leftovers(dataDir)).toEqual([]);
    } finally {
      await stopped(up.child, dataDir);
    }
  }, 180_000);

  it('after start-up too', async () => {
    const up = start(dataDir, ['up', '--api-port', '0']);
    try {
      await untilUp(up);
      const state = JSON.parse(readFileSync(join(dataDir, 'db-server.json'), 'utf8')) as {
        pid: number;
      };
      expect(state.pid).toBe(up.child.pid);
      up.child.kill('SIGINT');
      expect(await exitOf(up.child)).toBe(0);
      expect(processesOf(dataDir)).toEqual([]);
      expect(leftovers(dataDir)).toEqual([]);
    } finally {
      await stopped(up.child, dataDir);
    }
  }, 180_000);
});

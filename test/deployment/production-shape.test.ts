// zinc in production shape (its own command: npm run test:deployment). A real Temporal server
// (not the dev server) on PostgreSQL, its schemas laid out by Temporal's schema tool, mTLS on
// the frontend and between its services with certificates made here; zinc as separate OS
// processes (the core, the submission worker, two pipeline workers, the HTTP API) on PostgreSQL
// and an S3 server, every one connecting with a client certificate and encrypting payloads.
// A batch completes with exactly one report per delivery and none ERRORED while a pipeline
// worker is killed -9 and started again, the Temporal server is restarted, and then the S3
// server and zinc's PostgreSQL are each down for two minutes (the batch holds and waits, and
// says so through the API process and `zinc batch status`); a client without a certificate (or
// with one from another CA) is refused; another namespace sees nothing. zinc's database is a
// PostgreSQL server of its own (Temporal's stays up: its outages are Temporal's to ride out).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTemporalCli } from '../../src/temporal/cli-binary.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { startS3Server, type S3Server } from '../helpers/s3-server.js';
import {
  installTemporalServer,
  startTemporalCluster,
  type TemporalCluster,
} from '../helpers/temporal-cluster.js';
import { repoRoot, tempDir } from '../helpers/temporal.js';
import { makeCertificates, type TestCertificates } from '../helpers/tls-certs.js';
import { zincBin } from '../helpers/zinc-bin.js';
import { startZincWorker, type ZincWorkerProcess } from '../helpers/zinc-worker.js';

const NAMESPACE = 'zinc-prod';
const OTHER_NAMESPACE = 'zinc-other';
const STUDENTS = 1_000;
const BUCKET = 'zinc-prod';
const CONFIG = [
  '_settings:',
  '  lang: python/python3:3',
  '  lang_version_may_differ: true',
  '  use_template: FILENAMES',
  '  template: [main.py]',
  'stdioTest:',
  '  testCases:',
  '    - { id: 1, file: main.py, stdin: "2 2", expected: "4", score: 1 }',
  'score: { normalizedTo: 100 }',
].join('\n');
const RIGHT = 'a, b = map(int, input().split())\nprint(a + b)\n';
const WRONG = 'a, b = map(int, input().split())\nprint(a * b + 1)\n';
/** How long object storage, then zinc's database, is down while the batch grades. */
const OUTAGE_MS = 120_000;

let dir: string;
let postgres: TestPostgres;
/** zinc's own database server (`postgres` holds Temporal's). */
let zincPostgres: TestPostgres;
let s3: S3Server;
let certs: TestCertificates;
let cluster: TemporalCluster;
const processes: ZincWorkerProcess[] = [];

/** A TLS connection to the frontend with `pair` as the client certificate (none: no cert). */
async function connect(address: string, pair?: { cert: string; key: string }): Promise<Connection> {
  const { readFileSync } = await import('node:fs');
  return Connection.connect({
    address,
    connectTimeout: '5s',
    tls: {
      serverNameOverride: certs.serverName,
      serverRootCACertificate: readFileSync(certs.ca),
      ...(pair
        ? { clientCertPair: { crt: readFileSync(pair.cert), key: readFileSync(pair.key) } }
        : {}),
    },
  });
}

/** The Temporal CLI against the cluster, with the client certificate. */
function temporalCli(args: string[]) {
  const run = spawnSync(
    findTemporalCli(),
    [
      ...args,
      '--address',
      cluster.address,
      '--tls-ca-path',
      certs.ca,
      '--tls-cert-path',
      certs.client.cert,
      '--tls-key-path',
      certs.client.key,
      '--tls-server-name',
      certs.serverName,
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** How every zinc process is configured: by environment, as an operator's unit files would. */
function zincEnv(dataDir: string): Record<string, string> {
  return {
    ZINC_DATA_DIR: dataDir,
    TMPDIR: dataDir,
    ZINC_CONFIG: join(dir, 'zinc.yaml'),
    ZINC_TEMPORAL_HOST_PORT: cluster.address,
    ZINC_TEMPORAL_NAMESPACE: NAMESPACE,
    ZINC_TEMPORAL_TLS_CA: certs.ca,
    ZINC_TEMPORAL_TLS_CERT: certs.client.cert,
    ZINC_TEMPORAL_TLS_KEY: certs.client.key,
    ZINC_TEMPORAL_TLS_SERVER_NAME: certs.serverName,
    DATABASE_URL: zincPostgres.url,
    ZINC_STORAGE_KIND: 's3',
    ZINC_S3_ENDPOINT: s3.endpoint,
    ZINC_S3_BUCKET: BUCKET,
    ZINC_S3_ACCESS_KEY_ID: s3.accessKeyId,
    ZINC_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    ZINC_WORKER_SHUTDOWN_GRACE_SECS: '2',
  };
}

function processDir(name: string): string {
  const path = join(dir, name);
  mkdirSync(path, { recursive: true });
  chmodSync(path, 0o711);
  return path;
}

function zinc(args: string[]) {
  const run = spawnSync(process.execPath, [zincBin(), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 300_000,
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, ...zincEnv(processDir('cli')) },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

function ok(run: ReturnType<typeof zinc>, what: string): string {
  if (run.status !== 0) throw new Error(`${what} exited ${run.status}: ${run.stderr}`);
  return run.stdout;
}

/** `zinc api` as its own process (as the deployment guide runs it); resolves with its URL. */
async function startApiProcess(): Promise<{ url: string; process: ZincWorkerProcess }> {
  const child = spawn(process.execPath, [zincBin(), 'api', '--api-port', '0'], {
    cwd: repoRoot,
    env: { ...process.env, ...zincEnv(processDir('api')) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const append = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  const exited = new Promise<number | NodeJS.Signals>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 0)),
  );
  const alive = () => child.exitCode === null && child.signalCode === null;
  const handle: ZincWorkerProcess = {
    component: 'core',
    pid: child.pid!,
    ready: Promise.resolve(),
    exited,
    alive,
    output: () => output,
    async kill() {
      if (alive()) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (alive()) child.kill('SIGTERM');
      return exited;
    },
  };
  processes.push(handle);
  const deadline = Date.now() + 120_000;
  while (!output.includes('Press Ctrl-C')) {
    if (!alive() || Date.now() > deadline) throw new Error(`zinc api did not start:\n${output}`);
    await sleep(200);
  }
  const url = /API: +(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
  if (!url) throw new Error(`no API line in:\n${output}`);
  return { url, process: handle };
}

/** What happened when, printed with the test's output (never asserted). */
function timeline(title: string) {
  const start = Date.now();
  const lines: string[] = [];
  return {
    note(text: string): void {
      lines.push(`  ${((Date.now() - start) / 1000).toFixed(1)} s: ${text}`);
    },
    print(): void {
      console.info(`${title}\n${lines.join('\n')}`);
    },
  };
}

async function startWorker(component: 'core' | 'submission' | 'pipeline', name: string) {
  const worker = startZincWorker(component, zincEnv(processDir(name)));
  processes.push(worker);
  await worker.ready;
  return worker;
}

beforeAll(async () => {
  installTemporalServer();
  dir = tempDir('zinc-deployment-');
  chmodSync(dir, 0o711);
  certs = makeCertificates(join(dir));
  // Room for the Temporal server's pools and every zinc process's.
  [postgres, zincPostgres, s3] = await Promise.all([
    startPostgres({ maxConnections: 300 }),
    startPostgres({ maxConnections: 200 }),
    startS3Server(),
  ]);
  cluster = await startTemporalCluster({
    dir,
    postgres,
    certs,
    probe: async (address) => {
      const connection = await connect(address, certs.client);
      try {
        await connection.workflowService.getSystemInfo({});
      } finally {
        await connection.close();
      }
    },
  });
  for (const namespace of [NAMESPACE, OTHER_NAMESPACE]) {
    const made = temporalCli(['operator', 'namespace', 'create', '--namespace', namespace]);
    expect(made.status, made.stderr).toBe(0);
  }
  // Payloads encrypted, as the production example configures them.
  writeFileSync(
    join(dir, 'zinc.yaml'),
    [
      'temporal:',
      '  encryption:',
      '    keys:',
      `      - { id: prod-1, key: "${randomBytes(32).toString('base64')}" }`,
      'grading:',
      '  concurrency: 16',
      '',
    ].join('\n'),
  );
}, 1_200_000);

afterAll(async () => {
  await Promise.all(processes.map((p) => p.kill()));
  await cluster?.stop();
  await Promise.all([postgres?.stop(), zincPostgres?.stop(), s3?.stop()]);
});

describe('production shape', () => {
  it('refuses a client without a certificate, or with one from another CA', async () => {
    await expect(
      connect(cluster.address).then((c) => c.workflowService.getSystemInfo({})),
    ).rejects.toThrow();
    await expect(
      connect(cluster.address, certs.stranger).then((c) => c.workflowService.getSystemInfo({})),
    ).rejects.toThrow();
    const connection = await connect(cluster.address, certs.client);
    await connection.workflowService.getSystemInfo({});
    await connection.close();
  });

  it('grades every delivery exactly once through a killed pipeline worker and a Temporal restart', async () => {
    // The course, imported as a TA does.
    const input = join(dir, 'deliveries');
    for (let i = 0; i < STUDENTS; i++) {
      const student = `s${String(i).padStart(4, '0')}`;
      mkdirSync(join(input, student), { recursive: true });
      writeFileSync(join(input, student, 'main.py'), i % 10 === 0 ? WRONG : RIGHT);
    }
    const grading = join(dir, 'grading.yaml');
    writeFileSync(grading, CONFIG);
    const { collectionId } = JSON.parse(
      ok(
        zinc([
          'import',
          input,
          '--course',
          'PROD1',
          '--activity',
          'A1',
          '--collection',
          'main',
          '--json',
        ]),
        'zinc import',
      ),
    ) as { collectionId: string };
    ok(zinc(['user', 'add', 'ta', '--course', 'PROD1', '--role', 'staff']), 'zinc user add');
    ok(zinc(['config', 'add', grading, '--collection', collectionId]), 'zinc config add');

    // Each component in its own process; the core adds zinc's search attributes itself.
    await startWorker('core', 'core');
    await startWorker('submission', 'submission');
    const pipelineA = await startWorker('pipeline', 'pipeline-a');
    await startWorker('pipeline', 'pipeline-b');

    const started = JSON.parse(
      ok(zinc(['grade', collectionId, '--as', 'ta', '--no-wait', '--json']), 'zinc grade'),
    ) as { batchId: string };
    const batchId = started.batchId;
    const log = timeline('the 1,000-delivery batch:');
    const running = (): { status: string; done: number; total: number; errored: number } =>
      JSON.parse(ok(zinc(['batch', 'status', batchId, '--json']), 'zinc batch status')) as {
        status: string;
        done: number;
        total: number;
        errored: number;
      };

    // Faults while it grades: a pipeline worker killed -9 and started again, then the
    // Temporal server stopped and started again.
    // The faults hit a batch in progress.
    const whileGrading = async () => {
      for (;;) {
        const now = running();
        if (now.done > 0 || now.status !== 'running') return now;
        await sleep(1_000);
      }
    };
    const beforeKill = await whileGrading();
    expect(beforeKill.status).toBe('running');
    expect(beforeKill.done).toBeLessThan(STUDENTS / 2);
    await pipelineA.kill();
    await startWorker('pipeline', 'pipeline-a2');
    await sleep(3_000);
    const beforeRestart = running();
    expect(beforeRestart.status).toBe('running');
    expect(beforeRestart.done).toBeLessThan(STUDENTS);
    await cluster.stop();
    await sleep(5_000);
    await cluster.start();

    // The API in its own process, asked as a TA's tools ask it.
    const token = ok(zinc(['token', 'create', '--user', 'ta']), 'zinc token create')
      .trim()
      .split(/\s+/)
      .pop()!;
    const api = await startApiProcess();
    const batchView = async () => {
      const answer = await fetch(`${api.url}/api/batches/${batchId}`, {
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(60_000),
      });
      return { status: answer.status, body: (await answer.json()) as Record<string, unknown> };
    };
    const waitingFor = async (service: string, ask: () => Promise<unknown>) => {
      const deadline = Date.now() + OUTAGE_MS;
      for (;;) {
        const seen = await ask().catch((err: unknown) => err);
        if (JSON.stringify(seen ?? null).includes(`"service":"${service}"`)) return seen;
        if (Date.now() > deadline) {
          throw new Error(`no wait for ${service} shown: ${JSON.stringify(seen)}`);
        }
        await sleep(2_000);
      }
    };
    const statusText = () => ok(zinc(['batch', 'status', batchId]), 'zinc batch status');
    const outage = async (
      service: string,
      server: { halt(): Promise<void>; start(): Promise<void> },
    ) => {
      const before = running();
      expect(before.status).toBe('running');
      expect(before.done).toBeLessThan(STUDENTS);
      const stopped = Date.now();
      await server.halt();
      log.note(`${service} down (${before.done}/${STUDENTS} done)`);
      // Within the retry budget (~30 s) the deliveries in flight are held, not ERRORED.
      const seen = await waitingFor(service, async () =>
        service === 'object storage'
          ? (await batchView()).body.waiting
          : (
              JSON.parse(ok(zinc(['batch', 'status', batchId, '--json']), 'zinc batch status')) as {
                waiting?: unknown;
              }
            ).waiting,
      );
      expect(seen).toMatchObject({ service });
      log.note(`the batch waits for ${service}: ${JSON.stringify(seen)}`);
      expect(statusText()).toMatch(
        new RegExp(
          `waiting for ${service} since \\d\\d:\\d\\d:\\d\\d UTC \\(\\d+ deliver(y|ies) held\\)`,
        ),
      );
      const during = running();
      expect(during).toMatchObject({ status: 'running', errored: 0 });
      await sleep(Math.max(0, OUTAGE_MS - (Date.now() - stopped)));
      expect(running()).toMatchObject({ done: during.done, errored: 0 });
      await server.start();
      log.note(`${service} back`);
      // Back: the held deliveries are graded again and the batch goes on.
      for (;;) {
        const now = running() as { waiting?: unknown; done: number };
        if (!now.waiting && now.done > during.done) break;
        await sleep(2_000);
      }
    };
    log.note(`faults survived (${JSON.stringify(running())})`);
    await outage('object storage', s3);
    await outage('database', zincPostgres);

    const deadline = Date.now() + 900_000;
    for (;;) {
      const now = zinc(['batch', 'status', batchId, '--json']);
      if (now.status === 0 && /"status": "completed"/.test(now.stdout)) {
        log.note('batch completed');
        break;
      }
      if (Date.now() > deadline)
        throw new Error(`batch not completed in 15 min: ${now.stdout}${now.stderr}`);
      await sleep(5_000);
    }

    const results = JSON.parse(
      ok(zinc(['batch', 'results', batchId, '--format', 'json']), 'zinc batch results'),
    ) as { rows: Array<{ student: string; verdict: string }> };
    expect(results.rows).toHaveLength(STUDENTS);
    const verdicts = new Map<string, number>();
    for (const row of results.rows) verdicts.set(row.verdict, (verdicts.get(row.verdict) ?? 0) + 1);
    expect(Object.fromEntries(verdicts)).toEqual({
      PASSED: STUDENTS - STUDENTS / 10,
      WRONG_OUTPUT: STUDENTS / 10,
    });

    // Exactly one report per delivery, in the shared database.
    const db = new pg.Client({ connectionString: zincPostgres.url });
    await db.connect();
    try {
      const { rows } = await db.query<{ n: string; deliveries: string }>(
        `SELECT count(*) AS n, count(DISTINCT delivery_id) AS deliveries
           FROM reports WHERE batch_id = $1 AND pipeline_error IS NULL`,
        [batchId],
      );
      expect(rows[0]).toEqual({ n: String(STUDENTS), deliveries: String(STUDENTS) });
    } finally {
      await db.end();
    }

    // Every zinc process but the one killed on purpose rode out the faults and outages.
    for (const p of processes.filter((q) => q !== pipelineA)) {
      expect(p.alive(), `a zinc ${p.component} process (pid ${p.pid}) ended:\n${p.output()}`).toBe(
        true,
      );
    }
    expect(api.process.alive()).toBe(true);
    log.print();

    // The batch is this namespace's alone.
    const here = temporalCli(['workflow', 'count', '--namespace', NAMESPACE]);
    expect(here.stdout).toMatch(/Total: [1-9]/);
    const elsewhere = temporalCli(['workflow', 'count', '--namespace', OTHER_NAMESPACE]);
    expect(elsewhere.status, elsewhere.stderr).toBe(0);
    expect(elsewhere.stdout).toMatch(/Total: 0/);
  });
});

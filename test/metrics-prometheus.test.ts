// zinc's metrics as an operator sees them: a real Prometheus (Debian's) scrapes a running
// `zinc up` every second while a batch grades a small course through the API, and the figures
// are read back through Prometheus's HTTP API:
// - `zinc up` prints its one metrics endpoint; Prometheus scrapes it (the target is up);
// - zinc_deliveries_graded_total by verdict matches the batch's results, under the course code,
//   and nothing is ERRORED;
// - the Temporal SDK's own metrics are in the same endpoint: pipeline workers poll
//   zinc-pipeline-default, and its activities' schedule-to-start latency was recorded;
// - stage durations by kind, the batch's duration, no batch left running;
// - the API request that started the batch is counted under its route pattern;
// - the shipped alert rules load and evaluate against these metrics without error;
// - a second process asked for the same metrics address refuses to start, naming it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitOf, repoRoot, tempDir } from './helpers/temporal.js';
import { ADD_CONFIG } from './helpers/sum-course.js';
import { zincBin } from './helpers/zinc-bin.js';

const COURSE = 'COMP2012';
const PROGRAMS: Record<string, string> = {
  s1: '#include <iostream>\nint main(){long a,b;std::cin>>a>>b;std::cout<<a+b<<"\\n";}\n',
  s2: '#include <iostream>\nint main(){long a,b;std::cin>>a>>b;std::cout<<a+b<<"\\n";}\n',
  s3: '#include <iostream>\nint main(){long a,b;std::cin>>a>>b;std::cout<<a*b<<"\\n";}\n',
  s4: 'int main( { return 0; }\n',
};

function zinc(dataDir: string, args: string[]) {
  const run = spawnSync(process.execPath, [zincBin(), '--data-dir', dataDir, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Polls `check` every half second until it returns a value, or fails with `what` at the end. */
async function eventually<T>(
  what: string | (() => string),
  check: () => Promise<T | undefined>,
  ms = 120_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const said = typeof what === 'string' ? what : what();
      throw new Error(`${said} never happened (${String(last)})`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

let prometheusUrl = '';

/** An instant query through Prometheus's HTTP API. */
async function query(promql: string): Promise<Sample[]> {
  const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await response.json()) as { status: string; data: { result: Sample[] } };
  if (body.status !== 'success') throw new Error(`query ${promql}: ${JSON.stringify(body)}`);
  return body.data.result;
}

/** The single value of `promql`, once it has one. */
async function valueOf(promql: string): Promise<number | undefined> {
  const result = await query(promql);
  return result.length === 1 ? Number(result[0]!.value[1]) : undefined;
}

let dataDir = '';
let collectionId = '';
let token = '';
let up: { child: ChildProcess; output: () => string } | undefined;
let prometheus: ChildProcess | undefined;
let metricsUrl = '';
let apiUrl = '';

beforeAll(async () => {
  dataDir = tempDir('zinc-metrics-');
  const input = tempDir('zinc-metrics-in-');
  for (const [student, program] of Object.entries(PROGRAMS)) {
    mkdirSync(join(input, student));
    writeFileSync(join(input, student, 'main.cpp'), program);
  }
  const imported = zinc(dataDir, [
    'import',
    input,
    '--course',
    COURSE,
    '--activity',
    'Lab 1',
    '--collection',
    'main',
    '--json',
  ]);
  expect(imported.status, imported.stderr).toBe(0);
  collectionId = (JSON.parse(imported.stdout) as { collectionId: string }).collectionId;
  expect(zinc(dataDir, ['user', 'add', 'ta', '--course', COURSE, '--role', 'staff']).status).toBe(
    0,
  );
  const configFile = join(tempDir('zinc-metrics-config-'), 'config.yaml');
  writeFileSync(configFile, ADD_CONFIG);
  const added = zinc(dataDir, ['config', 'add', configFile, '--collection', collectionId]);
  expect(added.status, added.stderr).toBe(0);
  token = zinc(dataDir, ['token', 'create', '--user', 'ta']).stdout.trim().split(/\s+/).pop()!;

  // zinc up, its metrics on a free port (vitest sets ZINC_METRICS_ADDRESS=127.0.0.1:0).
  const child = spawn(
    process.execPath,
    [zincBin(), '--data-dir', dataDir, 'up', '--api-port', '0'],
    {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  up = { child, output: () => out };
  await eventually(
    () => `zinc up serving (${out}${err})`,
    () => Promise.resolve(out.includes('Press Ctrl-C') ? true : undefined),
  );
  metricsUrl = /metrics: +(http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(out)![1]!;
  apiUrl = /API: +(http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]!;

  // Prometheus scraping it every second, with zinc's alert rules.
  const promDir = tempDir('zinc-prometheus-');
  const promPort = await freePort();
  writeFileSync(
    join(promDir, 'prometheus.yml'),
    [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      `rule_files: ['${join(repoRoot, 'ops/prometheus/alerts.yml')}']`,
      'scrape_configs:',
      '  - job_name: zinc',
      `    static_configs: [{ targets: ['${new URL(metricsUrl).host}'] }]`,
      '',
    ].join('\n'),
  );
  prometheus = spawn(
    '/usr/bin/prometheus',
    [
      `--config.file=${join(promDir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(promDir, 'data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
    ],
    { stdio: 'ignore' },
  );
  prometheusUrl = `http://127.0.0.1:${promPort}`;
  await eventually('Prometheus ready', async () =>
    (await fetch(`${prometheusUrl}/-/ready`)).ok ? true : undefined,
  );
}, 300_000);

afterAll(async () => {
  prometheus?.kill('SIGTERM');
  if (prometheus) await exitOf(prometheus);
  up?.child.kill('SIGTERM');
  if (up) await exitOf(up.child);
}, 120_000);

describe('metrics scraped by a real Prometheus during a batch', () => {
  it('zinc up prints one metrics endpoint, which Prometheus scrapes', async () => {
    expect(up!.output().match(/metrics: /g)).toHaveLength(1);
    expect(await eventually('target up', () => valueOf('up{job="zinc"} == 1'))).toBe(1);
  });

  it('counts the graded deliveries by verdict and course, the SDK metrics, stages and the API', async () => {
    const started = await fetch(`${apiUrl}/api/batches`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ collectionId }),
    });
    expect(started.status).toBe(202);
    const { batchId } = (await started.json()) as { batchId: string };
    const auth = { headers: { authorization: `Bearer ${token}` } };
    await eventually(
      'the batch completed',
      async () => {
        const view = (await (await fetch(`${apiUrl}/api/batches/${batchId}`, auth)).json()) as {
          status: string;
        };
        return view.status === 'completed' ? true : undefined;
      },
      300_000,
    );
    const { rows } = (await (
      await fetch(`${apiUrl}/api/batches/${batchId}/results`, auth)
    ).json()) as {
      rows: Array<{ verdict: string }>;
    };
    const expected: Record<string, number> = {};
    for (const row of rows) expected[row.verdict] = (expected[row.verdict] ?? 0) + 1;
    expect(expected).toEqual({ PASSED: 2, WRONG_OUTPUT: 1, COMPILE_ERROR: 1 });

    // Graded deliveries by verdict, under the course code, as the batch's results say.
    const graded = await eventually('all four deliveries counted', async () => {
      const result = await query(
        `sum by (verdict) (zinc_deliveries_graded_total{course="${COURSE}"})`,
      );
      const byVerdict = Object.fromEntries(
        result.map((s) => [s.metric.verdict!, Number(s.value[1])]),
      );
      const total = Object.values(byVerdict).reduce((a, b) => a + b, 0);
      return total >= 4 ? byVerdict : undefined;
    });
    expect(graded).toEqual(expected);
    expect(await query('zinc_deliveries_errored_total')).toEqual([]);

    // The Temporal SDK's metrics, in the same endpoint: pipeline pollers, activity tasks.
    expect(
      await eventually('pipeline pollers', () =>
        valueOf(
          'sum(temporal_num_pollers{poller_type="activity_task",task_queue="zinc-pipeline-default"}) > 0',
        ),
      ),
    ).toBeGreaterThan(0);
    expect(
      await eventually('pipeline schedule-to-start observed', () =>
        valueOf(
          'sum(temporal_activity_schedule_to_start_latency_count{task_queue="zinc-pipeline-default"}) >= 4',
        ),
      ),
    ).toBeGreaterThanOrEqual(4);

    // Every delivery compiled once; the batch ended completed and none runs now.
    expect(await valueOf('sum(zinc_pipeline_stage_duration_seconds_count{kind="compile"})')).toBe(
      4,
    );
    expect(await valueOf('sum(zinc_pipeline_duration_seconds_count)')).toBe(4);
    expect(
      await eventually('the batch duration', () =>
        valueOf('zinc_batch_duration_seconds_count{status="completed"}'),
      ),
    ).toBe(1);
    expect(await eventually('no batch running', () => valueOf('zinc_batches_running == 0'))).toBe(
      0,
    );

    // The API request that started the batch, under its route pattern, not its URL.
    expect(
      await eventually('the batch start request', () =>
        valueOf(
          'sum(zinc_api_request_duration_seconds_count{method="POST",route="/api/batches",status="202"})',
        ),
      ),
    ).toBe(1);
    expect(
      await eventually('the batch view requests', () =>
        valueOf(
          'sum(zinc_api_request_duration_seconds_count{method="GET",route="/api/batches/:id"}) > 0',
        ),
      ),
    ).toBeGreaterThan(0);
    expect(await query(`{route=~".*${batchId}.*"}`)).toEqual([]);
  }, 420_000);

  it("loads zinc's alert rules, which evaluate against these metrics", async () => {
    const body = (await (await fetch(`${prometheusUrl}/api/v1/rules`)).json()) as {
      data: { groups: Array<{ rules: Array<{ name: string; health: string }> }> };
    };
    const rules = body.data.groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.name)).toContain('ZincPipelineWorkerNotPolling');
    expect(rules.filter((r) => r.health !== 'ok')).toEqual([]);
    // The pipeline worker polls, so its alert is quiet once Prometheus has seen it.
    await eventually('ZincPipelineWorkerNotPolling inactive', async () => {
      const alerts = (await (await fetch(`${prometheusUrl}/api/v1/alerts`)).json()) as {
        data: { alerts: Array<{ labels: { alertname: string } }> };
      };
      return alerts.data.alerts.some((a) => a.labels.alertname === 'ZincPipelineWorkerNotPolling')
        ? undefined
        : true;
    });
  });

  it('a second process on the same metrics address refuses to start, naming it', () => {
    const address = new URL(metricsUrl).host;
    const run = spawnSync(
      process.execPath,
      [zincBin(), '--data-dir', tempDir('zinc-metrics-taken-'), 'worker', 'pipeline'],
      {
        cwd: repoRoot,
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, ZINC_METRICS_ADDRESS: address },
      },
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      `zinc: the metrics endpoint cannot listen on ${address}: the port is in use; choose another with telemetry.metrics.address or ZINC_METRICS_ADDRESS (port 0: a free one), or serve none with telemetry.metrics.enabled: false\n`,
    );
  });
});

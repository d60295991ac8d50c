// Test helper: a real Jaeger (v2 all-in-one, in-memory storage) on free loopback ports, fed over
// OTLP/HTTP and read back through its query API. Jaeger is built into .tools/bin by
// scripts/install-jaeger.sh; when it is missing, that script runs.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../src/temporal/dev-server.js';
import { repoRoot, tempDir } from './temporal.js';

const INSTALL_SCRIPT = join(repoRoot, 'scripts', 'install-jaeger.sh');
const BINARY = join(repoRoot, '.tools', 'bin', 'jaeger');
const START_TIMEOUT_MS = 30_000;

/** A span as Jaeger's query API (/api/traces) returns it, tags flattened. */
export interface JaegerSpan {
  spanID: string;
  operationName: string;
  /** The span's parent in the same trace, if any (CHILD_OF reference). */
  parentSpanID: string | undefined;
  tags: Record<string, unknown>;
}

export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
}

export interface Jaeger {
  /** Its process (the benchmark counts its CPU time as telemetry's). */
  pid: number;
  /** Where zinc sends its spans: http://127.0.0.1:<port>/v1/traces */
  otlpEndpoint: string;
  /** The query UI/API: http://127.0.0.1:<port> */
  queryUrl: string;
  /** The traces of `service` Jaeger holds, newest first. */
  traces(service: string): Promise<JaegerTrace[]>;
  /** Stops Jaeger (SIGTERM, SIGKILL after 5 s) and waits for it. */
  stop(): Promise<void>;
}

/** The collector configuration: OTLP/HTTP in, memory storage, the query API; nothing else listens. */
function configYaml(otlpPort: number, httpPort: number, grpcPort: number): string {
  return `service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: warn
extensions:
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 10000
  jaeger_query:
    storage:
      traces: memstore
    http:
      endpoint: 127.0.0.1:${httpPort}
    grpc:
      endpoint: 127.0.0.1:${grpcPort}
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${otlpPort}
processors:
  batch:
    timeout: 200ms
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`;
}

interface RawTrace {
  traceID: string;
  spans: Array<{
    spanID: string;
    operationName: string;
    references?: Array<{ refType: string; spanID: string }>;
    tags: Array<{ key: string; value: unknown }>;
  }>;
}

/** Starts Jaeger on free loopback ports; resolves once its query API answers. */
export async function startJaeger(): Promise<Jaeger> {
  // The script returns at once when the pinned version is already built.
  execFileSync('bash', [INSTALL_SCRIPT], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (!existsSync(BINARY)) throw new Error(`${INSTALL_SCRIPT} ran but ${BINARY} is missing`);
  const dir = tempDir('zinc-jaeger-');
  const [otlpPort, httpPort, grpcPort] = [await freePort(), await freePort(), await freePort()];
  const configFile = join(dir, 'jaeger.yaml');
  writeFileSync(configFile, configYaml(otlpPort, httpPort, grpcPort));
  const logFile = join(dir, 'jaeger.log');
  const log = openSync(logFile, 'a');
  const child = spawn(BINARY, ['--config', configFile], { stdio: ['ignore', log, log] });
  closeSync(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const queryUrl = `http://127.0.0.1:${httpPort}`;
  const logTail = () => readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-20).join('\n');

  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`jaeger exited before it was ready; its log:\n${logTail()}`);
    }
    try {
      if ((await fetch(`${queryUrl}/api/services`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`jaeger was not ready in ${START_TIMEOUT_MS} ms; its log:\n${logTail()}`);
    }
    await sleep(200);
  }

  return {
    pid: child.pid!,
    otlpEndpoint: `http://127.0.0.1:${otlpPort}/v1/traces`,
    queryUrl,
    async traces(service) {
      const res = await fetch(
        `${queryUrl}/api/traces?service=${encodeURIComponent(service)}&limit=1000&lookback=1h`,
      );
      if (!res.ok) throw new Error(`jaeger /api/traces: ${res.status} ${await res.text()}`);
      const body = (await res.json()) as { data: RawTrace[] | null };
      return (body.data ?? []).map((trace) => ({
        traceID: trace.traceID,
        spans: trace.spans.map((span) => ({
          spanID: span.spanID,
          operationName: span.operationName,
          parentSpanID: span.references?.find((ref) => ref.refType === 'CHILD_OF')?.spanID,
          tags: Object.fromEntries(span.tags.map((tag) => [tag.key, tag.value])),
        })),
      }));
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

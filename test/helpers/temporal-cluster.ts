// Test helper: a real Temporal server (not the dev server) on PostgreSQL with mTLS on its
// frontend and between its services, as a university would run one. The server and its schema
// tool are built by scripts/install-temporal-server.sh (npm run tools:server) into .tools/bin.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import type { TestPostgres } from './postgres.js';
import { repoRoot } from './temporal.js';
import type { TestCertificates } from './tls-certs.js';

const BIN = join(repoRoot, '.tools', 'bin');
export const TEMPORAL_SERVER = join(BIN, 'temporal-server');
const SQL_TOOL = join(BIN, 'temporal-sql-tool');

/** Builds the server and schema tool once (minutes the first time); a no-op afterwards. */
export function installTemporalServer(): void {
  execFileSync('bash', [join(repoRoot, 'scripts', 'install-temporal-server.sh')], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

export interface TemporalCluster {
  /** host:port of the frontend (TLS, client certificates required). */
  address: string;
  /** Stops the server (SIGTERM; SIGKILL after 20 s). */
  stop(): Promise<void>;
  /** Starts it again on the same databases and ports; resolves once it answers. */
  start(): Promise<void>;
  /** The last lines of its log. */
  log(): string;
}

function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * A free loopback port below 32768: Temporal's cluster-membership table keeps ports as a
 * PostgreSQL smallint, so the kernel's ephemeral ports (above 32768) do not fit.
 */
async function freeLowPort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

/** Creates Temporal's two databases in `postgres` and lays out their schemas with the tool. */
function setUpSchemas(postgres: TestPostgres): void {
  const common = [
    '--plugin',
    'postgres12',
    '--ep',
    postgres.host,
    '-p',
    String(postgres.port),
    '-u',
    postgres.user,
    '--pw',
    postgres.password,
  ];
  for (const [db, schema] of [
    ['temporal', 'postgresql/v12/temporal'],
    ['temporal_visibility', 'postgresql/v12/visibility'],
  ] as const) {
    const run = (args: string[]) =>
      execFileSync(SQL_TOOL, [...common, '--db', db, ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    run(['create-database']);
    run(['setup-schema', '-v', '0.0']);
    run(['update-schema', '--schema-name', schema]);
  }
}

/** Lays out the schemas, writes the server's config and starts it; resolves once it answers. */
export async function startTemporalCluster(options: {
  dir: string;
  postgres: TestPostgres;
  certs: TestCertificates;
  /** Checks that the frontend answers (with a client certificate); throws until it does. */
  probe: (address: string) => Promise<void>;
}): Promise<TemporalCluster> {
  const { dir, postgres, certs } = options;
  setUpSchemas(postgres);
  const ports = {
    frontend: await freeLowPort(),
    frontendMembership: await freeLowPort(),
    history: await freeLowPort(),
    historyMembership: await freeLowPort(),
    matching: await freeLowPort(),
    matchingMembership: await freeLowPort(),
    worker: await freeLowPort(),
    workerMembership: await freeLowPort(),
  };
  const address = `127.0.0.1:${ports.frontend}`;
  const sql = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${postgres.host}:${postgres.port}`,
      connectProtocol: 'tcp',
      user: postgres.user,
      password: postgres.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const serverTls = {
    certFile: certs.server.cert,
    keyFile: certs.server.key,
    requireClientAuth: true,
    clientCaFiles: [certs.ca],
  };
  const clientTls = { serverName: certs.serverName, rootCaFiles: [certs.ca] };
  const rpc = (grpcPort: number, membershipPort: number) => ({
    rpc: { grpcPort, membershipPort, bindOnLocalHost: true },
  });
  const dynamicConfig = join(dir, 'dynamicconfig.yaml');
  writeFileSync(
    dynamicConfig,
    stringify({ 'system.forceSearchAttributesCacheRefreshOnRead': [{ value: true }] }),
  );
  const config = {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'default',
      visibilityStore: 'visibility',
      numHistoryShards: 4,
      datastores: { default: sql('temporal', 10), visibility: sql('temporal_visibility', 5) },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
      tls: {
        internode: { server: serverTls, client: clientTls },
        frontend: { server: serverTls, client: clientTls },
        systemWorker: { certFile: certs.client.cert, keyFile: certs.client.key, client: clientTls },
      },
    },
    services: {
      frontend: rpc(ports.frontend, ports.frontendMembership),
      history: rpc(ports.history, ports.historyMembership),
      matching: rpc(ports.matching, ports.matchingMembership),
      worker: rpc(ports.worker, ports.workerMembership),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: {
          enabled: true,
          initialFailoverVersion: 1,
          rpcName: 'frontend',
          rpcAddress: address,
        },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: dynamicConfig, pollInterval: '10s' },
  };
  // v1.29 reads <root>/<config dir>/<env>.yaml.
  mkdirSync(join(dir, 'temporal-config'), { recursive: true });
  writeFileSync(join(dir, 'temporal-config', 'production.yaml'), stringify(config));
  const logFile = join(dir, 'temporal-server.log');

  let child: ChildProcess | undefined;
  const exited = () => !child || child.exitCode !== null || child.signalCode !== null;
  const killOnExit = () => child?.kill('SIGKILL');
  process.on('exit', killOnExit);

  const start = async (): Promise<void> => {
    const fd = openSync(logFile, 'a');
    try {
      child = spawn(
        TEMPORAL_SERVER,
        [
          '--root',
          dir,
          '--config',
          'temporal-config',
          '--env',
          'production',
          '--allow-no-auth',
          'start',
        ],
        {
          stdio: ['ignore', fd, fd],
        },
      );
    } finally {
      closeSync(fd);
    }
    const deadline = Date.now() + 120_000;
    let last: unknown;
    for (;;) {
      if (exited()) throw new Error(`the Temporal server exited at start:\n${tail(logFile)}`);
      try {
        await options.probe(address);
        return;
      } catch (err) {
        last = err;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `the Temporal server did not answer within 120 s (${(last as Error).message}):\n${tail(logFile)}`,
        );
      }
      await sleep(500);
    }
  };
  const stop = async (): Promise<void> => {
    if (exited()) return;
    const gone = new Promise<void>((resolve) => child!.once('exit', () => resolve()));
    child!.kill('SIGTERM');
    await Promise.race([gone, sleep(20_000)]);
    if (!exited()) {
      child!.kill('SIGKILL');
      await gone;
    }
  };
  await start();
  return {
    address,
    start,
    async stop() {
      await stop();
    },
    log: () => (existsSync(logFile) ? tail(logFile) : '(no log)'),
  };
}

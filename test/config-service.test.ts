// The extension configuration service, called over real gRPC (HTTP/2) with the worker tokens of
// a real database:
// - every section a worker can be handed survives flattening to string properties and back,
//   validated by its own schema (booleans and numbers included);
// - a pipeline worker token reads temporal, worker, database and storage, as served: the
//   Temporal address the core really uses;
// - asking for `api` or another extension's section is PERMISSION_DENIED naming the section and
//   the component; an unknown section is NOT_FOUND;
// - no token, a user's API token, an unknown, a revoked or an expired worker token:
//   UNAUTHENTICATED; and the HTTP API's token check refuses worker tokens;
// - a plain gRPC client (@grpc/grpc-js with the generated message codecs) gets the same answers;
// - fetchWorkerConfig builds a worker's configuration from exactly its sections, and refuses a
//   core whose database only it can open;
// - over TLS (config_service.tls), a worker that trusts the core's CA fetches its sections and
//   one that does not is refused the connection.
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { Code, ConnectError, createClient, type Client } from '@connectrpc/connect';
import { createGrpcTransport, Http2SessionManager } from '@connectrpc/connect-node';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenStore } from '../src/core/auth-tokens.js';
import { COMPONENT_SECTIONS, WORKER_COMPONENTS } from '../src/core/config-service/access.js';
import { fetchWorkerConfig } from '../src/core/config-service/client.js';
import { flattenSection, unflattenSection } from '../src/core/config-service/flatten.js';
import { SERVED_SECTIONS, type SectionName } from '../src/core/config-service/sections.js';
import {
  startConfigurationService,
  type ConfigurationCall,
  type RunningConfigurationService,
} from '../src/core/config-service/server.js';
import { migrateCoreSchema } from '../src/core/schema.js';
import { createWorkerTokenStore } from '../src/core/worker-tokens.js';
import {
  ConfigurationSchema,
  ConfigurationService,
  GetConfigurationRequestSchema,
  type Configuration,
} from '../src/gen/zinc/config/v1/config_pb.js';
import { COMPONENTS } from '../src/main/components.js';
import { effectiveConfig } from '../src/cli/config-service-process.js';
import { zincConfigSchema, type ZincConfig } from '../src/config/index.js';
import type { Database } from '../src/platform/database.js';
import { startEngine, type TestEngine } from './helpers/databases.js';
import { tempDir } from './helpers/temporal.js';

/** A configuration with every served field set away from its default, secrets included. */
const FULL: ZincConfig = zincConfigSchema.parse({
  data_dir: '/var/lib/zinc-test',
  temporal: {
    host_port: 'temporal.example.com:7233',
    namespace: 'zinc-prod',
    task_queue_prefix: 'zx',
    tls: {
      ca: '/etc/zinc/ca.pem',
      cert: '/etc/zinc/c.pem',
      key: '/etc/zinc/k.pem',
      server_name: 't',
    },
    api_key: 'temporal-secret',
    connect_attempts: 3,
    dev_server: { port: 7000, ui_port: 7001, ui: false, log_level: 'error', start_timeout_secs: 5 },
  },
  worker: {
    max_concurrent_activities: 7,
    max_concurrent_workflow_tasks: 3,
    max_activities_per_second: 2.5,
    max_task_queue_activities_per_second: 10,
    shutdown_grace_secs: 0,
  },
  database: { url: 'postgres://zinc:db-secret@db.example.com:5432/zinc' },
  storage: {
    kind: 's3',
    s3: {
      endpoint: 'http://minio:9000',
      region: 'eu-west-1',
      bucket: 'zinc-objects',
      access_key_id: 'AKIA',
      secret_access_key: 's3-secret',
      force_path_style: false,
      key_prefix: 'zinc/',
    },
  },
  submission: {
    limits: { max_files: 5, max_total_mb: 1.5, max_file_mb: 0.5, max_expansion_ratio: 9 },
  },
  pipeline: { sandbox: { launcher: '/opt/zinc/launcher', containment: 'rlimits', uid: 3000000 } },
  grading: { concurrency: 3, page_size: 10, heartbeat_timeout_secs: 6 },
  api: { port: 9999, host: '0.0.0.0' },
});

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

let engine: TestEngine;
let db: Database;
let service: RunningConfigurationService;
let sessions: Http2SessionManager;
let client: Client<typeof ConfigurationService>;
const calls: ConfigurationCall[] = [];
const tokens = { pipeline: '', submission: '', revoked: '', expired: '', user: '' };
let clock = new Date();

beforeAll(async () => {
  engine = await startEngine('pglite');
  db = await engine.open();
  await migrateCoreSchema(db);
  const workers = createWorkerTokenStore(db, () => clock);
  tokens.pipeline = (await workers.create({ component: 'pipeline' })).token;
  tokens.submission = (await workers.create({ component: 'submission' })).token;
  const revoked = await workers.create({ component: 'pipeline' });
  await workers.revoke(revoked.id);
  tokens.revoked = revoked.token;
  tokens.expired = (
    await workers.create({ component: 'pipeline', expiresAt: new Date(Date.now() + 60_000) })
  ).token;
  tokens.user = (await createTokenStore(db).create({ userId: 'ta' })).token;
  clock = new Date(Date.now() + 120_000); // the expiring token is now past its time
  service = await startConfigurationService({
    config: effectiveConfig(FULL, '127.0.0.1:17233'),
    tokens: workers,
    listen: { host: '127.0.0.1', port: 0 },
    onCall: (call) => calls.push(call),
  });
  const baseUrl = `http://${service.address}`;
  sessions = new Http2SessionManager(baseUrl);
  client = createClient(
    ConfigurationService,
    createGrpcTransport({ baseUrl, sessionManager: sessions }),
  );
});

afterAll(async () => {
  sessions?.abort();
  await service?.close();
  await engine?.stop();
});

/** The gRPC status a call ends with ('ok' when it succeeds) and the message. */
async function outcome(name: string, token?: string): Promise<{ code: string; message: string }> {
  try {
    await client.getConfiguration({ name }, token === undefined ? {} : bearer(token));
    return { code: 'ok', message: '' };
  } catch (err) {
    const error = ConnectError.from(err);
    return { code: Code[error.code], message: error.rawMessage };
  }
}

describe('flattening', () => {
  it('round-trips every served section through string properties and its own schema', () => {
    const served = effectiveConfig(FULL, FULL.temporal.host_port!);
    for (const [name, section] of Object.entries(SERVED_SECTIONS)) {
      const tree = section.read(served);
      const properties = flattenSection(tree);
      for (const value of Object.values(properties)) expect(typeof value).toBe('string');
      const back = section.schema.parse(unflattenSection(properties, section.schema));
      expect(back, name).toEqual(tree);
    }
    expect(flattenSection(FULL.storage)).toMatchObject({
      kind: 's3',
      's3.endpoint': 'http://minio:9000',
      's3.secret_access_key': 's3-secret',
      's3.force_path_style': 'false',
    });
    expect(flattenSection(FULL.temporal)).toMatchObject({ 'tls.ca': '/etc/zinc/ca.pem' });
  });

  it('round-trips the defaults too (absent fields stay absent)', () => {
    const defaults = zincConfigSchema.parse({});
    for (const [name, section] of Object.entries(SERVED_SECTIONS)) {
      const tree = section.read(defaults);
      const back = section.schema.parse(unflattenSection(flattenSection(tree), section.schema));
      expect(back, name).toEqual(tree);
    }
    expect(flattenSection(defaults.database)).toEqual({});
  });

  it('the access table covers exactly the components zinc runs, never the API section', () => {
    expect([...WORKER_COMPONENTS].sort()).toEqual([...COMPONENTS].sort());
    for (const component of WORKER_COMPONENTS) {
      expect(COMPONENT_SECTIONS[component]).not.toContain('api' as SectionName);
    }
  });
});

describe('GetConfiguration over gRPC', () => {
  it('hands a pipeline worker its sections, as the core really runs them', async () => {
    const temporal = await client.getConfiguration({ name: 'temporal' }, bearer(tokens.pipeline));
    expect(temporal.name).toBe('temporal');
    expect(temporal.properties).toMatchObject({
      host_port: '127.0.0.1:17233', // the running server, not the file's
      namespace: 'zinc-prod',
      task_queue_prefix: 'zx',
      api_key: 'temporal-secret',
    });
    for (const name of ['worker', 'database', 'storage', 'pipeline', 'data_dir']) {
      expect((await outcome(name, tokens.pipeline)).code, name).toBe('ok');
    }
    const storage = await client.getConfiguration({ name: 'storage' }, bearer(tokens.pipeline));
    expect(storage.properties['s3.bucket']).toBe('zinc-objects');
    const seen = calls.filter((c) => c.component === 'pipeline' && c.outcome === 'ok');
    expect(seen.length).toBeGreaterThanOrEqual(5);
    expect(JSON.stringify(calls)).not.toContain('secret'); // the log hears no values or tokens
    expect(JSON.stringify(calls)).not.toContain(tokens.pipeline);
  });

  it('refuses sections the component may not read, naming the section and the component', async () => {
    const api = await outcome('api', tokens.pipeline);
    expect(api.code).toBe('PermissionDenied');
    expect(api.message).toMatch(/section "api"/);
    expect(api.message).toMatch(/component pipeline/);
    const other = await outcome('submission', tokens.pipeline);
    expect(other).toEqual({
      code: 'PermissionDenied',
      message:
        'component pipeline may not read section "submission"; it may read temporal, worker, database, storage, pipeline, data_dir',
    });
    expect((await outcome('grading', tokens.pipeline)).code).toBe('PermissionDenied');
    expect((await outcome('config_service', tokens.submission)).code).toBe('PermissionDenied');
    expect((await outcome('cli', tokens.submission)).code).toBe('PermissionDenied');
    expect((await outcome('pipeline', tokens.submission)).code).toBe('PermissionDenied');
    expect((await outcome('submission', tokens.submission)).code).toBe('ok');
    const unknown = await outcome('secrets', tokens.pipeline);
    expect(unknown).toEqual({
      code: 'NotFound',
      message: 'there is no configuration section "secrets"',
    });
  });

  it('refuses callers without a valid worker token', async () => {
    expect((await outcome('temporal')).code).toBe('Unauthenticated');
    const user = await outcome('temporal', tokens.user);
    expect(user.code).toBe('Unauthenticated');
    expect(user.message).toMatch(/an API token is not a worker token/);
    const revoked = await outcome('temporal', tokens.revoked);
    expect(revoked.code).toBe('Unauthenticated');
    expect(revoked.message).toMatch(/^worker token wtk_\w+ was revoked at /);
    expect((await outcome('temporal', tokens.expired)).message).toMatch(/expired at/);
    const forged = `zincw_${'A'.repeat(43)}`;
    expect(await outcome('temporal', forged)).toEqual({
      code: 'Unauthenticated',
      message: 'the worker token is not known to zinc',
    });
    // Checked before the section: a stranger cannot learn which sections exist.
    expect((await outcome('no-such-section')).code).toBe('Unauthenticated');
  });

  it("the HTTP API's token check refuses a worker token", async () => {
    await expect(createTokenStore(db).verify(tokens.pipeline)).rejects.toThrow(
      'a worker token opens only the configuration service, not the HTTP API',
    );
  });

  it('answers a plain gRPC client (@grpc/grpc-js) the same way', async () => {
    const plain = new grpc.Client(service.address, grpc.credentials.createInsecure());
    const call = (name: string, token?: string) =>
      new Promise<{ status: grpc.status; reply?: Configuration }>((resolve) => {
        const metadata = new grpc.Metadata();
        if (token !== undefined) metadata.set('authorization', `Bearer ${token}`);
        plain.makeUnaryRequest(
          '/zinc.config.v1.ConfigurationService/GetConfiguration',
          (request: string) =>
            Buffer.from(
              toBinary(
                GetConfigurationRequestSchema,
                create(GetConfigurationRequestSchema, { name: request }),
              ),
            ),
          (bytes: Buffer) => fromBinary(ConfigurationSchema, bytes),
          name,
          metadata,
          (err, reply) =>
            resolve(
              err ? { status: err.code } : { status: grpc.status.OK, ...(reply ? { reply } : {}) },
            ),
        );
      });
    try {
      const ok = await call('worker', tokens.pipeline);
      expect(ok.status).toBe(grpc.status.OK);
      expect(ok.reply?.properties.max_concurrent_activities).toBe('7');
      expect((await call('api', tokens.pipeline)).status).toBe(grpc.status.PERMISSION_DENIED);
      expect((await call('temporal')).status).toBe(grpc.status.UNAUTHENTICATED);
      expect((await call('nope', tokens.pipeline)).status).toBe(grpc.status.NOT_FOUND);
    } finally {
      plain.close();
    }
  });
});

describe('fetchWorkerConfig', () => {
  it("builds a worker's configuration from exactly its component's sections", async () => {
    const { config, sections } = await fetchWorkerConfig({
      address: service.address,
      token: tokens.submission,
      component: 'submission',
    });
    // S3 storage: no data dir is needed, so none is fetched.
    expect(sections).toEqual(['temporal', 'worker', 'database', 'storage', 'submission']);
    expect(config.temporal.host_port).toBe('127.0.0.1:17233');
    expect(config.storage).toEqual(FULL.storage);
    expect(config.database).toEqual(FULL.database);
    expect(config.submission).toEqual(FULL.submission);
    expect(config.worker).toEqual(FULL.worker);
    // Not fetched: the schema's defaults, not the core's values.
    expect(config.api).toEqual(zincConfigSchema.parse({}).api);
    expect(config.grading).toEqual(zincConfigSchema.parse({}).grading);
  });

  it('names the refusal, and refuses a core whose database is its embedded one', async () => {
    await expect(
      fetchWorkerConfig({ address: service.address, token: tokens.revoked, component: 'pipeline' }),
    ).rejects.toThrow(
      /refused section "temporal" \(Unauthenticated\): worker token wtk_\w+ was revoked/,
    );

    const embedded = await startConfigurationService({
      config: effectiveConfig(zincConfigSchema.parse({ data_dir: '/srv/zinc' }), '127.0.0.1:7233'),
      tokens: createWorkerTokenStore(db),
      listen: { host: '127.0.0.1', port: 0 },
    });
    try {
      await expect(
        fetchWorkerConfig({
          address: embedded.address,
          token: tokens.pipeline,
          component: 'pipeline',
        }),
      ).rejects.toThrow(/serves no database\.url: its database is an embedded one/);
    } finally {
      await embedded.close();
    }
    await expect(
      fetchWorkerConfig({
        address: '127.0.0.1:1',
        token: tokens.pipeline,
        component: 'pipeline',
        attempts: 1,
      }),
    ).rejects.toThrow(/cannot reach the configuration service at 127\.0\.0\.1:1/);
  });
});

describe('over TLS', () => {
  it('serves workers that trust its certificate, and only those', async () => {
    const dir = tempDir('zinc-tls-');
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    // A self-signed certificate for 127.0.0.1: its own CA.
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'pipe' },
    );
    const secure = await startConfigurationService({
      config: effectiveConfig(FULL, '127.0.0.1:17233'),
      tokens: createWorkerTokenStore(db),
      listen: { host: '127.0.0.1', port: 0, tls: { cert, key } },
    });
    try {
      expect(secure.address).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const { config, sections } = await fetchWorkerConfig({
        address: secure.address,
        caFile: cert,
        token: tokens.pipeline,
        component: 'pipeline',
      });
      expect(sections).toEqual(['temporal', 'worker', 'database', 'storage', 'pipeline']);
      expect(config.storage).toEqual(FULL.storage);
      await expect(
        fetchWorkerConfig({
          address: secure.address,
          token: tokens.pipeline,
          component: 'pipeline',
          attempts: 1,
        }),
      ).rejects.toThrow(/self-signed certificate/);
    } finally {
      await secure.close();
    }
  });
});

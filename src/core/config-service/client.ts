// A worker's side of the configuration service: fetch the sections its component needs from the
// core, turn them back into zinc's configuration, and validate them with the same schemas
// zinc.yaml is parsed with.
import { ConfigError, ConfigServiceError } from '../../failures.js';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createGrpcTransport, Http2SessionManager } from '@connectrpc/connect-node';
import { ConfigurationService } from '../../gen/zinc/config/v1/config_pb.js';
import { formatIssues, zincConfigSchema, type ZincConfig } from '../../config/index.js';
import { COMPONENT_SECTIONS, type WorkerComponent } from './access.js';
import { unflattenSection } from './flatten.js';
import { SERVED_SECTIONS, type SectionName } from './sections.js';

export interface FetchWorkerConfigOptions {
  /** The core's configuration service: host:port (cleartext) or https://host:port (TLS). */
  address: string;
  /** A PEM file of the CA that signed the core's certificate (https only; default: the system's). */
  caFile?: string | undefined;
  /** A worker token made for `component` (zinc token create --worker <component>). */
  token: string;
  component: WorkerComponent;
  /** A data dir of this machine's choosing (--data-dir); when absent and objects are on disk, the core's. */
  dataDir?: string | undefined;
  /** Resolves a relative data dir (default: the working directory). */
  cwd?: string;
  /** Tries while the core cannot be reached (it may still be starting); default 8 (~20 s). */
  attempts?: number;
}

export interface FetchedWorkerConfig {
  /** zinc's configuration: the fetched sections, schema defaults for the rest. */
  config: ZincConfig;
  /** The sections fetched, in order. */
  sections: SectionName[];
}

/** The service's base URL: http://host:port for a bare host:port, or the https:// URL given. */
export function configServiceUrl(address: string): string {
  const url = /^[a-z]+:\/\//i.test(address) ? address : `http://${address}`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigServiceError(`--core ${address}: expected host:port, e.g. 127.0.0.1:7350`);
  }
  if (!['http:', 'https:'].includes(parsed.protocol) || parsed.port === '') {
    throw new ConfigServiceError(
      `--core ${address}: expected host:port, or https://host:port when the core serves TLS`,
    );
  }
  return `${parsed.protocol}//${parsed.host}`;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Fetches the sections `component` needs from the core and builds its configuration. */
export async function fetchWorkerConfig(
  options: FetchWorkerConfigOptions,
): Promise<FetchedWorkerConfig> {
  const baseUrl = configServiceUrl(options.address);
  let ca: Buffer | undefined;
  if (options.caFile !== undefined) {
    try {
      ca = readFileSync(options.caFile);
    } catch (err) {
      throw new ConfigServiceError(`cannot read the core's CA file: ${(err as Error).message}`);
    }
  }
  const sessionManager = new Http2SessionManager(baseUrl, undefined, ca ? { ca } : undefined);
  const client = createClient(
    ConfigurationService,
    createGrpcTransport({
      baseUrl,
      sessionManager,
      interceptors: [
        (next) => (request) => {
          request.header.set('authorization', `Bearer ${options.token}`);
          return next(request);
        },
      ],
    }),
  );
  const attempts = options.attempts ?? 8;
  const fetchSection = async (name: SectionName): Promise<Record<string, string>> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await client.getConfiguration({ name }, { timeoutMs: 10_000 })).properties;
      } catch (err) {
        const error = ConnectError.from(err);
        const unreachable = error.code === Code.Unavailable || error.code === Code.DeadlineExceeded;
        if (unreachable && attempt < attempts) {
          await sleep(Math.min(250 * 2 ** (attempt - 1), 5000));
          continue;
        }
        throw new ConfigServiceError(
          unreachable
            ? `cannot reach the configuration service at ${options.address}: ${error.rawMessage}`
            : `the configuration service at ${options.address} refused section "${name}" ` +
                `(${Code[error.code]}): ${error.rawMessage}`,
          Code[error.code],
        );
      }
    }
  };

  const tree: Record<string, unknown> = {};
  const sources = new Map<string, string>();
  const fetched: SectionName[] = [];
  const take = async (name: SectionName): Promise<Record<string, unknown>> => {
    const properties = await fetchSection(name);
    const definition = SERVED_SECTIONS[name];
    const value = unflattenSection(properties, definition.schema);
    definition.place(tree, value);
    for (const key of Object.keys(properties)) {
      sources.set(
        name === 'data_dir' ? 'data_dir' : `${name}.${key}`,
        `the configuration service at ${options.address}`,
      );
    }
    fetched.push(name);
    return value;
  };
  try {
    const values: Partial<Record<SectionName, Record<string, unknown>>> = {};
    for (const name of COMPONENT_SECTIONS[options.component]) values[name] = await take(name);
    const { temporal = {}, database = {}, storage = {} } = values;
    if (temporal.host_port === undefined) {
      throw new ConfigServiceError(
        `the core at ${options.address} serves no temporal.host_port, so this worker cannot ` +
          'know which Temporal server to join',
      );
    }
    if (database.url === undefined) {
      throw new ConfigServiceError(
        `the core at ${options.address} serves no database.url: its database is an embedded one ` +
          'that it does not serve; run the core as zinc up, or with DATABASE_URL (PostgreSQL)',
      );
    }
    if (options.dataDir !== undefined) tree.data_dir = options.dataDir;
    else if ((storage.kind ?? 'disk') === 'disk') await take('data_dir');
  } finally {
    sessionManager.abort();
  }

  const parsed = zincConfigSchema.safeParse(tree);
  if (!parsed.success) {
    throw new ConfigError(
      `invalid configuration from the core:\n${formatIssues(parsed.error.issues, sources)}`,
    );
  }
  const config = parsed.data;
  config.data_dir = resolve(options.cwd ?? process.cwd(), config.data_dir);
  return { config, sections: fetched };
}

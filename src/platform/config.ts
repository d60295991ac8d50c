// zinc's one configuration: a YAML file, then environment overrides, validated once with zod.
import { readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { temporalConfigSchema, workerConfigSchema } from '../temporal/config.js';
import { storageConfigSchema } from './object-store-config.js';
import { submissionConfigSchema } from '../extensions/submission/config.js';
import { gradingConfigSchema } from '../core/grading-config.js';
import { apiConfigSchema } from '../api/config.js';

export const databaseConfigSchema = z.strictObject({
  /** PostgreSQL connection URL; absent: PGlite in the data dir, shared by the process serving it. */
  url: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// or postgresql:// URL')
    .optional(),
});

export const zincConfigSchema = z.strictObject({
  /** Where embedded state lives (database, objects, the dev server's SQLite file). */
  data_dir: z.string().min(1).default('.zinc'),
  temporal: temporalConfigSchema.default(temporalConfigSchema.parse({})),
  worker: workerConfigSchema.default(workerConfigSchema.parse({})),
  database: databaseConfigSchema.default({}),
  storage: storageConfigSchema.default(storageConfigSchema.parse({})),
  submission: submissionConfigSchema.default(submissionConfigSchema.parse({})),
  grading: gradingConfigSchema.default(gradingConfigSchema.parse({})),
  api: apiConfigSchema.default(apiConfigSchema.parse({})),
});

export type ZincConfig = z.infer<typeof zincConfigSchema>;

/** Environment variables that override a configuration field (documented in the README). */
export const ENV_OVERRIDES: Record<string, readonly string[]> = {
  ZINC_DATA_DIR: ['data_dir'],
  DATABASE_URL: ['database', 'url'],
  ZINC_STORAGE_KIND: ['storage', 'kind'],
  ZINC_S3_ENDPOINT: ['storage', 's3', 'endpoint'],
  ZINC_S3_REGION: ['storage', 's3', 'region'],
  ZINC_S3_BUCKET: ['storage', 's3', 'bucket'],
  ZINC_S3_ACCESS_KEY_ID: ['storage', 's3', 'access_key_id'],
  ZINC_S3_SECRET_ACCESS_KEY: ['storage', 's3', 'secret_access_key'],
  ZINC_S3_KEY_PREFIX: ['storage', 's3', 'key_prefix'],
  ZINC_TEMPORAL_HOST_PORT: ['temporal', 'host_port'],
  ZINC_TEMPORAL_NAMESPACE: ['temporal', 'namespace'],
  ZINC_TEMPORAL_TASK_QUEUE_PREFIX: ['temporal', 'task_queue_prefix'],
  ZINC_TEMPORAL_API_KEY: ['temporal', 'api_key'],
  ZINC_TEMPORAL_TLS_CA: ['temporal', 'tls', 'ca'],
  ZINC_TEMPORAL_TLS_CERT: ['temporal', 'tls', 'cert'],
  ZINC_TEMPORAL_TLS_KEY: ['temporal', 'tls', 'key'],
  ZINC_TEMPORAL_TLS_SERVER_NAME: ['temporal', 'tls', 'server_name'],
  ZINC_TEMPORAL_PORT: ['temporal', 'dev_server', 'port'],
  ZINC_TEMPORAL_UI_PORT: ['temporal', 'dev_server', 'ui_port'],
  ZINC_GRADING_CONCURRENCY: ['grading', 'concurrency'],
  ZINC_WORKER_MAX_CONCURRENT_ACTIVITIES: ['worker', 'max_concurrent_activities'],
  ZINC_WORKER_SHUTDOWN_GRACE_SECS: ['worker', 'shutdown_grace_secs'],
  ZINC_API_PORT: ['api', 'port'],
  ZINC_API_HOST: ['api', 'host'],
};

/** A configuration that does not validate; the message names every bad field. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface LoadConfigOptions {
  /** A YAML file; when absent, `ZINC_CONFIG`, then `./zinc.yaml` if it exists. */
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Values from command-line flags; they win over the file and the environment. */
  overrides?: { dataDir?: string | undefined };
  cwd?: string;
}

type Tree = Record<string, unknown>;

function setPath(tree: Tree, path: readonly string[], value: unknown): void {
  let node = tree;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Tree;
  }
  node[path[path.length - 1]!] = value;
}

function readYamlFile(file: string): Tree {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`config file ${file} is not valid YAML: ${(err as Error).message}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ConfigError(`config file ${file}: expected a mapping at the top level`);
  }
  return doc as Tree;
}

/** Formats zod issues as `path: message` lines, naming where each bad value came from. */
export function formatIssues(
  issues: readonly z.core.$ZodIssue[],
  sources: Map<string, string>,
): string {
  return issues
    .map((issue) => {
      const path = issue.path.map(String).join('.') || '(top level)';
      const origin = sources.get(path);
      return `  ${path}: ${issue.message}${origin ? ` (from ${origin})` : ''}`;
    })
    .join('\n');
}

/** Loads and validates zinc's configuration once; throws ConfigError naming each bad field. */
export function loadConfig(options: LoadConfigOptions = {}): ZincConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const sources = new Map<string, string>();
  let file = options.file ?? env.ZINC_CONFIG;
  if (file === undefined && existsSync(resolve(cwd, 'zinc.yaml'))) file = 'zinc.yaml';
  const tree: Tree = file !== undefined ? readYamlFile(resolve(cwd, file)) : {};
  if (file !== undefined) collectSources(tree, [], file, sources);

  for (const [variable, path] of Object.entries(ENV_OVERRIDES)) {
    const value = env[variable];
    if (value === undefined || value === '') continue;
    setPath(tree, path, value);
    sources.set(path.join('.'), `environment variable ${variable}`);
  }
  if (options.overrides?.dataDir !== undefined) {
    tree.data_dir = options.overrides.dataDir;
    sources.set('data_dir', '--data-dir');
  }

  const parsed = zincConfigSchema.safeParse(tree);
  if (!parsed.success) {
    throw new ConfigError(`invalid configuration:\n${formatIssues(parsed.error.issues, sources)}`);
  }
  const config = parsed.data;
  config.data_dir = resolve(cwd, config.data_dir);
  return config;
}

function collectSources(
  node: unknown,
  path: string[],
  file: string,
  out: Map<string, string>,
): void {
  if (typeof node === 'object' && node !== null && !Array.isArray(node)) {
    for (const [key, value] of Object.entries(node))
      collectSources(value, [...path, key], file, out);
  } else if (path.length > 0) {
    out.set(path.join('.'), file);
  }
}

// zinc's one configuration: a YAML file, then environment overrides, validated once with zod.
// Each section belongs to its owner (schema and environment variables); this loader composes
// them and is the one place that reads the environment for configuration.
import { readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { temporalSection, workerSection } from '../temporal/config.js';
import { databaseSection } from '../platform/database-config.js';
import { storageSection } from '../platform/object-store-config.js';
import { submissionSection } from '../extensions/submission/section.js';
import { pipelineSection } from '../extensions/pipeline/section.js';
import { gradingSection } from '../core/grading-config.js';
import { apiSection } from '../api/config.js';
import { cliSection } from '../cli/section.js';
import { configServiceSection } from '../core/config-service/config.js';
import { telemetrySection } from '../platform/telemetry-config.js';
import { eventsSection } from '../platform/events-config.js';
import { ConfigError } from '../failures.js';

/** A section of the configuration as its owner declares it: its key, schema and env variables. */
export interface ConfigSection {
  readonly key: string;
  readonly schema: z.ZodType;
  /** Environment variables that set a field, by its path inside the section. */
  readonly env: Readonly<Record<string, readonly string[]>>;
}

/** Every owner's section, in the order the reference lists them. */
export const CONFIG_SECTIONS = [
  temporalSection,
  workerSection,
  databaseSection,
  storageSection,
  eventsSection,
  submissionSection,
  pipelineSection,
  gradingSection,
  apiSection,
  cliSection,
  configServiceSection,
  telemetrySection,
] as const satisfies readonly ConfigSection[];

export type SectionKey = (typeof CONFIG_SECTIONS)[number]['key'];

/** A section's value with its defaults, for a schema whose every field has one. */
function defaults<S extends z.ZodType>(schema: S): z.output<S> {
  return schema.parse({});
}

/** The whole configuration: the data dir, then each owner's section. */
export const zincConfigSchema = z.strictObject({
  /** Where embedded state lives (database, objects, the dev server's SQLite file). */
  data_dir: z.string().min(1).default('.zinc'),
  temporal: temporalSection.schema.default(defaults(temporalSection.schema)),
  worker: workerSection.schema.default(defaults(workerSection.schema)),
  database: databaseSection.schema.default({}),
  storage: storageSection.schema.default(defaults(storageSection.schema)),
  events: eventsSection.schema.default(defaults(eventsSection.schema)),
  submission: submissionSection.schema.default(defaults(submissionSection.schema)),
  pipeline: pipelineSection.schema.default(defaults(pipelineSection.schema)),
  grading: gradingSection.schema.default(defaults(gradingSection.schema)),
  api: apiSection.schema.default(defaults(apiSection.schema)),
  cli: cliSection.schema.default({}),
  config_service: configServiceSection.schema.default(defaults(configServiceSection.schema)),
  telemetry: telemetrySection.schema.default(defaults(telemetrySection.schema)),
});

export type ZincConfig = z.infer<typeof zincConfigSchema>;

/** Environment variables that override a field, from every section's owner (docs/configuration.md). */
export const ENV_OVERRIDES: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  [
    ['ZINC_DATA_DIR', ['data_dir']] as const,
    ...(CONFIG_SECTIONS as readonly ConfigSection[]).flatMap((section) =>
      Object.entries(section.env).map(
        ([variable, path]) => [variable, [section.key, ...path]] as const,
      ),
    ),
  ].map(([variable, path]): [string, readonly string[]] => [variable, path]),
);

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

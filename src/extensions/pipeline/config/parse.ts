// parseGradingConfig: ZINC YAML text in, a typed GradingConfig or every problem with its path out.
import { ConfigTooLargeError } from '../../../failures.js';
import { isMap, isScalar, isSeq } from 'yaml';
import { assetSet } from './assets.js';
import { checkStages } from './checks.js';
import type { StageFacts } from './checks.js';
import type { ToolchainCheck } from './lang.js';
import { ProblemCollector, TOP_LEVEL_PATH, describeValue, inDocumentOrder } from './problems.js';
import type { ConfigProblem } from './problems.js';
import { stageSchemas } from './schemas.js';
import { readSettings } from './settings.js';
import { buildStage, parseStageKey } from './stages.js';
import type { ValidStage } from './stages.js';
import type { GradingConfig } from './types.js';
import {
  MAX_CONFIG_TEXT_BYTES,
  duplicateKeys,
  keyText,
  readYaml,
  toPlain,
  valueBudget,
} from './yaml-tree.js';
import { validateWith } from './zod-issues.js';

export interface ParseGradingConfigOptions {
  /** Relative paths of the config's asset files (provided files, `file_stdin`, `file_expected`). */
  assets: readonly string[];
  /** Named in document-wide messages (syntax errors, size). */
  fileName?: string;
  /** Asks what toolchain the machine has; without it the lang's version is not checked. */
  checkToolchain?: ToolchainCheck;
}

/**
 * The outcome of parsing. Warnings never stop a config (e.g. a test's file that only a make or
 * shellExec stage may create); problems do.
 */
export type ParseGradingConfigResult =
  | { ok: true; config: GradingConfig; warnings: ConfigProblem[] }
  | { ok: false; problems: ConfigProblem[]; warnings: ConfigProblem[] };

/** Parses and validates a grading config, reporting every problem at once by its YAML path. */
export function parseGradingConfig(
  yamlText: string,
  options: ParseGradingConfigOptions,
): ParseGradingConfigResult {
  const source = options.fileName ? `${options.fileName}: ` : '';
  const bytes = Buffer.byteLength(yamlText, 'utf8');
  if (bytes > MAX_CONFIG_TEXT_BYTES) {
    return failure([
      {
        path: TOP_LEVEL_PATH,
        message: `${source}the config is ${bytes} bytes, over the limit of ${MAX_CONFIG_TEXT_BYTES}; put large inputs and outputs in asset files (file_stdin, file_expected)`,
      },
    ]);
  }
  const tree = readYaml(yamlText);
  if (!tree.ok) {
    return failure(
      tree.errors.map((err) => ({
        path: TOP_LEVEL_PATH,
        message: `${source}YAML syntax error at line ${err.line}, column ${err.column}: ${err.message}`,
        line: err.line,
        column: err.column,
      })),
    );
  }

  const { doc } = tree;
  const problems = new ProblemCollector(tree.locate);
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) {
    problems.error([], `${source}the config is empty; it needs _settings and at least one stage`);
    return failure(problems.errors);
  }
  if (!isMap(root)) {
    const got = isSeq(root) ? 'a list' : describeValue(isScalar(root) ? root.value : undefined);
    problems.error([], `expected a mapping of _settings and stages, got ${got}`);
    return failure(problems.errors);
  }

  for (const dup of duplicateKeys(doc, tree.position)) {
    const at = { line: dup.line, column: dup.column };
    const message =
      dup.segments.length === 1 && dup.key !== '_settings'
        ? `duplicate stage key ${dup.key} (first at line ${dup.firstLine}); stages of one kind need different labels, e.g. ${kindOf(dup.key)}:a and ${kindOf(dup.key)}:b`
        : `duplicate key ${dup.key} (first at line ${dup.firstLine})`;
    problems.errorAt(dup.segments, message, at);
  }

  const assets = assetSet(options.assets);
  let rawSettings: unknown;
  let hasSettings = false;
  const written: Array<{ key: string; kind: ValidStage['kind']; label?: string; value: unknown }> =
    [];
  const seenKeys = new Set<string>();
  const budget = valueBudget();
  for (const pair of root.items) {
    const key = keyText(pair.key);
    if (seenKeys.has(key)) continue; // reported above as a duplicate
    seenKeys.add(key);
    let value: unknown;
    try {
      value = dropNulls(toPlain(doc, pair.value, key, budget)) ?? {};
    } catch (err) {
      if (!(err instanceof ConfigTooLargeError)) throw err;
      problems.error([key], err.message);
      continue;
    }
    if (key === '_settings') {
      rawSettings = value;
      hasSettings = true;
      continue;
    }
    const parsedKey = parseStageKey(key);
    if (!parsedKey.ok) {
      problems.error([key], parsedKey.message);
      continue;
    }
    const stage: (typeof written)[number] = { key, kind: parsedKey.kind, value };
    if (parsedKey.label !== undefined) stage.label = parsedKey.label;
    written.push(stage);
  }
  if (!hasSettings) {
    problems.error(
      ['_settings'],
      'missing: a config starts with _settings (at least lang, e.g. lang: cpp/g++:12)',
    );
  }
  if (seenKeys.size - (hasSettings ? 1 : 0) === 0) problems.error([], 'the config has no stages');

  const { settings, files } = hasSettings
    ? readSettings(rawSettings, assets, problems, options.checkToolchain)
    : { settings: undefined, files: { useProvided: false } };

  const valid: ValidStage[] = [];
  const facts: StageFacts[] = [];
  for (const stage of written) {
    const data = validateWith(stageSchemas[stage.kind], stage.value, [stage.key], problems);
    if (data !== undefined) valid.push({ ...stage, data } as ValidStage);
    if (isRecord(stage.value)) facts.push({ key: stage.key, kind: stage.kind, value: stage.value });
  }
  checkStages(facts, { ...files, assets }, problems);

  const warnings = inDocumentOrder(problems.warnings);
  if (problems.errors.length > 0 || !settings) {
    return failure(inDocumentOrder(problems.errors), warnings);
  }
  return {
    ok: true,
    config: { settings, stages: valid.map((stage) => buildStage(stage, settings)) },
    warnings,
  };
}

function kindOf(key: string): string {
  return key.split(':')[0] ?? key;
}

function failure(
  problems: ConfigProblem[],
  warnings: ConfigProblem[] = [],
): ParseGradingConfigResult {
  return { ok: false, problems, warnings };
}

// ZINC's web editor writes absent fields as `null`; they mean "not given", not "nothing".
function dropNulls(value: unknown): unknown {
  if (value === null) return undefined;
  if (Array.isArray(value)) return value.map((item) => dropNulls(item) ?? null);
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const kept = dropNulls(child);
    if (kept !== undefined) out[key] = kept;
  }
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// The pipeline extension's grading-config API: parse and validate ZINC YAML, version it, and
// check the machine's toolchains.
export { parseGradingConfig } from './parse.js';
export type { ParseGradingConfigOptions, ParseGradingConfigResult } from './parse.js';
export { formatPath, TOP_LEVEL_PATH } from './problems.js';
export type { ConfigProblem, PathSegment } from './problems.js';
export { configVersionId } from './version-id.js';
export type { AssetDigest } from './version-id.js';
export {
  LANGUAGE_TOOLCHAINS,
  parseLang,
  toolchainFor,
  toolchainMismatch,
  versionMatches,
} from './lang.js';
export type { ToolchainCheck, ToolchainInfo } from './lang.js';
export { createToolchainCheck, detectToolchain, parseVersionOutput } from './toolchains.js';
export { normalizeAssetPath } from './assets.js';
export { readAssetDir } from './asset-dir.js';
export { MAX_CONFIG_TEXT_BYTES, MAX_CONFIG_VALUES } from './yaml-tree.js';
export * from './types.js';

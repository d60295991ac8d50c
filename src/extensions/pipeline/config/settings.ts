// `_settings`: shape, lang (format, support, the machine's toolchain), template rules, defaults.
import { normalizeAssetPath } from './assets.js';
import type { FileContext } from './checks.js';
import { parseLang, toolchainMismatch } from './lang.js';
import type { ToolchainCheck } from './lang.js';
import type { ProblemCollector } from './problems.js';
import { settingsSchema } from './schemas.js';
import { SETTINGS_DEFAULTS } from './types.js';
import type { LangSetting, Settings } from './types.js';
import { validateWith } from './zod-issues.js';

const AT = '_settings';

/** Validates `_settings`; returns the settings with defaults when valid, and what stage checks need. */
export function readSettings(
  raw: unknown,
  assets: ReadonlySet<string>,
  problems: ProblemCollector,
  checkToolchain?: ToolchainCheck,
): { settings?: Settings; files: Omit<FileContext, 'assets'> } {
  const data = validateWith(settingsSchema, raw, [AT], problems);
  const value = isRecord(raw) ? raw : {};

  let lang: LangSetting | undefined;
  if (typeof value.lang === 'string') {
    const parsed = parseLang(value.lang);
    if (parsed.ok) lang = parsed.lang;
    else problems.error([AT, 'lang'], parsed.message);
  }
  if (lang && checkToolchain) {
    const mayDiffer = value.lang_version_may_differ === true;
    const mismatch = toolchainMismatch(lang, checkToolchain(lang), mayDiffer);
    if (mismatch?.severity === 'error') problems.error([AT, 'lang'], mismatch.message);
    if (mismatch?.severity === 'warning') problems.warn([AT, 'lang'], mismatch.message);
  }

  const template = Array.isArray(value.template)
    ? value.template.filter((t): t is string => typeof t === 'string')
    : undefined;
  const usesTemplate = value.use_template === 'FILENAMES';
  if (value.use_template === 'PATH') {
    problems.error(
      [AT, 'use_template'],
      'PATH is not supported yet; use FILENAMES with a template list',
    );
  }
  if (usesTemplate && (template === undefined || template.length === 0)) {
    problems.error(
      [AT, 'template'],
      'use_template: FILENAMES needs the list of files a delivery must contain',
    );
  }
  if (
    !usesTemplate &&
    value.use_template !== 'PATH' &&
    template !== undefined &&
    template.length > 0
  ) {
    problems.warn([AT, 'template'], 'ignored: _settings.use_template is not FILENAMES');
  }
  template?.forEach((file, i) => {
    if (normalizeAssetPath(file) === undefined) {
      problems.error(
        [AT, 'template', i],
        `file ${file} must be a relative path inside the delivery`,
      );
    }
  });

  // A run with network would need a network namespace of its own with outbound access only
  // (no route to the host's loopback, link-local or private addresses); until zinc builds one,
  // sharing the host's network would let student code reach every service on the grader.
  if (data?.enable_features?.network === true) {
    problems.error(
      [AT, 'enable_features', 'network'],
      'network access for graded code is not supported yet: zinc grades without network ' +
        '(remove the field or set it to false)',
    );
  }

  const useProvided = value.use_provided === true;
  if (useProvided && assets.size === 0) {
    problems.warn([AT, 'use_provided'], 'is true but the config has no assets to provide');
  }
  const files: Omit<FileContext, 'assets'> = { useProvided };
  if (lang) files.language = lang.language;
  if (usesTemplate && template) {
    files.template = new Set(template.map((t) => normalizeAssetPath(t) ?? t));
  }
  if (!data || !lang) return { files };

  const settings: Settings = {
    lang,
    template: usesTemplate ? (data.template ?? []) : [],
    use_provided: data.use_provided ?? SETTINGS_DEFAULTS.use_provided,
    use_skeleton: data.use_skeleton ?? SETTINGS_DEFAULTS.use_skeleton,
    stage_wait_duration_secs:
      data.stage_wait_duration_secs ?? SETTINGS_DEFAULTS.stage_wait_duration_secs,
    cpus: data.cpus ?? SETTINGS_DEFAULTS.cpus,
    mem_gb: data.mem_gb ?? SETTINGS_DEFAULTS.mem_gb,
    early_return_on_throw: data.early_return_on_throw ?? SETTINGS_DEFAULTS.early_return_on_throw,
    enable_features: { network: data.enable_features?.network ?? SETTINGS_DEFAULTS.network },
    lang_version_may_differ:
      data.lang_version_may_differ ?? SETTINGS_DEFAULTS.lang_version_may_differ,
  };
  if (usesTemplate) settings.use_template = 'FILENAMES';
  return { settings, files };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

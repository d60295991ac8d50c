// `_settings.lang` (`language[/compiler]:version`): its format, the toolchains zinc can run, and
// whether a machine's toolchain satisfies it. Pure: detection lives in toolchains.ts.
import { LANGUAGES } from './types.js';
import type { LangSetting, Language } from './types.js';

/** The toolchain program each language may name; the first is the default when none is written. */
export const LANGUAGE_TOOLCHAINS: Record<Language, readonly string[]> = {
  c: ['gcc'],
  cpp: ['g++'],
  java: ['javac'],
  python: ['python3'],
};

/** What a machine has of one toolchain, as reported by its `--version`. */
export interface ToolchainInfo {
  /** The program: `g++`, `gcc`, `python3`, `javac`. */
  tool: string;
  present: boolean;
  /** `12.2.0`; absent when the program is missing or printed no version. */
  version?: string;
}

/** Answers what this machine has for a lang; injected into parsing so it stays free of processes. */
export type ToolchainCheck = (lang: LangSetting) => ToolchainInfo;

const LANG_PATTERN = /^([A-Za-z][A-Za-z0-9+#_-]*)(?:\/([^\s/:]+))?:(\S+)$/;
const VERSION_PATTERN = /^\d+(?:\.\d+)*$/;

/** Parses a lang string; returns the problem (a message) when it is malformed or unsupported. */
export function parseLang(
  text: string,
): { ok: true; lang: LangSetting } | { ok: false; message: string } {
  const match = LANG_PATTERN.exec(text.trim());
  if (!match) {
    return {
      ok: false,
      message: `expected language[/compiler]:version, e.g. cpp/g++:12 or python/python3:3.11, got ${JSON.stringify(text)}`,
    };
  }
  const [, language = '', compiler, version = ''] = match;
  if (!(LANGUAGES as readonly string[]).includes(language)) {
    return {
      ok: false,
      message: `language ${language} is not supported (supported: ${LANGUAGES.join(', ')})`,
    };
  }
  const known = LANGUAGE_TOOLCHAINS[language as Language];
  if (compiler !== undefined && !known.includes(compiler)) {
    return {
      ok: false,
      message: `${language} toolchain ${compiler} is not supported (supported: ${known.join(', ')})`,
    };
  }
  if (!VERSION_PATTERN.test(version)) {
    return {
      ok: false,
      message: `version ${JSON.stringify(version)} is not a version number like 12, 3.11 or 17.0.2`,
    };
  }
  const lang: LangSetting = { language: language as Language, version };
  if (compiler !== undefined) lang.compiler = compiler;
  return { ok: true, lang };
}

/** The program that builds or runs a lang: its compiler as written, else the language's default. */
export function toolchainFor(lang: LangSetting): string {
  return lang.compiler ?? LANGUAGE_TOOLCHAINS[lang.language][0]!;
}

/** Whether a machine version satisfies a requested one: `12` accepts `12.2.0`, `3.11` accepts `3.11.7`. */
export function versionMatches(requested: string, actual: string): boolean {
  const want = requested.split('.');
  const have = actual.split('.');
  return want.every((part, i) => have[i] !== undefined && Number(have[i]) === Number(part));
}

/**
 * Compares a lang with what the machine has. An absent toolchain is always an error; a
 * different version is an error unless the config allows it, then a warning.
 */
export function toolchainMismatch(
  lang: LangSetting,
  info: ToolchainInfo,
  versionMayDiffer: boolean,
): { severity: 'error' | 'warning'; message: string } | undefined {
  const wanted = `${info.tool} ${lang.version} requested`;
  if (!info.present)
    return { severity: 'error', message: `${wanted}, this machine has no ${info.tool}` };
  if (info.version === undefined) {
    return {
      severity: versionMayDiffer ? 'warning' : 'error',
      message: `${wanted}, this machine has ${info.tool} but its version could not be read`,
    };
  }
  if (versionMatches(lang.version, info.version)) return undefined;
  if (versionMayDiffer) {
    return {
      severity: 'warning',
      message: `${wanted}, grading with this machine's ${info.tool} ${info.version} (lang_version_may_differ)`,
    };
  }
  return {
    severity: 'error',
    message: `${wanted}, this machine has ${info.tool} ${info.version} (set _settings.lang_version_may_differ: true to grade with it)`,
  };
}

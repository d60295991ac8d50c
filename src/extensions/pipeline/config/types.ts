// The grading config as the pipeline uses it: ZINC's YAML field names, defaults filled in.

/** Languages a config may name in `_settings.lang`. */
export const LANGUAGES = ['c', 'cpp', 'java', 'python'] as const;
export type Language = (typeof LANGUAGES)[number];

/** `_settings.lang`: `language[/compiler]:version`, e.g. `cpp/g++:12`. */
export interface LangSetting {
  language: Language;
  /** As written; when absent the language's default toolchain is used (see `toolchainFor`). */
  compiler?: string;
  /** As written: `12`, `3.11`, `17.0.2`. A machine version matches when it starts with these parts. */
  version: string;
}

export const DIFF_IGNORE_FLAGS = [
  'TRAILING_WHITESPACE',
  'SPACE_CHANGE',
  'ALL_SPACE',
  'BLANK_LINES',
] as const;
export type DiffIgnoreFlag = (typeof DIFF_IGNORE_FLAGS)[number];

export const VISIBILITIES = [
  'ALWAYS_VISIBLE',
  'ALWAYS_HIDDEN',
  'VISIBLE_AFTER_GRADING',
  'VISIBLE_AFTER_GRADING_IF_FAILED',
] as const;
export type Visibility = (typeof VISIBILITIES)[number];

export const HIDDEN_ITEMS = ['STDIN', 'STDOUT', 'STDERR', 'DIFF'] as const;
export type HiddenItem = (typeof HIDDEN_ITEMS)[number];

/**
 * Defaults for what a config leaves out. ZINC's own defaults where we know them; where ours
 * differ it is to fail safe on a shared grading machine (network off, modest resources).
 */
export const SETTINGS_DEFAULTS = {
  use_provided: false,
  use_skeleton: false,
  /** Wall-clock bound of each command a stage runs (ZINC's editor suggests 60; tests are short). */
  stage_wait_duration_secs: 10,
  cpus: 1,
  mem_gb: 1,
  early_return_on_throw: false,
  /** DOMAIN: network is off unless a config turns it on. */
  network: false,
  lang_version_may_differ: false,
} as const;

/**
 * Output a test may print before it is stopped with OUTPUT_LIMIT_EXCEEDED: generous enough for a
 * large expected output file, small enough to stop a runaway print loop early.
 */
export const DEFAULT_OUTPUT_LIMIT_KB = 8192;

/** What gcc and g++ write when `compile.output` is not given. */
export const DEFAULT_COMPILE_OUTPUT = 'a.out';

export interface Settings {
  lang: LangSetting;
  /** `FILENAMES`: the delivery must contain `template`; other files are ignored for grading. */
  use_template?: 'FILENAMES';
  /** The files a delivery must contain; empty unless `use_template: FILENAMES`. */
  template: string[];
  /** Copy the config's provided asset files into the working directory before the stages run. */
  use_provided: boolean;
  /** Accepted as ZINC writes it; only `diffWithSkeleton` (not supported yet) would use it. */
  use_skeleton: boolean;
  stage_wait_duration_secs: number;
  cpus: number;
  mem_gb: number;
  early_return_on_throw: boolean;
  enable_features: { network: boolean };
  /**
   * zinc's addition: when true, a machine whose toolchain version differs from `lang`'s is
   * accepted (the config is graded with what the machine has) instead of being a config error.
   */
  lang_version_may_differ: boolean;
}

/** Limits written on a stdioTest stage; a test case's own values win over them. */
export interface TestLimits {
  time_limit_secs?: number;
  memory_limit_mb?: number;
  output_limit_kb?: number;
}

export interface TestCase {
  id: number;
  /** The executable; for python the script (`python3 main.py`), for java the main class. */
  file: string;
  args: string[];
  /** Exactly one of `stdin` and `file_stdin` may be given; with neither, stdin is empty. */
  stdin?: string;
  /** An asset path (relative to the config's assets). */
  file_stdin?: string;
  /** Exactly one of `expected` and `file_expected` is given. */
  expected?: string;
  file_expected?: string;
  /** Default ALWAYS_VISIBLE, as in ZINC. */
  visibility: Visibility;
  /** Default [] (nothing hidden). Hides from the student's view only, never from staff. */
  hide_from_report: HiddenItem[];
  /**
   * Default 0: a test without a score is run and reported (passed or not) but adds nothing to
   * the score or the total, so a forgotten score can never inflate a grade.
   */
  score: number;
  /** Resolved: the test's own value, else the stage's, else `_settings.stage_wait_duration_secs`. */
  time_limit_secs: number;
  /** Resolved: the test's own value, else the stage's, else `_settings.mem_gb` in MiB. */
  memory_limit_mb: number;
  /** Resolved: the test's own value, else the stage's, else DEFAULT_OUTPUT_LIMIT_KB. */
  output_limit_kb: number;
}

interface StageBase<K extends string> {
  kind: K;
  /** The stage key as written: `kind` or `kind:label`; unique in a config, keys its report. */
  key: string;
  label?: string;
}

export interface FileStructureValidationStage extends StageBase<'fileStructureValidation'> {
  /** Globs of delivered files that do not count as extra (default []). */
  ignore_in_submission: string[];
}

export interface CompileStage extends StageBase<'compile'> {
  input: string[];
  /** Default `a.out`. Java ignores it: javac writes one class file per class. */
  output: string;
  flags: string[];
}

export interface MakeStage extends StageBase<'make'> {
  targets: string[];
  args: string[];
}

export interface ShellExecStage extends StageBase<'shellExec'> {
  cmd: string;
}

export interface StdioTestStage extends StageBase<'stdioTest'>, TestLimits {
  diff_ignore_flags: DiffIgnoreFlag[];
  testCases: TestCase[];
}

export interface ScoreStage extends StageBase<'score'> {
  /** The total is scaled to this (e.g. 100); absent, raw sums are kept. */
  normalizedTo?: number;
  minScore?: number;
  maxScore?: number;
}

export type Stage =
  | FileStructureValidationStage
  | CompileStage
  | MakeStage
  | ShellExecStage
  | StdioTestStage
  | ScoreStage;

export type StageKind = Stage['kind'];

export const SUPPORTED_STAGE_KINDS: readonly StageKind[] = [
  'fileStructureValidation',
  'compile',
  'make',
  'shellExec',
  'stdioTest',
  'score',
];

/** ZINC stage kinds that configs may contain but zinc cannot run yet. */
export const UNSUPPORTED_STAGE_KINDS = [
  'valgrind',
  'pyTest',
  'gTest',
  'jUnit',
  'diffWithSkeleton',
] as const;

/** A validated grading config: settings, then the stages in file order. */
export interface GradingConfig {
  settings: Settings;
  stages: Stage[];
}

// Stage keys (`kind` or `kind:label`) and typed stages built from validated values with defaults.
import { closestName } from './problems.js';
import type { RawStage, RawTestCase } from './schemas.js';
import {
  DEFAULT_COMPILE_OUTPUT,
  DEFAULT_OUTPUT_LIMIT_KB,
  SUPPORTED_STAGE_KINDS,
  UNSUPPORTED_STAGE_KINDS,
} from './types.js';
import type { Settings, Stage, StageKind, TestCase, TestLimits } from './types.js';

const STAGE_KEY = /^([A-Za-z]+)(?::([A-Za-z0-9_.-]+))?$/;

/** A stage key split into kind and label, or the message saying what is wrong with it. */
export function parseStageKey(
  key: string,
): { ok: true; kind: StageKind; label?: string } | { ok: false; message: string } {
  const match = STAGE_KEY.exec(key);
  if (!match) {
    if (key.startsWith('_')) {
      const hint = closestName(key, ['_settings']);
      return { ok: false, message: `unknown key ${key}${hint ? ` (did you mean ${hint}?)` : ''}` };
    }
    return {
      ok: false,
      message: `a stage key is kind or kind:label (letters, digits, _ . - in the label), e.g. stdioTest:hidden; got ${JSON.stringify(key)}`,
    };
  }
  const [, kind = '', label] = match;
  if ((UNSUPPORTED_STAGE_KINDS as readonly string[]).includes(kind)) {
    return { ok: false, message: `stage kind ${kind} is not supported yet` };
  }
  if (!(SUPPORTED_STAGE_KINDS as readonly string[]).includes(kind)) {
    const hint = closestName(kind, [...SUPPORTED_STAGE_KINDS, ...UNSUPPORTED_STAGE_KINDS]);
    return {
      ok: false,
      message: `unknown stage kind ${kind}${hint ? ` (did you mean ${hint}?)` : ` (known: ${SUPPORTED_STAGE_KINDS.join(', ')})`}`,
    };
  }
  return label === undefined
    ? { ok: true, kind: kind as StageKind }
    : { ok: true, kind: kind as StageKind, label };
}

/** A validated stage value with its kind, as schemas.ts accepted it. */
export type ValidStage = {
  [K in StageKind]: { kind: K; key: string; label?: string; data: RawStage<K> };
}[StageKind];

/** Builds the typed stage, filling in defaults (test limits resolve against the settings). */
export function buildStage(stage: ValidStage, settings: Settings): Stage {
  const base =
    stage.label === undefined ? { key: stage.key } : { key: stage.key, label: stage.label };
  switch (stage.kind) {
    case 'fileStructureValidation':
      return {
        ...base,
        kind: stage.kind,
        ignore_in_submission: stage.data.ignore_in_submission ?? [],
      };
    case 'compile':
      return {
        ...base,
        kind: stage.kind,
        input: stage.data.input,
        output: stage.data.output ?? DEFAULT_COMPILE_OUTPUT,
        flags: stage.data.flags ?? [],
      };
    case 'make':
      return {
        ...base,
        kind: stage.kind,
        targets: stage.data.targets ?? [],
        args: stage.data.args ?? [],
      };
    case 'shellExec':
      return { ...base, kind: stage.kind, cmd: stage.data.cmd };
    case 'stdioTest': {
      const { testCases, diff_ignore_flags, ...limits } = stage.data;
      return {
        ...base,
        kind: stage.kind,
        diff_ignore_flags: diff_ignore_flags ?? [],
        ...limits,
        testCases: testCases.map((testCase) => buildTestCase(testCase, limits, settings)),
      };
    }
    case 'score':
      return { ...base, kind: stage.kind, ...stage.data };
  }
}

function buildTestCase(raw: RawTestCase, stage: TestLimits, settings: Settings): TestCase {
  const testCase: TestCase = {
    id: raw.id,
    file: raw.file,
    args: raw.args ?? [],
    visibility: raw.visibility ?? 'ALWAYS_VISIBLE',
    hide_from_report: raw.hide_from_report ?? [],
    score: raw.score ?? 0,
    time_limit_secs:
      raw.time_limit_secs ?? stage.time_limit_secs ?? settings.stage_wait_duration_secs,
    memory_limit_mb:
      raw.memory_limit_mb ?? stage.memory_limit_mb ?? Math.round(settings.mem_gb * 1024),
    output_limit_kb: raw.output_limit_kb ?? stage.output_limit_kb ?? DEFAULT_OUTPUT_LIMIT_KB,
  };
  if (raw.stdin !== undefined) testCase.stdin = raw.stdin;
  if (raw.file_stdin !== undefined) testCase.file_stdin = raw.file_stdin;
  if (raw.expected !== undefined) testCase.expected = raw.expected;
  if (raw.file_expected !== undefined) testCase.file_expected = raw.file_expected;
  return testCase;
}

// Rules across fields and stages that a shape cannot say: stdin vs file_stdin, assets that must
// exist, unique test ids, and whether each test's executable exists by the time it runs.
import { normalizeAssetPath } from './assets.js';
import { formatPath, type PathSegment, type ProblemCollector } from './problems.js';
import { DEFAULT_COMPILE_OUTPUT } from './types.js';
import type { Language, StageKind } from './types.js';

/** A stage as written, before it is known to be valid; checks read it defensively. */
export interface StageFacts {
  key: string;
  kind: StageKind;
  value: Record<string, unknown>;
}

/** What the settings say about files, read defensively so stage checks run even if settings are bad. */
export interface FileContext {
  language?: Language;
  /** Template files when `use_template: FILENAMES`; undefined otherwise. */
  template?: ReadonlySet<string>;
  useProvided: boolean;
  assets: ReadonlySet<string>;
}

/** Checks every stdioTest's test cases: inputs and outputs, assets, ids, and executables. */
export function checkStages(
  stages: readonly StageFacts[],
  ctx: FileContext,
  problems: ProblemCollector,
): void {
  const producers = new Map<string, { index: number; key: string }>();
  stages.forEach((stage, index) => {
    if (stage.kind === 'compile' && ctx.language !== 'java') {
      const output =
        typeof stage.value.output === 'string' ? stage.value.output : DEFAULT_COMPILE_OUTPUT;
      const file = normalizeAssetPath(output) ?? output;
      if (!producers.has(file)) producers.set(file, { index, key: stage.key });
    }
  });

  // Test ids are unique across the config: a report, a gradebook column and a student's view
  // name a test by its id alone.
  const seenIds = new Map<number, string>();
  let scoreStage: string | undefined;
  stages.forEach((stage, index) => {
    if (stage.kind === 'stdioTest') {
      checkStdioTest(stages, index, producers, seenIds, ctx, problems);
    }
    if (stage.kind === 'score') {
      if (scoreStage !== undefined) {
        problems.error(
          [stage.key],
          `only one score stage is allowed; ${scoreStage} already is one`,
        );
      }
      scoreStage ??= stage.key;
      const { minScore, maxScore } = stage.value;
      if (typeof minScore === 'number' && typeof maxScore === 'number' && minScore > maxScore) {
        problems.error(
          [stage.key, 'minScore'],
          `minScore ${minScore} is above maxScore ${maxScore}`,
        );
      }
    }
    if (stage.kind === 'compile' && ctx.language === 'python') {
      problems.error(
        [stage.key],
        'python is interpreted: a compile stage does not apply (test cases run their file with python3)',
      );
    }
    if (stage.kind === 'fileStructureValidation' && ctx.template === undefined) {
      problems.error(
        [stage.key],
        'needs the files to look for: set _settings.use_template: FILENAMES and _settings.template',
      );
    }
  });
}

function checkStdioTest(
  stages: readonly StageFacts[],
  index: number,
  producers: ReadonlyMap<string, { index: number; key: string }>,
  seenIds: Map<number, string>,
  ctx: FileContext,
  problems: ProblemCollector,
): void {
  const stage = stages[index]!;
  const testCases = stage.value.testCases;
  if (!Array.isArray(testCases)) return;
  testCases.forEach((testCase: unknown, i) => {
    if (!isRecord(testCase)) return;
    const at: PathSegment[] = [stage.key, 'testCases', i];
    if ('stdin' in testCase && 'file_stdin' in testCase) {
      problems.error(at, 'stdin and file_stdin are both given; keep one');
    }
    const hasExpected = 'expected' in testCase;
    const hasFileExpected = 'file_expected' in testCase;
    if (hasExpected && hasFileExpected) {
      problems.error(at, 'expected and file_expected are both given; keep one');
    } else if (!hasExpected && !hasFileExpected) {
      problems.error(
        at,
        'missing expected or file_expected: a test needs the output to compare with',
      );
    }
    for (const field of ['file_stdin', 'file_expected'] as const) {
      const path = testCase[field];
      if (typeof path === 'string' && path !== '') checkAsset(path, [...at, field], ctx, problems);
    }
    const id = testCase.id;
    if (typeof id === 'number' && Number.isInteger(id)) {
      const first = seenIds.get(id);
      if (first === undefined) seenIds.set(id, formatPath([stage.key, 'testCases', i]));
      else
        problems.error(
          [...at, 'id'],
          `duplicate test id ${id} (also ${first}); test ids are unique across all stdioTest stages`,
        );
    }
    if (typeof testCase.file === 'string' && testCase.file !== '') {
      checkExecutable(testCase.file, [...at, 'file'], stages, index, producers, ctx, problems);
    }
  });
}

function checkAsset(
  path: string,
  at: PathSegment[],
  ctx: FileContext,
  problems: ProblemCollector,
): void {
  const normalized = normalizeAssetPath(path);
  if (normalized === undefined) {
    problems.error(at, `file ${path} must be a relative path inside the config's assets`);
  } else if (!ctx.assets.has(normalized)) {
    problems.error(at, `file ${path} is not among the config's assets`);
  }
}

/**
 * A test's `file` must exist when the test runs: an earlier compile's output or make target, a
 * template file, or a provided asset. After a make or shellExec stage that does not name it, it
 * may still exist (they can create any file), so that is only a warning; otherwise an error.
 */
function checkExecutable(
  file: string,
  at: PathSegment[],
  stages: readonly StageFacts[],
  index: number,
  producers: ReadonlyMap<string, { index: number; key: string }>,
  ctx: FileContext,
  problems: ProblemCollector,
): void {
  const name = normalizeAssetPath(file) ?? file;
  const earlier = stages.slice(0, index);
  if (ctx.template?.has(name)) return;
  if (ctx.useProvided && ctx.assets.has(name)) return;
  const producer = producers.get(name);
  if (producer !== undefined && producer.index < index) return;
  if (ctx.language === 'java' && earlier.some((s) => s.kind === 'compile')) return;
  if (earlier.some((s) => s.kind === 'make' && listOf(s.value.targets).includes(name))) return;

  const opaque = earlier
    .filter((s) => s.kind === 'make' || s.kind === 'shellExec')
    .map((s) => s.key);
  if (opaque.length > 0) {
    problems.warn(
      at,
      `file ${file} is not a compile output, make target, template or provided file; assuming ${opaque.join(' or ')} creates it`,
    );
    return;
  }
  let reason = `file ${file} is not produced by an earlier compile or make stage, nor a template or provided file`;
  if (producer !== undefined)
    reason = `file ${file} is produced by ${producer.key}, which runs after this test`;
  else if (ctx.language === 'java') reason = `class ${file} needs a compile stage before this test`;
  else if (!ctx.useProvided && ctx.assets.has(name)) {
    reason += ` (it is among the assets, but _settings.use_provided is not true)`;
  }
  problems.error(at, reason);
}

function listOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

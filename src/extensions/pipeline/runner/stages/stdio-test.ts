// stdioTest: each test case runs its file with its args and stdin in a fresh sandbox; the run's
// classification, then its output against the expected one, give the verdict.
import { normalizeAssetPath } from '../../config/assets.js';
import type { StdioTestStage, TestCase } from '../../config/types.js';
import { classifyRun } from '../../sandbox/index.js';
import type { SandboxResult } from '../../sandbox/index.js';
import { REPORT_OUTPUT_CAP_BYTES, outputText } from '../../report/output-text.js';
import type { StdioTestStageReport, TestReport, TestVerdict } from '../../report/types.js';
import { testCommand } from '../commands.js';
import { comparableLines, sameLines } from '../compare.js';
import { WORK_DIR_LIMIT_TEXT, testLimits } from '../limits.js';
import { runInSandbox } from '../stage-context.js';
import type { StageContext } from '../stage-context.js';
import { unifiedDiff } from '../unified-diff.js';

/** Runs every test case in order; the stage fails unless every test PASSED. */
export async function runStdioTest(
  ctx: StageContext,
  stage: StdioTestStage,
): Promise<Omit<StdioTestStageReport, 'durationMs'>> {
  const tests: TestReport[] = [];
  for (const testCase of stage.testCases) tests.push(await runTestCase(ctx, stage, testCase));
  const allPassed = tests.every((test) => test.verdict === 'PASSED');
  return { kind: 'stdioTest', key: stage.key, status: allPassed ? 'succeeded' : 'failed', tests };
}

/** The report of a stdioTest stage that did not run: every test SKIPPED, scoring nothing. */
export function skippedStdioTest(stage: StdioTestStage, reason: string): StdioTestStageReport {
  return {
    kind: 'stdioTest',
    key: stage.key,
    status: 'skipped',
    durationMs: 0,
    tests: stage.testCases.map((testCase) => ({
      ...testIdentity(testCase),
      verdict: 'SKIPPED',
      score: 0,
      command: [],
      stdin: null,
      expected: null,
      actual: null,
      diff: null,
      stderr: null,
      exitCode: null,
      signal: null,
      timeMs: 0,
      cpuTimeMs: 0,
      memoryBytes: 0,
      message: `not run: ${reason}`,
    })),
  };
}

function testIdentity(testCase: TestCase) {
  return {
    id: testCase.id,
    maxScore: testCase.score,
    visibility: testCase.visibility,
    hideFromReport: [...testCase.hide_from_report],
  };
}

async function runTestCase(
  ctx: StageContext,
  stage: StdioTestStage,
  testCase: TestCase,
): Promise<TestReport> {
  const stdin = testInput(ctx, testCase, 'file_stdin', testCase.stdin) ?? Buffer.alloc(0);
  const expected = testInput(ctx, testCase, 'file_expected', testCase.expected) ?? Buffer.alloc(0);
  const { settings } = ctx.config;
  const planned = testCommand(
    settings.lang,
    testCase.file,
    testCase.args,
    testLimits(settings, testCase),
  );
  const result = await runInSandbox(ctx, planned.command, planned.limits, {
    stdin,
    isolated: true,
    ...(planned.env === undefined ? {} : { env: planned.env }),
  });

  const classification = classifyRun(result);
  let verdict: TestVerdict;
  let diff: string | null = null;
  if (classification.verdict === 'OK') {
    const want = comparableLines(expected, stage.diff_ignore_flags);
    const got = comparableLines(result.stdout, stage.diff_ignore_flags);
    verdict = sameLines(want, got) ? 'PASSED' : 'WRONG_OUTPUT';
    // Twice the cap in characters is always past the cap in bytes: the report then cuts it.
    if (verdict === 'WRONG_OUTPUT') diff = unifiedDiff(want, got, 2 * REPORT_OUTPUT_CAP_BYTES);
  } else {
    verdict = classification.verdict;
  }
  return {
    ...testIdentity(testCase),
    verdict,
    score: verdict === 'PASSED' ? testCase.score : 0,
    command: planned.command,
    stdin: outputText(stdin),
    expected: outputText(expected),
    actual: outputText(result.stdout),
    diff: diff === null ? null : outputText(diff),
    stderr: outputText(result.stderr),
    exitCode: result.exitCode,
    signal: result.signal,
    timeMs: Math.round(result.wallTimeMs),
    cpuTimeMs: Math.round(result.cpuTimeMs),
    memoryBytes: result.peakMemoryBytes,
    message: testMessage(result, testCase, verdict),
  };
}

/** The inline value, else the asset's bytes (splitAssets made sure every named asset exists). */
function testInput(
  ctx: StageContext,
  testCase: TestCase,
  field: 'file_stdin' | 'file_expected',
  inline: string | undefined,
): Buffer | undefined {
  if (inline !== undefined) return Buffer.from(inline, 'utf8');
  const path = testCase[field];
  if (path === undefined) return undefined;
  return ctx.testData.get(normalizeAssetPath(path) ?? path);
}

function testMessage(
  result: SandboxResult,
  testCase: TestCase,
  verdict: TestVerdict,
): string | null {
  if (result.execError !== null) {
    return `cannot run ${testCase.file}: ${result.execError === 'ENOENT' ? 'no such file (did an earlier stage fail?)' : result.execError}`;
  }
  switch (verdict) {
    case 'TIME_LIMIT_EXCEEDED':
      return result.timedOut
        ? `killed after the wall-time limit of ${testCase.time_limit_secs} s`
        : `used more CPU time than allowed (time limit ${testCase.time_limit_secs} s)`;
    case 'MEMORY_LIMIT_EXCEEDED':
      return `ran out of memory (limit ${testCase.memory_limit_mb} MiB)`;
    case 'OUTPUT_LIMIT_EXCEEDED':
      return result.fileSizeExceeded
        ? 'wrote a file larger than allowed'
        : result.workDirFull && !result.outputExceeded
          ? `filled the work dir (${WORK_DIR_LIMIT_TEXT})`
          : `printed more than the output limit of ${testCase.output_limit_kb} KiB`;
    case 'RUNTIME_ERROR':
      return result.signal !== null
        ? `killed by ${result.signal}`
        : `exited with code ${result.exitCode ?? 'unknown'}`;
    default:
      return null;
  }
}

// The student's view of a report: what `visibility` and `hide_from_report` hide is removed. The
// staff view is the report itself. Nothing of a hidden test (its input, expected output, the
// program's output, the diff) survives in any field.
import type { GradingConfig, HiddenItem, TestCase, Visibility } from '../config/types.js';
import type {
  GradingReport,
  ScoreReports,
  StageReport,
  StdioTestStageReport,
  TestReport,
} from './types.js';
import { countVerdicts } from './verdict-counts.js';

/** A test the student may not see: only that it exists. */
export interface HiddenTestReport {
  id: number;
  hidden: true;
}

export interface StudentStdioTestStageReport extends Omit<
  StdioTestStageReport,
  'tests' | 'status'
> {
  tests: Array<TestReport | HiddenTestReport>;
  /**
   * `hidden` when every test the student sees passed but some are hidden: neither succeeded
   * (it may have failed for staff) nor failed (that would tell a hidden test's result).
   */
  status: StdioTestStageReport['status'] | 'hidden';
}

export type StudentStageReport =
  Exclude<StageReport, StdioTestStageReport> | StudentStdioTestStageReport;

/**
 * A report as a student sees it. Before grading is released, when some test is hidden, the
 * score is withheld (null; the score stage's report is left out) and scoreReports sums only
 * the visible tests: a total would give the hidden tests' results away.
 */
export interface StudentReport extends Omit<GradingReport, 'stageReports' | 'score' | 'maxScore'> {
  stageReports: Record<string, StudentStageReport>;
  score: number | null;
  maxScore: number | null;
  scoreWithheld: boolean;
}

export interface StudentViewOptions {
  /** Staff released the grading of this collection (VISIBLE_AFTER_GRADING tests show). */
  gradingReleased: boolean;
}

/**
 * The student's view of `report`. Each test's visibility and hide_from_report are taken from
 * `config` and from the report, the stricter of the two: a config edited later cannot reveal
 * what the report was made hiding.
 */
export function studentView(
  report: GradingReport,
  config: GradingConfig,
  options: StudentViewOptions,
): StudentReport {
  const rules = testRules(config);
  const stageReports: Record<string, StudentStageReport> = {};
  const visibleItems = new Set<string>();
  let anyHidden = false;
  for (const [key, stage] of Object.entries(report.stageReports)) {
    if (stage.kind !== 'stdioTest') {
      // A stage after a hidden test could print what it learnt of it: only its verdict shows.
      stageReports[key] = anyHidden ? withoutOutput(stage) : stage;
      continue;
    }
    const tests = stage.tests.map((test): TestReport | HiddenTestReport => {
      const rule = rules.get(`${key}\u0000${test.id}`);
      const visibilities = [test.visibility, ...(rule ? [rule.visibility] : [])];
      if (!visibilities.every((v) => isVisible(v, test, options.gradingReleased))) {
        anyHidden = true;
        return { id: test.id, hidden: true };
      }
      visibleItems.add(`${key}\u0000${test.id}`);
      return withoutHiddenItems(test, [...test.hideFromReport, ...(rule?.hide_from_report ?? [])]);
    });
    const hidesSome = tests.some((test) => 'hidden' in test);
    stageReports[key] = {
      ...stage,
      tests,
      status: visibleStatus(stage, tests),
      // The stage's time is the sum of its tests': it would tell how long hidden ones ran.
      durationMs: hidesSome ? 0 : stage.durationMs,
    };
  }

  const withheld = anyHidden && !options.gradingReleased;
  const items = report.scoreReports.items.filter((item) =>
    visibleItems.has(`${item.stageKey}\u0000${item.testId}`),
  );
  let scoreReports: ScoreReports;
  if (withheld) {
    scoreReports = {
      items,
      accumulatedScore: items.reduce((sum, item) => sum + item.score, 0),
      totalScore: items.reduce((sum, item) => sum + item.maxScore, 0),
    };
    for (const [key, stage] of Object.entries(stageReports)) {
      if (stage.kind === 'score') delete stageReports[key];
    }
  } else {
    scoreReports = { ...report.scoreReports, items };
  }
  return {
    configVersion: report.configVersion,
    startedAt: report.startedAt,
    finishedAt: report.finishedAt,
    stageReports,
    scoreReports,
    score: withheld ? null : report.score,
    maxScore: withheld ? null : report.maxScore,
    scoreWithheld: withheld,
    verdicts: countVerdicts(Object.values(stageReports)),
    pipelineError: report.pipelineError,
  };
}

/** A build stage's report without its command's output and timing. */
function withoutOutput(
  stage: Exclude<StageReport, StdioTestStageReport>,
): Exclude<StageReport, StdioTestStageReport> {
  if (
    (stage.kind === 'compile' || stage.kind === 'make' || stage.kind === 'shellExec') &&
    'run' in stage
  ) {
    return {
      ...stage,
      run: null,
      message: stage.message === null ? null : 'failed',
      durationMs: 0,
    };
  }
  return stage;
}

/** Whether a test with `visibility` shows to the student. */
function isVisible(visibility: Visibility, test: TestReport, released: boolean): boolean {
  switch (visibility) {
    case 'ALWAYS_VISIBLE':
      return true;
    case 'ALWAYS_HIDDEN':
      return false;
    case 'VISIBLE_AFTER_GRADING':
      return released;
    case 'VISIBLE_AFTER_GRADING_IF_FAILED':
      return released && test.verdict !== 'PASSED';
  }
}

/**
 * Removes what hide_from_report names. The diff holds both the expected and the actual output,
 * so it goes with STDOUT too; hiding DIFF hides the expected output as well (the diff is how a
 * report shows it), so a test can show the student's output without the answer.
 */
function withoutHiddenItems(test: TestReport, hidden: readonly HiddenItem[]): TestReport {
  const hide = new Set(hidden);
  const out: TestReport = { ...test, hideFromReport: [...hide] };
  if (hide.has('STDIN')) out.stdin = null;
  if (hide.has('STDOUT')) {
    out.actual = null;
    out.diff = null;
  }
  if (hide.has('STDERR')) out.stderr = null;
  if (hide.has('DIFF')) {
    out.diff = null;
    out.expected = null;
  }
  return out;
}

/** A stage's status as far as its visible tests tell: a hidden failure is not given away. */
/**
 * A stdioTest stage's status as a student sees it, never contradicting the staff view: failed
 * when a visible test failed (then the stage failed for staff too), the staff's status when
 * nothing is hidden, and `hidden` otherwise.
 */
function visibleStatus(
  stage: StdioTestStageReport,
  tests: Array<TestReport | HiddenTestReport>,
): StudentStdioTestStageReport['status'] {
  if (stage.status === 'skipped') return 'skipped';
  if (tests.some((test) => !('hidden' in test) && test.verdict !== 'PASSED')) return 'failed';
  return tests.some((test) => 'hidden' in test) ? 'hidden' : stage.status;
}

function testRules(config: GradingConfig): Map<string, TestCase> {
  const rules = new Map<string, TestCase>();
  for (const stage of config.stages) {
    if (stage.kind !== 'stdioTest') continue;
    for (const testCase of stage.testCases) rules.set(`${stage.key}\u0000${testCase.id}`, testCase);
  }
  return rules;
}

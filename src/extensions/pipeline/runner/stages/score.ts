// Scoring: every test case with a score is an item; the score stage normalises and clips the
// sum. A report always has a score, with or without a score stage, whatever stopped early.
import type { ScoreStage } from '../../config/types.js';
import type { ScoreReports, ScoreStageReport, StageReport } from '../../report/types.js';

/** Scores are kept to 6 decimals so 2/3 of 100 prints as 66.666667, not a float's tail. */
function tidy(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

function clip(value: number, min: number | undefined, max: number | undefined): number {
  let out = value;
  if (max !== undefined) out = Math.min(out, max);
  if (min !== undefined) out = Math.max(out, min);
  return out;
}

/** The items and sums of every stdioTest's tests, skipped ones included (they score 0). */
export function scoreReportsOf(
  stageReports: readonly StageReport[],
  stage?: ScoreStage,
): ScoreReports {
  const items = stageReports.flatMap((report) =>
    report.kind === 'stdioTest'
      ? report.tests.map((test) => ({
          stageKey: report.key,
          testId: test.id,
          score: test.score,
          maxScore: test.maxScore,
        }))
      : [],
  );
  const accumulatedScore = tidy(items.reduce((sum, item) => sum + item.score, 0));
  const totalScore = tidy(items.reduce((sum, item) => sum + item.maxScore, 0));
  const out: ScoreReports = { items, accumulatedScore, totalScore };
  if (stage?.normalizedTo !== undefined) {
    out.normalizedScore =
      totalScore > 0 ? tidy((accumulatedScore / totalScore) * stage.normalizedTo) : 0;
  }
  return out;
}

/** The final score and its maximum: normalised when asked, then clipped to minScore..maxScore. */
export function finalScore(
  reports: ScoreReports,
  stage?: ScoreStage,
): { score: number; maxScore: number } {
  const raw = reports.normalizedScore ?? reports.accumulatedScore;
  const rawMax = stage?.normalizedTo ?? reports.totalScore;
  return {
    score: tidy(clip(raw, stage?.minScore, stage?.maxScore)),
    maxScore: tidy(clip(rawMax, stage?.minScore, stage?.maxScore)),
  };
}

/** The score stage's own report. */
export function scoreStageReport(stage: ScoreStage, reports: ScoreReports): ScoreStageReport {
  return {
    kind: 'score',
    key: stage.key,
    status: 'succeeded',
    durationMs: 0,
    accumulatedScore: reports.accumulatedScore,
    totalScore: reports.totalScore,
    normalizedTo: stage.normalizedTo ?? null,
    minScore: stage.minScore ?? null,
    maxScore: stage.maxScore ?? null,
    score: finalScore(reports, stage).score,
  };
}

// Verdict counts of a report: every test's verdict, each compile's and the template check's.
import { VERDICTS } from './types.js';
import type { StageReport, TestVerdict, Verdict } from './types.js';

/** The parts of a stage report the counts read; a student's view hides tests as { hidden }. */
type CountedStage =
  | Exclude<StageReport, { kind: 'stdioTest' }>
  | { kind: 'stdioTest'; tests: ReadonlyArray<{ verdict: TestVerdict } | { hidden: true }> };

/** How many of each verdict `stages` hold (hidden tests not counted); every verdict present. */
export function countVerdicts(stages: Iterable<CountedStage>): Record<Verdict, number> {
  const counts = Object.fromEntries(VERDICTS.map((verdict) => [verdict, 0])) as Record<
    Verdict,
    number
  >;
  for (const stage of stages) {
    if (stage.kind === 'stdioTest') {
      for (const test of stage.tests) if ('verdict' in test) counts[test.verdict] += 1;
    } else if (stage.status !== 'skipped' && 'verdict' in stage && stage.verdict !== null) {
      counts[stage.verdict] += 1;
    }
  }
  return counts;
}

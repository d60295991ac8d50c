// A delivery's headline verdict: the one a TA sorts by, from its report's verdict counts.

/** Verdicts from the most to the least severe; the first present is the headline. */
export const HEADLINE_ORDER = [
  'MISSING_FILES',
  'COMPILE_ERROR',
  'RUNTIME_ERROR',
  'MEMORY_LIMIT_EXCEEDED',
  'TIME_LIMIT_EXCEEDED',
  'OUTPUT_LIMIT_EXCEEDED',
  'WRONG_OUTPUT',
  'PASSED',
] as const;

/** The headline verdict of a graded delivery; `NO_TESTS` when its report has none. */
export function headlineVerdict(verdicts: Record<string, number>): string {
  for (const verdict of HEADLINE_ORDER) if ((verdicts[verdict] ?? 0) > 0) return verdict;
  return 'NO_TESTS';
}

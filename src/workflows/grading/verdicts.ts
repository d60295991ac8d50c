// A delivery's headline verdict: the one a TA sorts by, from its report's verdict counts.
// The order is documented in docs/batches.md (Headline verdict); keep the two in step.

/**
 * Verdicts from the first to the last to headline; the first present wins. Nothing ran when
 * files are missing or the build failed. Of the tests' failures, a limit the sandbox enforced
 * names its cause exactly (memory, then output), so it outranks a crash, which outranks a
 * timeout: a time limit is often where another fault ends up (a program that prints forever
 * hits the output limit on most tests and runs out of time on a slow one), and ranking it
 * first would hide the output- and memory-limit failures in the summary. A wrong answer is
 * the mildest failure.
 */
export const HEADLINE_ORDER = [
  'MISSING_FILES',
  'COMPILE_ERROR',
  'MEMORY_LIMIT_EXCEEDED',
  'OUTPUT_LIMIT_EXCEEDED',
  'RUNTIME_ERROR',
  'TIME_LIMIT_EXCEEDED',
  'WRONG_OUTPUT',
  'PASSED',
] as const;

/** The headline verdict of a graded delivery; `NO_TESTS` when its report has none. */
export function headlineVerdict(verdicts: Record<string, number>): string {
  for (const verdict of HEADLINE_ORDER) if ((verdicts[verdict] ?? 0) > 0) return verdict;
  return 'NO_TESTS';
}

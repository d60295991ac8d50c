// Config problems named by their YAML path, as staff read it: `stdioTest:hidden.testCases[0].score`.

/** One step of a path into the config: a mapping key (a stage key as written) or a list index. */
export type PathSegment = string | number;

/** Something wrong (or, as a warning, suspicious) in a grading config, named by its YAML path. */
export interface ConfigProblem {
  /** `_settings.lang`, `stdioTest.testCases[1].file_stdin`, `compile.flags[2]`; `(top level)` for the document. */
  path: string;
  message: string;
  /** 1-based line (and column) of the key or item the path names, or of its nearest written ancestor. */
  line?: number;
  column?: number;
}

/** The path of problems that concern the whole document (syntax errors, an empty file). */
export const TOP_LEVEL_PATH = '(top level)';

/** Formats path segments as staff write them: keys joined by `.`, list indices as `[i]`. */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out === '' ? TOP_LEVEL_PATH : out;
}

/** Finds the line and column of a path in the source; undefined when the source has no position. */
export type Locator = (
  segments: readonly PathSegment[],
) => { line: number; column: number } | undefined;

/** Collects errors and warnings as validation walks the config, so every problem is reported at once. */
export class ProblemCollector {
  readonly errors: ConfigProblem[] = [];
  readonly warnings: ConfigProblem[] = [];

  constructor(private readonly locate: Locator = () => undefined) {}

  /** Records a problem that makes the config unusable. */
  error(segments: readonly PathSegment[], message: string): void {
    this.errors.push(this.problem(segments, message));
  }

  /** Records an error at a known position (when the path alone would find another place). */
  errorAt(
    segments: readonly PathSegment[],
    message: string,
    at: { line: number; column: number },
  ): void {
    this.errors.push(this.problem(segments, message, at));
  }

  /** Records something suspicious that does not stop the config from being used. */
  warn(segments: readonly PathSegment[], message: string): void {
    this.warnings.push(this.problem(segments, message));
  }

  private problem(
    segments: readonly PathSegment[],
    message: string,
    at?: { line: number; column: number },
  ): ConfigProblem {
    const where = at ?? this.locate(segments);
    const problem: ConfigProblem = { path: formatPath(segments), message };
    if (where) {
      problem.line = where.line;
      problem.column = where.column;
    }
    return problem;
  }
}

/** Describes a value the way staff would recognise it in their YAML: `string "abc"`, `a list`, `nothing`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `text ${JSON.stringify(value)}`;
  if (typeof value === 'number') return `number ${value}`;
  if (typeof value === 'boolean') return `boolean ${value}`;
  if (typeof value === 'object') return 'a mapping';
  return typeof value;
}

/** The likely intended name for a misspelt one: within 2 edits (case-insensitive), else a prefix. */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (bestDistance <= Math.min(2, Math.floor(name.length / 2))) return best;
  // A shortened or lengthened name (`early_return` for `early_return_on_throw`).
  const lower = name.toLowerCase();
  return lower.length < 4
    ? undefined
    : candidates.find(
        (c) => c.toLowerCase().startsWith(lower) || lower.startsWith(c.toLowerCase()),
      );
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** Problems in the order staff read the file: by line, then column; unplaced ones first. */
export function inDocumentOrder(problems: readonly ConfigProblem[]): ConfigProblem[] {
  return [...problems].sort(
    (a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0),
  );
}

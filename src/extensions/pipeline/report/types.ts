// The report of one pipeline run on one delivery, in ZINC's shape: stageReports keyed by stage
// key, scoreReports, verdict counts, pipelineError and the config version. Plain JSON.
import type { HiddenItem, Visibility } from '../config/types.js';

/** How one test run ended (DOMAIN.md), or SKIPPED when an earlier stage stopped the pipeline. */
export const TEST_VERDICTS = [
  'PASSED',
  'WRONG_OUTPUT',
  'TIME_LIMIT_EXCEEDED',
  'MEMORY_LIMIT_EXCEEDED',
  'RUNTIME_ERROR',
  'OUTPUT_LIMIT_EXCEEDED',
  'SKIPPED',
] as const;
export type TestVerdict = (typeof TEST_VERDICTS)[number];

/** Every verdict a report counts: the tests', the compile stage's, and the template check's. */
export const VERDICTS = [...TEST_VERDICTS, 'COMPILED', 'COMPILE_ERROR', 'MISSING_FILES'] as const;
export type Verdict = (typeof VERDICTS)[number];

/**
 * Captured bytes as stored in a report: decoded as UTF-8 (invalid bytes become U+FFFD, and
 * `invalidUtf8` says so) and cut at the report's cap (`truncated`; `bytes` is the full size).
 */
export interface OutputText {
  text: string;
  bytes: number;
  truncated: boolean;
  invalidUtf8: boolean;
  /**
   * Only in a stored report, for a large test input or expected output: the object key of the
   * whole text (stored once per config version; `text` is then its head). Readers resolve it.
   */
  ref?: string;
}

/** `succeeded`/`failed` for a stage that ran; `skipped` after an early return or a refused delivery. */
export type StageStatus = 'succeeded' | 'failed' | 'skipped';

/** One command a stage ran in the sandbox, as a report shows it. */
export interface CommandReport {
  /** argv inside the sandbox (cwd /work). */
  command: string[];
  exitCode: number | null;
  signal: string | null;
  /** The wall-time limit (stage_wait_duration_secs) ended it. */
  timedOut: boolean;
  /** Why it failed beyond its exit status: memory, output or file-size limit, cannot start. */
  limitExceeded: 'MEMORY' | 'OUTPUT' | 'CPU_TIME' | null;
  wallTimeMs: number;
  peakMemoryBytes: number;
  stdout: OutputText;
  stderr: OutputText;
}

interface StageReportBase {
  key: string;
  /** Only a stdioTest or a SkippedStageReport is ever `skipped`. */
  status: StageStatus;
  /** Host wall time of the whole stage. */
  durationMs: number;
  /** A build stage taken from the build cache: this report (its run, output and duration) is
   * the one of the identical build it was kept from. */
  fromCache?: true;
}

export interface FileStructureStageReport extends StageReportBase {
  kind: 'fileStructureValidation';
  status: 'succeeded' | 'failed';
  verdict: 'MISSING_FILES' | null;
  /** Template files the delivery lacks. */
  missingFiles: string[];
  /** Delivered files outside the template and not matched by ignore_in_submission (not graded). */
  extraFiles: string[];
}

export interface CompileStageReport extends StageReportBase {
  kind: 'compile';
  status: 'succeeded' | 'failed';
  verdict: 'COMPILED' | 'COMPILE_ERROR';
  success: boolean;
  /** The files the input globs matched, in the order given to the compiler. */
  inputs: string[];
  /** zinc's own explanation when the compiler's output alone does not say (no input, timeout...). */
  message: string | null;
  /** null when nothing was run (no input matched). */
  run: CommandReport | null;
}

export interface CommandStageReport extends StageReportBase {
  kind: 'make' | 'shellExec';
  status: 'succeeded' | 'failed';
  success: boolean;
  message: string | null;
  /** null only in the student's view, when the stage ran after a hidden test. */
  run: CommandReport | null;
}

export interface TestReport {
  id: number;
  verdict: TestVerdict;
  score: number;
  maxScore: number;
  visibility: Visibility;
  hideFromReport: HiddenItem[];
  /** What the test ran, e.g. ['./rational'] or ['python3', 'main.py']. */
  command: string[];
  stdin: OutputText | null;
  expected: OutputText | null;
  /** The program's stdout. */
  actual: OutputText | null;
  /** Unified diff expected → actual after diff_ignore_flags; null unless WRONG_OUTPUT. */
  diff: OutputText | null;
  stderr: OutputText | null;
  exitCode: number | null;
  signal: string | null;
  timeMs: number;
  cpuTimeMs: number;
  memoryBytes: number;
  /** Why the verdict is what it is when the streams do not say (e.g. the file cannot be run). */
  message: string | null;
}

export interface StdioTestStageReport extends StageReportBase {
  kind: 'stdioTest';
  tests: TestReport[];
}

export interface ScoreStageReport extends StageReportBase {
  kind: 'score';
  status: 'succeeded' | 'failed';
  accumulatedScore: number;
  totalScore: number;
  normalizedTo: number | null;
  minScore: number | null;
  maxScore: number | null;
  /** The final score after normalisation and clipping. */
  score: number;
}

/** A non-test stage that did not run (stdioTest keeps its tests, each SKIPPED). */
export interface SkippedStageReport extends StageReportBase {
  kind: 'fileStructureValidation' | 'compile' | 'make' | 'shellExec';
  status: 'skipped';
}

export type StageReport =
  | FileStructureStageReport
  | CompileStageReport
  | CommandStageReport
  | StdioTestStageReport
  | ScoreStageReport
  | SkippedStageReport;

/** One scorable item: a test case with a score. */
export interface ScoreItem {
  stageKey: string;
  testId: number;
  score: number;
  maxScore: number;
}

export interface ScoreReports {
  items: ScoreItem[];
  /** Sum of the items' scores. */
  accumulatedScore: number;
  /** Sum of the items' maxScores. */
  totalScore: number;
  /** accumulatedScore scaled to the score stage's normalizedTo; absent without one. */
  normalizedScore?: number;
}

/** The outcome of one pipeline on one delivery. JSON-serialisable. */
export interface GradingReport {
  configVersion: string;
  startedAt: string;
  finishedAt: string;
  /** Keyed by stage key, in stage order. */
  stageReports: Record<string, StageReport>;
  scoreReports: ScoreReports;
  /** The final score: the score stage's when there is one, else accumulatedScore. */
  score: number;
  maxScore: number;
  /** How many of each verdict: tests, compile stages, the template check. Every key present. */
  verdicts: Record<Verdict, number>;
  /** Why the pipeline did not run at all (a refused delivery), else null. */
  pipelineError: string | null;
  /** The build cache, when it was asked: the entry's key, whether the build stages came from it
   * (and when they ran). Absent when the cache is off or the config builds nothing. */
  buildCache?: { key: string; hit: boolean; builtAt?: string };
}

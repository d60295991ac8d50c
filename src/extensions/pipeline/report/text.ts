// A report as plain text for a terminal: one row per stage, one per test, the score, and the
// first lines of what explains a failure (compiler output, diff, stderr). `zinc try` prints a
// fresh report with it, `zinc report show` a stored one (staff or student view).
import type { HiddenTestReport, StudentReport, StudentStageReport } from './student-view.js';
import type { CommandReport, GradingReport, OutputText, TestReport } from './types.js';

/** Lines of a compiler output, diff or stderr shown under a failure. */
const EXCERPT_LINES = 15;

/** What formatReportText shows beyond the stages, tests and failures. */
export interface ReportTextOptions {
  /** Under a failed test, the first lines of its input (stdin) too. */
  inputs?: boolean;
}

/**
 * Renders `report` as aligned text: the staff view (nothing hidden) or the student's (hidden
 * tests shown as hidden, a withheld score said to be withheld).
 */
export function formatReportText(
  report: GradingReport | StudentReport,
  options: ReportTextOptions = {},
): string {
  const out: string[] = [];
  out.push(`config ${report.configVersion}`);
  if (report.pipelineError !== null) out.push(`pipeline error: ${report.pipelineError}`);
  out.push('');
  const rows = Object.values(report.stageReports).map((stage) => [
    stage.key,
    stageResult(stage),
    stageDetail(stage),
  ]);
  out.push(...aligned(['stage', 'result', 'detail'], rows));

  for (const stage of Object.values(report.stageReports)) {
    if (stage.status === 'skipped' && stage.kind !== 'stdioTest') continue;
    if (stage.kind === 'compile' && !stage.success && stage.run !== null) {
      out.push(
        '',
        `${stage.key}: ${stage.message ?? `the compiler exited with ${exitText(stage.run)}`}`,
      );
      out.push(...excerpt(stage.run.stderr), ...excerpt(stage.run.stdout));
    } else if (stage.kind === 'compile' && !stage.success) {
      out.push('', `${stage.key}: ${stage.message ?? 'failed'}`);
    } else if ((stage.kind === 'make' || stage.kind === 'shellExec') && !stage.success) {
      const run = stage.run;
      out.push(
        '',
        `${stage.key}: ${stage.message ?? (run ? `exited with ${exitText(run)}` : 'failed')}`,
      );
      if (run) out.push(...excerpt(run.stderr), ...excerpt(run.stdout));
    } else if (stage.kind === 'stdioTest') {
      out.push('', `${stage.key}:`);
      out.push(
        ...aligned(
          ['test', 'verdict', 'score', 'time', 'memory', 'note'],
          stage.tests.map(testRow),
        ).map((l) => `  ${l}`),
      );
      for (const test of stage.tests) {
        if (isHidden(test) || test.verdict === 'PASSED' || test.verdict === 'SKIPPED') continue;
        if (options.inputs && test.stdin !== null && test.stdin.text !== '') {
          out.push(`  test ${test.id} input:`, ...excerpt(test.stdin).map((l) => `  ${l}`));
        }
        const detail =
          test.diff !== null
            ? excerpt(test.diff)
            : test.stderr !== null
              ? excerpt(test.stderr)
              : [];
        if (detail.length > 0) out.push(`  test ${test.id}:`, ...detail.map((l) => `  ${l}`));
      }
    }
  }

  const scores = report.scoreReports;
  out.push('');
  let scoreLine =
    report.score === null
      ? `score withheld (hidden tests; visible tests ${scores.accumulatedScore} / ${scores.totalScore})`
      : `score ${report.score} / ${report.maxScore}`;
  if (report.score !== null && scores.normalizedScore !== undefined) {
    scoreLine += ` (tests ${scores.accumulatedScore} / ${scores.totalScore}, normalised)`;
  }
  out.push(scoreLine);
  const counts = Object.entries(report.verdicts)
    .filter(([, count]) => count > 0)
    .map(([verdict, count]) => `${verdict} ${count}`);
  out.push(`verdicts ${counts.length > 0 ? counts.join(', ') : 'none'}`);
  return `${out.join('\n')}\n`;
}

function isHidden(test: TestReport | HiddenTestReport): test is HiddenTestReport {
  return 'hidden' in test;
}

function stageResult(stage: StudentStageReport): string {
  if (stage.status === 'skipped') return 'SKIPPED';
  switch (stage.kind) {
    case 'fileStructureValidation':
      return stage.verdict ?? 'OK';
    case 'compile':
      return stage.verdict;
    case 'make':
    case 'shellExec':
      return stage.success ? 'OK' : 'FAILED';
    case 'stdioTest': {
      const shown = stage.tests.filter((test) => !isHidden(test));
      const passed = shown.filter((test) => !isHidden(test) && test.verdict === 'PASSED').length;
      const hidden = stage.tests.length - shown.length;
      return hidden > 0
        ? `${passed}/${shown.length} shown passed, ${hidden} hidden`
        : `${passed}/${stage.tests.length} passed`;
    }
    case 'score':
      return `${stage.score}`;
  }
}

function stageDetail(stage: StudentStageReport): string {
  if (stage.status === 'skipped') return '';
  switch (stage.kind) {
    case 'fileStructureValidation':
      return stage.missingFiles.length > 0 ? `missing: ${stage.missingFiles.join(', ')}` : '';
    case 'compile':
      return stage.run === null
        ? (stage.message ?? '')
        : `${stage.run.command.join(' ')} (${seconds(stage.run.wallTimeMs)}${stage.run.timedOut ? ', timed out' : ''}${fromCache(stage)})`;
    case 'make':
    case 'shellExec':
      return stage.run
        ? `${stage.run.command.join(' ')} (${seconds(stage.run.wallTimeMs)}${fromCache(stage)})`
        : '';
    case 'stdioTest':
      return '';
    case 'score':
      return stage.normalizedTo !== null ? `normalised to ${stage.normalizedTo}` : '';
  }
}

/** Says that a build stage was taken from the build cache (its time is the original build's). */
function fromCache(stage: StudentStageReport): string {
  return 'fromCache' in stage && stage.fromCache === true ? ', from the build cache' : '';
}

function testRow(test: TestReport | HiddenTestReport): string[] {
  if (isHidden(test)) return [String(test.id), 'hidden', '', '', '', ''];
  const note = test.message ?? '';
  if (test.verdict === 'SKIPPED')
    return [String(test.id), test.verdict, `0/${test.maxScore}`, '', '', ''];
  return [
    String(test.id),
    test.verdict,
    `${test.score}/${test.maxScore}`,
    seconds(test.timeMs),
    `${(test.memoryBytes / 1024 / 1024).toFixed(1)} MiB`,
    note,
  ];
}

function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function exitText(run: CommandReport): string {
  return run.signal !== null ? run.signal : `code ${run.exitCode}`;
}

function excerpt(output: OutputText): string[] {
  if (output.text === '') return [];
  const lines = output.text.replace(/\n$/, '').split('\n');
  const shown = lines.slice(0, EXCERPT_LINES).map((line) => `  | ${line}`);
  if (lines.length > EXCERPT_LINES || output.truncated) {
    shown.push(`  | ... (${output.bytes} bytes in all)`);
  }
  return shown;
}

function aligned(headers: string[], rows: string[][]): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)];
}

// One report: its stages, each test with expected and actual output side by side and their
// line diff (computed with the `diff` library), stdout and stderr, and time and memory against
// the test's limits. Staff see the whole report; a student sees the student view the API gives.
import { diffLines } from 'diff';
import type { GradingConfig, GradingReport } from '../../extensions/pipeline/index.js';
import { html, type Html } from '../html.js';

type StageReport = GradingReport['stageReports'][string];
type TestReport = Extract<StageReport, { kind: 'stdioTest' }>['tests'][number];
type OutputText = NonNullable<TestReport['actual']>;

/** The limits a test ran under, from its config (null when the config cannot tell). */
export type LimitsOf = (
  stageKey: string,
  testId: number,
) => { timeSecs: number; memoryMb: number } | null;

/** The limits of each test of a parsed config. */
export function limitsFrom(config: GradingConfig | null): LimitsOf {
  return (stageKey, testId) => {
    const stage = config?.stages.find((s) => s.key === stageKey) as
      | { testCases?: Array<{ id: number; time_limit_secs: number; memory_limit_mb: number }> }
      | undefined;
    const test = stage?.testCases?.find((t) => t.id === testId);
    return test ? { timeSecs: test.time_limit_secs, memoryMb: test.memory_limit_mb } : null;
  };
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

function output(label: string, text: OutputText | null | undefined): Html {
  if (!text) return html``;
  if (text.text === '' && !text.truncated) {
    return html`<p class="output">
      <strong>${label}</strong>: <span class="muted">(empty)</span>
    </p>`;
  }
  return html`<figure class="output">
    <figcaption>${label}${text.truncated ? ' (truncated)' : ''}</figcaption>
    <pre>${text.text}</pre>
  </figure>`;
}

/** Expected and actual side by side, lines that differ marked (removed / added). */
export function sideBySide(expected: string, actual: string): Html {
  type Cell = { text: string; kind: 'same' | 'removed' | 'added' | 'empty' };
  const rows: Array<[Cell, Cell]> = [];
  const lines = (v: string) => v.replace(/\n$/, '').split('\n');
  const parts = diffLines(expected, actual);
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (!part.added && !part.removed) {
      for (const l of lines(part.value))
        rows.push([
          { text: l, kind: 'same' },
          { text: l, kind: 'same' },
        ]);
    } else if (part.removed) {
      const next = parts[i + 1];
      const left = lines(part.value);
      const right = next?.added ? lines(next.value) : [];
      if (next?.added) i++;
      for (let j = 0; j < Math.max(left.length, right.length); j++) {
        rows.push([
          j < left.length ? { text: left[j]!, kind: 'removed' } : { text: '', kind: 'empty' },
          j < right.length ? { text: right[j]!, kind: 'added' } : { text: '', kind: 'empty' },
        ]);
      }
    } else {
      for (const l of lines(part.value))
        rows.push([
          { text: '', kind: 'empty' },
          { text: l, kind: 'added' },
        ]);
    }
  }
  const mark = { same: '', removed: '−', added: '+', empty: '' };
  const cell = (c: Cell) =>
    html`<td class="d-${c.kind}">
      <span class="mark" aria-hidden="true">${mark[c.kind]}</span
      >${c.kind === 'removed' || c.kind === 'added' ? html`<span class="sr">differs: </span>` : ''}<span
        class="line"
        >${c.text}</span
      >
    </td>`;
  return html`<div class="table-wrap">
    <table class="diff" aria-label="Expected and actual output, line by line">
      <thead>
        <tr>
          <th scope="col">Expected</th>
          <th scope="col">Actual</th>
        </tr>
      </thead>
      <tbody>
        ${rows.map(
          ([l, r]) =>
            html`<tr>
              ${cell(l)}${cell(r)}
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

function testBlock(stageKey: string, t: TestReport, limits: LimitsOf): Html {
  const limit = limits(stageKey, t.id);
  const timeOver = limit && t.timeMs > limit.timeSecs * 1000;
  return html`<details
    class="test"
    id="test-${stageKey}-${t.id}"
    ${t.verdict !== 'PASSED' ? html` open` : ''}
  >
    <summary>
      Test ${t.id} <span class="verdict v-${t.verdict}">${t.verdict}</span> ${t.score} /
      ${t.maxScore}
    </summary>
    <dl class="facts">
      ${
        t.command
          ? html`<dt>Command</dt>
              <dd><code>${t.command.join(' ')}</code></dd>`
          : ''
      }
      ${
        typeof t.timeMs === 'number'
          ? html`<dt>Time</dt><dd${timeOver ? html` class="over"` : ''}>${t.timeMs} ms${limit ? ` of ${limit.timeSecs * 1000} ms` : ''}</dd>
<dt>Memory</dt><dd>${mb(t.memoryBytes)}${limit ? ` of ${limit.memoryMb} MiB` : ''}</dd>`
          : ''
      }
      ${
        t.exitCode !== null
          ? html`<dt>Exit code</dt>
              <dd>${t.exitCode}</dd>`
          : ''
      }
      ${
        t.signal
          ? html`<dt>Signal</dt>
              <dd>${t.signal}</dd>`
          : ''
      }
      ${
        t.message
          ? html`<dt>Note</dt>
              <dd>${t.message}</dd>`
          : ''
      }
    </dl>
    ${output('Input', t.stdin)}
    ${
      t.expected && t.actual
        ? html`<h4>Expected and actual</h4>
            ${sideBySide(t.expected.text, t.actual.text)}`
        : html`${output('Expected', t.expected)}${output('Actual', t.actual)}`
    }
    ${t.diff ? output('Diff (as the grader compared them)', t.diff) : ''}
    ${t.stderr?.text ? output('Standard error', t.stderr) : ''}
  </details>`;
}

function runBlock(
  run: {
    wallTimeMs: number;
    peakMemoryBytes: number;
    exitCode: number | null;
    limitExceeded: string | null;
    stdout: OutputText;
    stderr: OutputText;
  } | null,
): Html {
  if (!run) return html``;
  return html`<dl class="facts">
      <dt>Time</dt>
      <dd>${run.wallTimeMs} ms</dd>
      <dt>Memory</dt>
      <dd>${mb(run.peakMemoryBytes)}</dd>
      <dt>Exit code</dt>
      <dd>${run.exitCode ?? '—'}</dd>
      ${
        run.limitExceeded
          ? html`<dt>Limit exceeded</dt>
              <dd class="over">${run.limitExceeded}</dd>`
          : ''
      }
    </dl>
    ${run.stdout.text ? output('Standard output', run.stdout) : ''}${run.stderr.text ? output('Standard error', run.stderr) : ''}`;
}

function stageBlock(key: string, stage: StageReport, limits: LimitsOf): Html {
  const verdict = 'verdict' in stage && stage.verdict ? stage.verdict : null;
  return html`<section class="stage" aria-labelledby="stage-${key}">
    <h3 id="stage-${key}">
      ${key}
      <span class="status s-${stage.status}">${stage.status}</span
      >${verdict ? html` <span class="verdict v-${verdict}">${verdict}</span>` : ''}
    </h3>
    ${
      stage.kind === 'stdioTest' && 'tests' in stage
        ? (stage.tests as Array<TestReport | { id: number; hidden: true }>).map((t) =>
            'hidden' in t
              ? html`<p class="test hidden-test" id="test-${key}-${t.id}">
                  Test ${t.id} is hidden: its result shows when grading is released.
                </p>`
              : testBlock(key, t, limits),
          )
        : ''
    }
    ${stage.kind === 'fileStructureValidation' && 'missingFiles' in stage && stage.missingFiles.length > 0 ? html`<p>Missing files: ${stage.missingFiles.join(', ')}</p>` : ''}
    ${'message' in stage && stage.message ? html`<p>${stage.message}</p>` : ''}
    ${'run' in stage ? runBlock(stage.run) : ''}
    ${stage.kind === 'score' && 'score' in stage ? html`<p>Score ${stage.score} (points ${stage.accumulatedScore} of ${stage.totalScore})</p>` : ''}
  </section>`;
}

/** The report's body. */
export function reportBody(o: {
  report: GradingReport;
  view: 'staff' | 'student';
  score: number | null;
  maxScore: number | null;
  student: string;
  batchId: string;
  limits: LimitsOf;
}): Html {
  const { report } = o;
  return html`<p class="summary">
      Student <strong>${o.student}</strong> · batch ${o.batchId} · score
      <strong>${o.score ?? '—'} / ${o.maxScore ?? '—'}</strong> ·
      ${o.view === 'staff' ? 'staff view (everything)' : 'student view'}
    </p>
    ${report.pipelineError ? html`<p class="msg error" role="alert">${report.pipelineError}</p>` : ''}
    ${Object.entries(report.stageReports ?? {}).map(([key, stage]) => stageBlock(key, stage, o.limits))}`;
}

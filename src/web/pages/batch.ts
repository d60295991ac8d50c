// A batch's page: status and live progress (the progress bar follows /batches/:id/events), the
// steering buttons, the results, and the place of regrade review and release.
import type { BatchView } from '../../api/batch-view.js';
import type { BatchDiff, DiffRow } from '../../core/batch-diff.js';
import type { ReleaseState } from '../../core/release-store.js';
import { html, type Html } from '../html.js';

const ENDED = new Set(['completed', 'cancelled', 'failed', 'terminated']);

/** Whether the batch has ended (nothing will change any more). */
export const batchEnded = (view: Pick<BatchView, 'status'>): boolean => ENDED.has(view.status);

/** Seconds left at the rate so far, or null when it cannot be told yet. */
export function secondsLeft(view: BatchView, now: Date): number | null {
  if (!view.startedAt || view.done === 0 || view.done >= view.total) return null;
  const elapsed = (now.getTime() - Date.parse(view.startedAt)) / 1000;
  return Math.max(0, Math.round((elapsed / view.done) * (view.total - view.done)));
}

/** What the progress stream sends each time: all the progress section shows. */
export function progressEvent(view: BatchView, now: Date) {
  return {
    status: view.status,
    total: view.total,
    done: view.done,
    errored: view.errored,
    inFlight: view.inFlight,
    counts: view.counts,
    secondsLeft: secondsLeft(view, now),
    stuck: view.stuck,
    ended: batchEnded(view),
  };
}

const describeLeft = (secs: number | null): string =>
  secs === null
    ? ''
    : secs < 90
      ? `about ${secs} s left`
      : `about ${Math.round(secs / 60)} min left`;

/** The status and progress section; app.js keeps it current from the event stream. */
export function progressSection(view: BatchView, now: Date): Html {
  const ended = batchEnded(view);
  const pct = view.total > 0 ? Math.round((100 * view.done) / view.total) : ended ? 100 : 0;
  return html`<section
    id="progress"
    aria-labelledby="progress-h"
    ${ended ? '' : html`data-events="/batches/${encodeURIComponent(view.batchId)}/events"`}
  >
    <h2 id="progress-h">Progress</h2>
    <p>
      Status:
      <strong id="batch-status" class="status s-${view.status}">${view.status}</strong>
      ${view.reason ? html` — <span>${view.reason}</span>` : ''}
    </p>
    <label for="batch-progress" class="progress-label"
      ><span id="progress-text">${view.done} of ${view.total} graded (${pct}%)</span>
      <span id="progress-left">${describeLeft(secondsLeft(view, now))}</span></label
    >
    <progress
      id="batch-progress"
      max="${Math.max(view.total, 1)}"
      value="${ended && view.total === 0 ? 1 : view.done}"
    >
      ${pct}%
    </progress>
    <ul id="verdict-counts" class="counts" aria-live="polite">
      ${Object.entries(view.counts)
        .filter(([, n]) => n > 0)
        .map(([v, n]) => html`<li><span class="verdict v-${v}">${v}</span> ${n}</li>`)}
    </ul>
    ${view.stuck ? html`<p class="msg error" role="alert" id="batch-stuck">${view.stuck}</p>` : html`<p id="batch-stuck" hidden></p>`}
  </section>`;
}

/** Pause, resume, cancel, terminate (with a reason) and regrade failed, each a small form. */
export function steeringSection(view: BatchView, csrf: string): Html {
  const base = `/batches/${encodeURIComponent(view.batchId)}`;
  const ended = batchEnded(view);
  const button = (action: string, label: string, enabled: boolean) =>
    html`<form
      method="post"
      action="${base}/${action}"
      class="inline"
      hx-post="${base}/${action}"
      hx-target="#steer-result"
      hx-select="#steer-result"
      hx-swap="outerHTML"
    >
      <input type="hidden" name="_csrf" value="${csrf}" /><button
        type="submit"
        ${enabled ? '' : html` disabled`}
      >
        ${label}
      </button>
    </form>`;
  return html`<section aria-labelledby="steer-h" class="steer">
    <h2 id="steer-h">Steer</h2>
    <div class="buttons">
      ${button('pause', 'Pause', !ended && view.status !== 'paused')}
      ${button('resume', 'Resume', !ended && view.status === 'paused')}
      ${button('cancel', 'Cancel', !ended)}
      ${button('regrade-failed', 'Regrade failed', ended && view.errored > 0)}
    </div>
    <form
      method="post"
      action="${base}/terminate"
      class="terminate"
      hx-post="${base}/terminate"
      hx-target="#steer-result"
      hx-select="#steer-result"
      hx-swap="outerHTML"
    >
      <input type="hidden" name="_csrf" value="${csrf}" />
      <label for="terminate-reason">Reason to terminate</label>
      <input
        id="terminate-reason"
        name="reason"
        required
        maxlength="500"
        ${ended ? html` disabled` : ''}
      />
      <button type="submit" class="danger" ${ended ? html` disabled` : ''}>Terminate now</button>
    </form>
    <div id="steer-result" aria-live="polite"></div>
  </section>`;
}

/**
 * REGRADE REVIEW AND RELEASE: the place for comparing this batch with another (changed students
 * highlighted) and releasing its grades, once the server offers batch diff and release
 * (`zinc batch diff`, `zinc batch release`). Until then it says so, and links nothing.
 */
export interface ReviewInput {
  batchId: string;
  status: string;
  /** Whether students see this batch's grades: released, superseded by a later release, or not. */
  released: ReleaseState;
  /** Other completed batches of the collection, newest first, to compare with. */
  others: readonly string[];
  /** The comparison asked for (?against=<batch>), if any. */
  diff: BatchDiff | null;
  csrf: string;
}

const CHANGE_WORDS: Record<DiffRow['change'], string> = {
  improved: 'improved',
  worsened: 'worsened',
  changed: 'changed',
  'only-in-old': 'only in the other batch',
  'only-in-new': 'only in this batch',
};

const scoreText = (score: number | null, max: number | null): string =>
  score === null ? '—' : max === null ? String(score) : `${score} / ${max}`;

/** The comparison with another batch: the students whose score or verdict changed. */
function diffTable(diff: BatchDiff): Html {
  const c = diff.counts;
  return html`<div id="diff">
    <p>
      Compared with
      <a href="/batches/${encodeURIComponent(diff.oldBatchId)}">${diff.oldBatchId}</a>:
      <strong>${c.changed}</strong> changed (${c.improved} improved, ${c.worsened} worsened),
      ${c.unchanged} unchanged, ${c.onlyInOld} only in the other batch, ${c.onlyInNew} only in this
      one${diff.partial ? html` <span class="muted">(partial: a batch is still running)</span>` : ''}.
    </p>
    ${
      diff.rows.length === 0
        ? html`<p>No student's score or verdict changed.</p>`
        : html`<div class="table-wrap">
            <table class="diff-table">
              <caption class="visually-hidden">
                Students whose result changed
              </caption>
              <thead>
                <tr>
                  <th scope="col">Student</th>
                  <th scope="col">Change</th>
                  <th scope="col">Before</th>
                  <th scope="col">After</th>
                  <th scope="col">Delta</th>
                </tr>
              </thead>
              <tbody>
                ${diff.rows.map(
                  (r) =>
                    html`<tr class="change-${r.change}">
                      <th scope="row">${r.student}</th>
                      <td>${CHANGE_WORDS[r.change]}</td>
                      <td>${r.oldVerdict ?? '—'} ${scoreText(r.oldScore, r.maxScore)}</td>
                      <td>${r.newVerdict ?? '—'} ${scoreText(r.newScore, r.maxScore)}</td>
                      <td>
                        ${r.delta === null ? '' : r.delta > 0 ? `+${r.delta}` : String(r.delta)}
                      </td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`
    }
  </div>`;
}

/** Regrade review (compare with another batch of the collection) and release to students. */
export function reviewSection(input: ReviewInput): Html {
  const base = `/batches/${encodeURIComponent(input.batchId)}`;
  const state =
    input.released === 'released'
      ? 'Released: students of the collection see these grades.'
      : input.released === 'superseded'
        ? 'Superseded: released once, then another batch of the collection was released.'
        : 'Not released: students do not see these grades.';
  return html`<section aria-labelledby="review-h" class="review" id="review">
    <h2 id="review-h">Regrade review and release</h2>
    <p id="release-state">${state}</p>
    ${
      input.others.length > 0
        ? html`<form method="get" action="${base}" class="inline">
            <label for="against">Compare with</label>
            <select id="against" name="against">
              ${input.others.map(
                (id) =>
                  html`<option value="${id}" ${input.diff?.oldBatchId === id ? html`selected` : ''}>
                    ${id}
                  </option>`,
              )}
            </select>
            <button type="submit">Compare</button>
          </form>`
        : html`<p class="muted">No other completed batch of this collection to compare with.</p>`
    }
    ${input.diff ? diffTable(input.diff) : ''}
    ${
      input.status === 'completed' && input.released !== 'released'
        ? html`<form method="post" action="${base}/release">
            <input type="hidden" name="_csrf" value="${input.csrf}" />
            <button type="submit">Release grades to students</button>
          </form>`
        : ''
    }
  </section>`;
}

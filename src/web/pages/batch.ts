// A batch's page: status and live progress (the progress bar follows /batches/:id/events), the
// steering buttons, the results, and the place of regrade review and release.
import type { BatchView } from '../../api/batch-view.js';
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
export function reviewSection(): Html {
  return html`<section aria-labelledby="review-h" class="review" id="review">
    <h2 id="review-h">Regrade review and release</h2>
    <p class="muted">
      Comparing two batches and releasing grades to students come with the server's batch diff and
      release; this server does not offer them yet.
    </p>
  </section>`;
}

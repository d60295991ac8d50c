// Home and collection pages: the courses a user teaches or takes; a collection's window,
// deliveries and batches with the start form (staff), or one's own deliveries, reports and the
// upload form (student).
import type { BatchRecord } from '../../core/batch-store.js';
import type { GradingScheduleView } from '../../core/grading-schedules.js';
import type { CollectionDetails, Delivery } from '../../extensions/submission/index.js';
import { html, type Html } from '../html.js';

const when = (iso: string | null): string =>
  iso ? iso.replace('T', ' ').slice(0, 16) + ' UTC' : '—';

/** The home page: collections grouped by course, staff ones first. */
export function homeBody(
  mine: Array<{ collection: CollectionDetails; role: 'staff' | 'student' }>,
): Html {
  if (mine.length === 0) return html`<p>You are not a member of any course.</p>`;
  const courses = new Map<string, typeof mine>();
  for (const m of mine) {
    const key = m.collection.course.id;
    courses.set(key, [...(courses.get(key) ?? []), m]);
  }
  return html`${[...courses.values()].map((list) => {
    const { course } = list[0]!.collection;
    const role = list[0]!.role;
    return html`<section class="course" aria-labelledby="c-${course.id}">
      <h2 id="c-${course.id}">
        ${course.code}${course.name && course.name !== course.code ? ` — ${course.name}` : ''}
        <span class="tag">${role === 'staff' ? 'staff' : 'student'}</span>
      </h2>
      <ul class="cards">
        ${list.map(
          ({ collection: c }) =>
            html`<li>
              <a href="/collections/${encodeURIComponent(c.id)}">${c.activity.name} · ${c.name}</a>
              <span class="muted">open ${when(c.startAt)} to ${when(c.stopAt)}</span>
            </li>`,
        )}
      </ul>
    </section>`;
  })}`;
}

/** The staff view of a collection. */
export function staffCollectionBody(o: {
  collection: CollectionDetails;
  deliveries: number;
  students: number;
  batches: BatchRecord[];
  configs: Array<{ id: string; addedAt: string }>;
  /** Its grading schedules (zinc schedule grade). */
  schedules: GradingScheduleView[];
  csrf: string;
  concurrency: number;
  error?: Html | undefined;
}): Html {
  const c = o.collection;
  return html`<dl class="facts">
      <dt>Window</dt>
      <dd>${when(c.startAt)} to ${when(c.stopAt)}</dd>
      <dt>Deliveries</dt>
      <dd>${o.deliveries} (latest of ${o.students} students)</dd>
      <dt>Grading configs</dt>
      <dd>${o.configs.length}</dd>
      <dt>Schedules</dt>
      <dd>
        ${
          o.schedules.length === 0
            ? 'none (zinc schedule grade)'
            : html`<ul class="plain">
                ${o.schedules.map(
                  (sc) =>
                    html`<li>
                      ${sc.timing} · fires ${when(sc.fireAt)} ·
                      ${sc.state}${sc.configVersion ? ` · ${sc.configVersion}` : ''}
                    </li>`,
                )}
              </ul>`
        }
      </dd>
    </dl>
    <section aria-labelledby="start-h">
      <h2 id="start-h">Start a batch</h2>
      ${o.error ?? ''}
      ${
        o.configs.length === 0
          ? html`<p>This collection has no grading config yet (zinc config add).</p>`
          : html`<form
              method="post"
              action="/collections/${encodeURIComponent(c.id)}/batches"
              class="stack"
            >
              <input type="hidden" name="_csrf" value="${o.csrf}" />
              <label for="config">Grading config</label>
              <select id="config" name="configVersion">
                ${o.configs.map(
                  (v, i) =>
                    html`<option value="${v.id}" ${i === 0 ? html` selected` : ''}>
                      ${v.id}${i === 0 ? ' (newest)' : ''}
                    </option>`,
                )}
              </select>
              <label for="concurrency">Concurrency (deliveries graded at once)</label>
              <input
                id="concurrency"
                name="concurrency"
                type="number"
                min="1"
                max="1000"
                inputmode="numeric"
                value="${o.concurrency}"
              />
              <label class="check"
                ><input type="checkbox" name="includeTest" value="true" /> Also grade staff test
                deliveries</label
              >
              <button type="submit" class="primary">Start batch</button>
            </form>`
      }
    </section>
    <section aria-labelledby="batches-h">
      <h2 id="batches-h">Batches</h2>
      ${
        o.batches.length === 0
          ? html`<p>No batches yet.</p>`
          : html`<div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Batch</th>
                    <th scope="col">Status</th>
                    <th scope="col">Graded</th>
                    <th scope="col">By</th>
                    <th scope="col">Started</th>
                  </tr>
                </thead>
                <tbody>
                  ${o.batches.map(
                    (b) =>
                      html`<tr>
                        <td><a href="/batches/${encodeURIComponent(b.id)}">${b.id}</a></td>
                        <td><span class="status s-${b.status}">${b.status}</span></td>
                        <td class="num">${b.done} / ${b.total}</td>
                        <td>${b.requestedBy}</td>
                        <td>${when(b.startedAt)}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </div>`
      }
    </section>`;
}

/** The student view of a collection: their deliveries with reports, and the upload form. */
export function studentCollectionBody(o: {
  collection: CollectionDetails;
  deliveries: Array<{ delivery: Delivery; reports: string[] }>;
  open: boolean;
}): Html {
  const c = o.collection;
  const action = `/collections/${encodeURIComponent(c.id)}/deliveries`;
  return html`<dl class="facts">
      <dt>Open</dt>
      <dd>${when(c.startAt)} to ${when(c.stopAt)}${o.open ? '' : ' (closed)'}</dd>
    </dl>
    <section aria-labelledby="upload-h">
      <h2 id="upload-h">Upload</h2>
      <form
        id="upload"
        class="stack upload"
        method="post"
        action="${action}"
        enctype="multipart/form-data"
        hx-post="${action}"
        hx-encoding="multipart/form-data"
        hx-target="#upload-result"
        hx-select="#upload-result"
        hx-swap="outerHTML"
      >
        <div class="drop" id="drop" tabindex="-1">
          <label for="files">Files (or drop them here)</label>
          <input id="files" name="files" type="file" multiple />
          <label for="archive">or one archive (zip, tar, tar.gz)</label>
          <input id="archive" name="archive" type="file" accept=".zip,.tar,.tgz,.tar.gz" />
        </div>
        <button type="submit" class="primary">Upload</button>
      </form>
      <div id="upload-result" aria-live="polite"></div>
    </section>
    <section aria-labelledby="mine-h">
      <h2 id="mine-h">My deliveries</h2>
      ${
        o.deliveries.length === 0
          ? html`<p>No deliveries yet.</p>`
          : html`<div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Submitted</th>
                    <th scope="col">Files</th>
                    <th scope="col">Reports</th>
                  </tr>
                </thead>
                <tbody>
                  ${o.deliveries.map(
                    ({ delivery: d, reports }) =>
                      html`<tr>
                        <td>
                          ${when(d.submittedAt)}${d.late ? html` <span class="tag late">late</span>` : ''}
                        </td>
                        <td>${d.manifest.map((f) => f.path).join(', ')}</td>
                        <td>
                          ${reports.length === 0 ? html`<span class="muted">not graded yet</span>` : reports.map((b, i) => html`<a href="/reports/${encodeURIComponent(b)}/${encodeURIComponent(d.id)}" title="${b}">Report${reports.length > 1 ? ` ${reports.length - i}` : ''}<span class="sr"> of batch ${b}</span></a> `)}
                        </td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </div>`
      }
    </section>`;
}

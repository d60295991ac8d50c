// A batch's results on its page: filters (verdict, score range, student), sortable columns, and a
// score histogram drawn by the server as inline SVG (no chart script).
import type { ResultRow } from '../../core/batch-results.js';
import { html, type Html } from '../html.js';

/** What the results table is asked for (the page's query string). */
export interface ResultsQuery {
  verdict?: string | undefined;
  q?: string | undefined;
  min?: string | undefined;
  max?: string | undefined;
  sort?: string | undefined;
  dir?: string | undefined;
}

const SORTS = ['student', 'verdict', 'score', 'submitted'] as const;
type Sort = (typeof SORTS)[number];

const percent = (r: ResultRow): number | null =>
  r.score === null || !r.maxScore ? null : (100 * r.score) / r.maxScore;

/** The rows the query keeps, in its order. */
export function selectRows(rows: readonly ResultRow[], query: ResultsQuery): ResultRow[] {
  const q = (query.q ?? '').trim().toLowerCase();
  const min = query.min ? Number(query.min) : null;
  const max = query.max ? Number(query.max) : null;
  const kept = rows.filter((r) => {
    if (query.verdict && r.verdict !== query.verdict) return false;
    if (q && !r.student.toLowerCase().includes(q)) return false;
    const p = percent(r);
    if (min !== null && Number.isFinite(min) && (p === null || p < min)) return false;
    if (max !== null && Number.isFinite(max) && (p === null || p > max)) return false;
    return true;
  });
  const sort: Sort = (SORTS as readonly string[]).includes(query.sort ?? '')
    ? (query.sort as Sort)
    : 'student';
  const sign = query.dir === 'desc' ? -1 : 1;
  const key = (r: ResultRow): string | number =>
    sort === 'score'
      ? (percent(r) ?? -1)
      : sort === 'verdict'
        ? r.verdict
        : sort === 'submitted'
          ? (r.submittedAt ?? '')
          : r.student;
  return [...kept].sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    return (x < y ? -1 : x > y ? 1 : a.student.localeCompare(b.student)) * sign;
  });
}

/** Ten buckets of score percent (0-10, ..., 90-100) over the graded rows. */
export function histogramOf(rows: readonly ResultRow[]): number[] {
  const buckets = Array.from({ length: 10 }, () => 0);
  for (const r of rows) {
    const p = percent(r);
    if (p !== null) buckets[Math.min(9, Math.max(0, Math.floor(p / 10)))]! += 1;
  }
  return buckets;
}

/** The histogram as an accessible inline SVG (a title, a description, a label per bar). */
export function histogramSvg(buckets: readonly number[]): Html {
  const top = Math.max(1, ...buckets);
  const [w, h, bar] = [320, 140, 28];
  const graded = buckets.reduce((a, b) => a + b, 0);
  return html`<svg
    class="histogram"
    viewBox="0 0 ${w} ${h + 44}"
    role="img"
    aria-labelledby="hist-title hist-desc"
  >
    <title id="hist-title">Score histogram</title>
    <desc id="hist-desc">
      ${graded} graded deliveries by score:
      ${buckets.map((n, i) => `${i * 10}–${i * 10 + 10}%: ${n}`).join(', ')}
    </desc>
    ${buckets.map((n, i) => {
      const height = Math.round((n / top) * h);
      const x = 8 + i * (bar + 3);
      return html`<g
        ><rect class="bar" x="${x}" y="${h - height + 16}" width="${bar}" height="${height}"
          ><title>${i * 10}–${i * 10 + 10}%: ${n}</title></rect
        >
        <text x="${x + bar / 2}" y="${h + 30}" text-anchor="middle">${i * 10}</text
        >${n > 0 ? html`<text x="${x + bar / 2}" y="${h - height + 12}" text-anchor="middle">${n}</text>` : ''}</g
      >`;
    })}
    <text x="${w / 2}" y="${h + 42}" text-anchor="middle">score (%)</text>
  </svg>`;
}

function sortLink(base: string, query: ResultsQuery, column: Sort, label: string): Html {
  const active = (query.sort ?? 'student') === column;
  const dir = active && query.dir !== 'desc' ? 'desc' : 'asc';
  const params = new URLSearchParams();
  for (const k of ['verdict', 'q', 'min', 'max'] as const) if (query[k]) params.set(k, query[k]);
  params.set('sort', column);
  params.set('dir', dir);
  const sorted = active ? (query.dir === 'desc' ? 'descending' : 'ascending') : 'none';
  return html`<th scope="col" aria-sort="${sorted}">
    <a href="${base}?${params.toString()}#results"
      >${label}${active ? (query.dir === 'desc' ? ' ▼' : ' ▲') : ''}</a
    >
  </th>`;
}

/** The filter form and table (the part htmx swaps when a filter changes). */
export function resultsSection(
  batchId: string,
  rows: readonly ResultRow[],
  query: ResultsQuery,
): Html {
  const base = `/batches/${encodeURIComponent(batchId)}`;
  const verdicts = [...new Set(rows.map((r) => r.verdict))].sort();
  const shown = selectRows(rows, query);
  return html`<section id="results" aria-labelledby="results-h">
    <h2 id="results-h">Results</h2>
    <form
      class="filters"
      method="get"
      action="${base}"
      hx-get="${base}"
      hx-target="#results"
      hx-select="#results"
      hx-swap="outerHTML"
      hx-push-url="true"
      hx-trigger="change, input changed delay:300ms from:#f-q, submit"
    >
      <label for="f-verdict"
        >Verdict
        <select id="f-verdict" name="verdict">
          <option value="">any</option>
          ${verdicts.map(
            (v) =>
              html`<option value="${v}" ${query.verdict === v ? html` selected` : ''}>
                ${v}
              </option>`,
          )}
        </select></label
      >
      <label for="f-min"
        >Score from (%)<input
          id="f-min"
          name="min"
          type="number"
          min="0"
          max="100"
          inputmode="numeric"
          value="${query.min ?? ''}"
      /></label>
      <label for="f-max"
        >to (%)<input
          id="f-max"
          name="max"
          type="number"
          min="0"
          max="100"
          inputmode="numeric"
          value="${query.max ?? ''}"
      /></label>
      <label for="f-q"
        >Student<input id="f-q" name="q" type="search" autocomplete="off" value="${query.q ?? ''}"
      /></label>
      <input type="hidden" name="sort" value="${query.sort ?? ''}" /><input
        type="hidden"
        name="dir"
        value="${query.dir ?? ''}"
      />
      <button type="submit">Filter</button>
    </form>
    <p class="count" role="status">${shown.length} of ${rows.length} deliveries</p>
    <div class="table-wrap">
      <table class="results">
        <thead>
          <tr>
            ${sortLink(base, query, 'student', 'Student')}${sortLink(base, query, 'verdict', 'Verdict')}${sortLink(base, query, 'score', 'Score')}
            <th scope="col">Tests</th>
            ${sortLink(base, query, 'submitted', 'Submitted')}
            <th scope="col">Report</th>
          </tr>
        </thead>
        <tbody>
          ${shown.map(
            (r) =>
              html`<tr>
                <td>
                  ${r.student}${r.identicalTo.length > 0 ? html` <span class="tag" title="byte-identical to ${r.identicalTo.join(', ')}">identical</span>` : ''}
                </td>
                <td><span class="verdict v-${r.verdict}">${r.verdict}</span></td>
                <td class="num">${r.score === null ? '—' : `${r.score} / ${r.maxScore ?? '?'}`}</td>
                <td>
                  ${r.tests.map((t) => html`<span class="verdict v-${t.verdict}" title="${t.test}">${t.test.split('#')[1] ?? t.test}</span> `)}
                </td>
                <td>
                  ${r.submittedAt ? r.submittedAt.replace('T', ' ').slice(0, 16) : '—'}${r.late ? html` <span class="tag late">late</span>` : ''}
                </td>
                <td>
                  ${r.delivery && r.verdict !== 'ERRORED' ? html`<a href="/reports/${encodeURIComponent(batchId)}/${encodeURIComponent(r.delivery)}">report<span class="sr"> of ${r.student}</span></a>` : r.reason ? html`<span class="reason">${r.reason}</span>` : '—'}
                </td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
  </section>`;
}

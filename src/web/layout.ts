// The page shell of the web app: one stylesheet, htmx and one script, all served by zinc
// (no inline script or style: the Content-Security-Policy forbids them).
import { html, type Html } from './html.js';

export const HTMX_VERSION = '2.0.11';

/**
 * htmx settings: no inline indicator styles, no eval, and swap error pages too (they explain).
 * No history snapshots either (hx-history="false" on the body): pages hold students' results,
 * which have no business in the browser's sessionStorage.
 */
const HTMX_CONFIG = JSON.stringify({
  includeIndicatorStyles: false,
  allowEval: false,
  allowScriptTags: false,
  selfRequestsOnly: true,
  historyCacheSize: 0,
  responseHandling: [
    { code: '204', swap: false },
    { code: '[2345]..', swap: true },
  ],
});

export interface PageOptions {
  title: string;
  /** The signed-in user, or null on the sign-in page. */
  user: string | null;
  csrf: string;
  /** Breadcrumbs: [label, href] pairs, the last one the current page. */
  crumbs?: Array<[string, string]>;
  body: Html;
}

/** A whole page. */
export function page(o: PageOptions): Html {
  const headers = JSON.stringify({ 'X-CSRF-Token': o.csrf });
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="htmx-config" content="${HTMX_CONFIG}" />
        <title>${o.title} · zinc</title>
        <link rel="icon" href="/web/assets/favicon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href="/web/assets/app.css" />
        <script src="/web/assets/htmx-${HTMX_VERSION}.min.js" defer></script>
        <script src="/web/assets/app.js" defer></script>
      </head>
      <body hx-headers="${o.csrf ? headers : '{}'}" hx-history="false">
        <a class="skip" href="#main">Skip to content</a>
        <header class="top">
          <a class="brand" href="/">zinc</a>
          ${
            o.user
              ? html`<span class="who">Signed in as <strong>${o.user}</strong></span>
                  <form method="post" action="/logout" class="inline">
                    <input type="hidden" name="_csrf" value="${o.csrf}" />
                    <button type="submit" class="link">Sign out</button>
                  </form>`
              : ''
          }
        </header>
        ${
          o.crumbs && o.crumbs.length > 0
            ? html`<nav aria-label="Breadcrumb" class="crumbs">
                <ol>
                  ${o.crumbs.map(([label, href], i) =>
                    i === o.crumbs!.length - 1
                      ? html`<li><span aria-current="page">${label}</span></li>`
                      : html`<li><a href="${href}">${label}</a></li>`,
                  )}
                </ol>
              </nav>`
            : ''
        }
        <main id="main">
          <h1>${o.title}</h1>
          ${o.body}
        </main>
      </body>
    </html> `;
}

/** A message box: an error (role alert), or a notice. */
export function notice(kind: 'error' | 'ok', text: string): Html {
  return kind === 'error'
    ? html`<div class="msg error" role="alert">${text}</div>`
    : html`<div class="msg ok" role="status">${text}</div>`;
}

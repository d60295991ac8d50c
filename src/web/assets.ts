// The web app's static files, all served by zinc (no CDN): its stylesheet and script from
// src/web/assets, and htmx from node_modules at the exact version package.json pins.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { projectRoot } from '../platform/paths.js';
import { HTMX_VERSION } from './layout.js';

/** Headers of every web response: a strict CSP (no inline script or style), no framing. */
export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
};

/** htmx's minified build and its gzip (shipped beside it), checked to be the version pages name. */
function readHtmx(): { plain: Buffer; gzip: Buffer } {
  const require = createRequire(import.meta.url);
  const pkg = JSON.parse(readFileSync(require.resolve('htmx.org/package.json'), 'utf8')) as {
    version: string;
  };
  if (pkg.version !== HTMX_VERSION) {
    throw new Error(
      `node_modules holds htmx.org ${pkg.version}, but the web app is written for ${HTMX_VERSION} (npm ci)`,
    );
  }
  const dist = join(require.resolve('htmx.org/package.json'), '..', 'dist');
  return {
    plain: readFileSync(join(dist, 'htmx.min.js')),
    gzip: readFileSync(join(dist, 'htmx.min.js.gz')),
  };
}

/** Registers GET /web/assets/*: read once at start-up, cached by browsers for a day. */
export function serveAssets(web: FastifyInstance): void {
  const dir = join(projectRoot(), 'src', 'web', 'assets');
  const files: Array<[string, string, Buffer]> = [
    ['app.css', 'text/css; charset=utf-8', readFileSync(join(dir, 'app.css'))],
    ['app.js', 'text/javascript; charset=utf-8', readFileSync(join(dir, 'app.js'))],
    ['favicon.svg', 'image/svg+xml', readFileSync(join(dir, 'favicon.svg'))],
  ];
  const htmx = readHtmx();
  for (const [name, type, content] of files) {
    web.get(
      `/web/assets/${name}`,
      { config: { web: true, public: true, anonymous: true }, schema: { hide: true } },
      async (_request, reply) =>
        reply.type(type).header('cache-control', 'public, max-age=86400').send(content),
    );
  }
  // htmx is most of a page's weight: sent gzipped to every browser that accepts it.
  web.get(
    `/web/assets/htmx-${HTMX_VERSION}.min.js`,
    { config: { web: true, public: true, anonymous: true }, schema: { hide: true } },
    async (request, reply) => {
      reply
        .type('text/javascript; charset=utf-8')
        .header('cache-control', 'public, max-age=86400')
        .header('vary', 'accept-encoding');
      return /\bgzip\b/.test(request.headers['accept-encoding'] ?? '')
        ? reply.header('content-encoding', 'gzip').send(htmx.gzip)
        : reply.send(htmx.plain);
    },
  );
}

// The staff and student web app, served by the API process on the same origin: server-rendered
// pages (src/web/pages), htmx for partial updates, an event stream for live progress. Pages act
// for the user of a cookie session opened with an API token, through the same access checks,
// core functions and audit rows as the API's routes.
import { z } from 'zod';
import type { FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { SESSION_HOURS } from '../core/web-sessions.js';
import type { ApiContext, ZodApp } from '../api/context.js';
import { errorResponse } from '../api/errors.js';
import type { ApiLog } from '../api/hooks.js';
import { serveAssets, SECURITY_HEADERS } from './assets.js';
import { html } from './html.js';
import { notice, page } from './layout.js';
import { checkCsrf, checkWebSession, csrfOf, setSessionCookie } from './session.js';
import { registerBatchPages } from './batch-routes.js';
import { registerCollectionPages } from './collection-routes.js';
import { sendHtml, WEB } from './reply.js';

/** Registers the web app on the API server (same process, same origin). */
export async function registerWebApp(app: ZodApp, ctx: ApiContext, log: ApiLog): Promise<void> {
  const sessions = ctx.zinc.core.webSessions;
  let closing = false;
  app.addHook('onClose', (_instance, done) => {
    closing = true;
    done();
  });

  // Encapsulated: the form parser, hooks and error handler here apply to the web routes only.
  await app.register((plugin, _options, done) => {
    const web = plugin.withTypeProvider<ZodTypeProvider>();
    web.decorateRequest('webSecret', null);
    web.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 16 * 1024 },
      (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );
    web.addHook('onRequest', async (request) => checkWebSession(sessions, request));
    web.addHook('preHandler', (request, _reply, done) => {
      try {
        checkCsrf(request);
        done();
      } catch (err) {
        done(err as Error);
      }
    });
    web.addHook('onSend', (_request, reply, payload, done) => {
      for (const [k, v] of Object.entries(SECURITY_HEADERS)) reply.header(k, v);
      done(null, payload);
    });

    web.setErrorHandler((err, request, reply) => {
      const [status, body] = errorResponse(err, request);
      if (status >= 500 && body.error === 'internal') {
        log.error(
          { requestId: request.id, method: request.method, route: request.routeOptions.url, err },
          'web request failed',
        );
      }
      request.zincAudit ??= {};
      request.zincAudit.error = { status, code: body.error, message: body.message };
      const htmx = request.headers['hx-request'] === 'true';
      if (status === 401) {
        setSessionCookie(request, reply, null);
        if (htmx) return reply.header('hx-redirect', '/login').code(401).send();
        if (request.method === 'GET') return reply.redirect('/login', 303);
      }
      const problems = body.fields?.map((p) => `${p.path}: ${p.message}`) ?? [];
      const message = [body.message, ...problems].join(' — ');
      const target = request.headers['hx-target'];
      if (htmx && typeof target === 'string' && /^[a-z-]+$/.test(target)) {
        return sendHtml(
          reply,
          html`<div id="${target}" aria-live="polite">${notice('error', message)}</div>`,
          status,
        );
      }
      return sendHtml(
        reply,
        page({
          title: status === 403 ? 'Not allowed' : status === 404 ? 'Not found' : 'Refused',
          user: request.principal?.userId ?? null,
          csrf: csrfOf(request),
          body: html`${notice('error', message)}
            <p><a href="/">Back to your courses</a></p>`,
        }),
        status,
      );
    });

    serveAssets(web);

    // Sign-in and sign-out.
    const loginPage = (request: FastifyRequest, error?: string) =>
      page({
        title: 'Sign in',
        user: null,
        csrf: '',
        body: html`${error ? notice('error', error) : ''}
          <form method="post" action="/login" class="stack narrow">
            <label for="token">API token</label>
            <input
              id="token"
              name="token"
              type="password"
              autocomplete="off"
              required
              aria-describedby="token-help"
            />
            <p id="token-help" class="muted">
              Ask your course staff for a token (zinc token create --user &lt;id&gt;). You sign in
              once; the browser keeps a session for ${SESSION_HOURS} hours.
            </p>
            <button type="submit" class="primary">Sign in</button>
          </form>`,
      });
    web.get(
      '/login',
      { config: { ...WEB, public: true, anonymous: true }, schema: { hide: true } },
      async (request, reply) => {
        if (request.principal) return reply.redirect('/', 303);
        return sendHtml(reply, loginPage(request));
      },
    );
    web.post(
      '/login',
      {
        config: { ...WEB, public: true, anonymous: true, audit: 'web.session.open' },
        schema: { hide: true, body: z.object({ token: z.string().max(200) }) },
      },
      async (request, reply) => {
        try {
          const session = await sessions.open(request.body.token.trim());
          request.principal = { userId: session.userId, tokenId: session.tokenId };
          request.zincAudit.target = session.tokenId;
          setSessionCookie(request, reply, session.secret, SESSION_HOURS * 3600);
          return reply.redirect('/', 303);
        } catch (err) {
          if (!(err instanceof Error) || err.name !== 'Unauthorized') throw err;
          request.zincAudit.error = { status: 401, code: 'unauthorized', message: err.message };
          return sendHtml(reply, loginPage(request, `Not signed in: ${err.message}`), 401);
        }
      },
    );
    web.post(
      '/logout',
      { config: { ...WEB, public: true, audit: 'web.session.close' }, schema: { hide: true } },
      async (request, reply) => {
        if (request.webSecret) await sessions.close(request.webSecret);
        setSessionCookie(request, reply, null);
        return reply.redirect('/login', 303);
      },
    );

    registerCollectionPages(web, ctx);
    registerBatchPages(web, ctx, log, () => closing);
    done();
  });
}

// The staff and student web app, served by the API process on the same origin: server-rendered
// pages (src/web/pages), htmx for partial updates, an event stream for live progress. Pages act
// for the user of a cookie session opened with an API token, through the same access checks,
// core functions and audit rows as the API's routes.
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { admitBatch } from '../core/batch-admission.js';
import { startBatch } from '../core/batch-client.js';
import { steerBatch } from '../core/batch-status.js';
import { checkTermination, terminateBatch } from '../core/batch-termination.js';
import { reconcileBatch } from '../core/batch-reconciler.js';
import { resultsBeforeRecord } from '../core/batch-results.js';
import { listGradingSchedules } from '../core/grading-schedules.js';
import { SESSION_HOURS } from '../core/web-sessions.js';
import { parseGradingConfig, type GradingReport } from '../extensions/pipeline/index.js';
import { ConflictError, ReportNotFoundError } from '../failures.js';
import { describeBatch, locateBatch } from '../api/batch-view.js';
import { userOf, type ApiContext, type ZodApp } from '../api/context.js';
import { errorResponse } from '../api/errors.js';
import type { ApiLog } from '../api/hooks.js';
import { sendCsv } from '../api/results-view.js';
import { auditCollection } from '../api/routes/batches.js';
import { idSchema } from '../api/schemas.js';
import { readUpload } from '../api/upload.js';
import { serveAssets, SECURITY_HEADERS } from './assets.js';
import { html, type Html } from './html.js';
import { notice, page } from './layout.js';
import {
  batchEnded,
  progressEvent,
  progressSection,
  reviewSection,
  steeringSection,
} from './pages/batch.js';
import { homeBody, staffCollectionBody, studentCollectionBody } from './pages/collection.js';
import { limitsFrom, reportBody } from './pages/report.js';
import { histogramOf, histogramSvg, resultsSection } from './pages/results.js';
import { checkCsrf, checkWebSession, csrfOf, setSessionCookie } from './session.js';

const WEB = { web: true } as const;
const idParams = z.strictObject({ id: idSchema });
const resultsQuery = z.object({
  verdict: z.string().max(64).optional(),
  q: z.string().max(200).optional(),
  min: z.string().max(8).optional(),
  max: z.string().max(8).optional(),
  sort: z.string().max(20).optional(),
  dir: z.string().max(4).optional(),
  steered: z.string().max(40).optional(),
});
const startForm = z.object({
  _csrf: z.string().optional(),
  configVersion: idSchema.optional(),
  concurrency: z.coerce
    .number({ error: 'expected a whole number' })
    .int('expected a whole number')
    .min(1, 'expected at least 1')
    .max(1000, 'expected at most 1000')
    .optional(),
  includeTest: z.literal('true').optional(),
});
const STEER_WORDS = {
  pause: 'Pause requested: the batch will pause.',
  resume: 'Resume requested: the batch will resume.',
  cancel: 'Cancel requested: in-flight grading stops and a partial summary is written.',
  terminate: 'The batch was terminated.',
} as const;

const sendHtml = (reply: FastifyReply, body: Html, status = 200) =>
  reply.code(status).type('text/html; charset=utf-8').send(body.value);

/** After a form: htmx follows HX-Redirect; a plain form follows the 303. */
function redirectAfterPost(request: FastifyRequest, reply: FastifyReply, to: string) {
  if (request.headers['hx-request'] === 'true')
    return reply.header('hx-redirect', to).code(204).send();
  return reply.redirect(to, 303);
}

/** Registers the web app on the API server (same process, same origin). */
export async function registerWebApp(app: ZodApp, ctx: ApiContext, log: ApiLog): Promise<void> {
  const sessions = ctx.zinc.core.webSessions;
  const store = ctx.submissions.store;
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

    // ---- sign-in ----
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

    // ---- courses and collections ----
    web.get(
      '/',
      { config: { ...WEB, public: true }, schema: { hide: true } },
      async (request, reply) => {
        const user = userOf(request);
        const mine: Array<{
          collection: Awaited<ReturnType<typeof store.listCollections>>[number];
          role: 'staff' | 'student';
        }> = [];
        const roles = new Map<string, 'staff' | 'student' | null>();
        for (const collection of await store.listCollections()) {
          const courseId = collection.course.id;
          if (!roles.has(courseId)) roles.set(courseId, await store.getMemberRole(courseId, user));
          const role = roles.get(courseId);
          if (role) mine.push({ collection, role });
        }
        mine.sort((a, b) => (a.role === b.role ? 0 : a.role === 'staff' ? -1 : 1));
        return sendHtml(
          reply,
          page({ title: 'Your courses', user, csrf: csrfOf(request), body: homeBody(mine) }),
        );
      },
    );

    web.get(
      '/collections/:id',
      {
        config: { ...WEB, public: true },
        schema: {
          hide: true,
          params: idParams,
          querystring: z.object({ uploaded: idSchema.optional() }),
        },
      },
      async (request, reply) => {
        const user = userOf(request);
        const { collection, view } = await ctx.access.collection(
          user,
          request.params.id,
          'delivery.list',
        );
        const title = `${collection.course.code} · ${collection.activity.name} · ${collection.name}`;
        const crumbs: Array<[string, string]> = [
          ['Courses', '/'],
          [title, ''],
        ];
        const csrf = csrfOf(request);
        if (view === 'staff') {
          const configs = await ctx.configs.listForCollection(collection.id);
          const latest = (await store.listDeliveries(collection.id, { latestOnly: true })) ?? [];
          const all = (await store.listDeliveries(collection.id, {})) ?? [];
          return sendHtml(
            reply,
            page({
              title,
              user,
              csrf,
              crumbs,
              body: staffCollectionBody({
                collection,
                deliveries: all.length,
                students: latest.length,
                batches: await ctx.batches.list(collection.id),
                configs,
                schedules: await listGradingSchedules(
                  {
                    temporal: ctx.temporal,
                    access: ctx.access,
                    configs: ctx.configs,
                    now: ctx.now,
                  },
                  [{ collectionId: collection.id, configVersions: configs.map((c) => c.id) }],
                ),
                csrf,
                concurrency: ctx.config.grading.concurrency,
              }),
            }),
          );
        }
        const own = ((await store.listDeliveries(collection.id, {})) ?? []).filter(
          (d) => d.userId === user,
        );
        const batches = await ctx.batches.list(collection.id);
        const deliveries = [];
        // Newest first; each with the batches that graded it, newest batch first.
        own.sort((a, b) => b.submittedAt.localeCompare(a.submittedAt));
        for (const delivery of own) {
          const reports: string[] = [];
          for (const b of batches) if (await ctx.reports.get(b.id, delivery.id)) reports.push(b.id);
          deliveries.push({ delivery, reports });
        }
        const at = ctx.now().getTime();
        const open = at >= Date.parse(collection.startAt) && at <= Date.parse(collection.stopAt);
        const uploaded = request.query.uploaded;
        return sendHtml(
          reply,
          page({
            title,
            user,
            csrf,
            crumbs,
            body: html`${uploaded ? notice('ok', `Delivery ${uploaded} stored.`) : ''}${studentCollectionBody({ collection, deliveries, open })}`,
          }),
        );
      },
    );

    web.post(
      '/collections/:id/deliveries',
      {
        config: { ...WEB, public: true, audit: 'web.delivery.create' },
        schema: { hide: true, params: idParams },
      },
      async (request, reply) => {
        // The API's upload path: who may upload is decided before a byte is read, then the
        // same limits and the same service refuse what they refuse.
        const user = userOf(request);
        const collectionId = request.params.id;
        await ctx.access.collection(
          user,
          collectionId,
          'delivery.create',
          auditCollection(request),
        );
        const upload = await readUpload(request, ctx.limits);
        const { delivery, inserted } = await ctx.submissions.deliver({
          collectionId,
          userId: user,
          ...upload,
        });
        request.zincAudit.target = delivery.id;
        request.zincAudit.outcome = inserted ? 'stored' : 'already there';
        request.zincAudit.details = {
          files: delivery.manifest.length,
          totalSize: delivery.totalSize,
          sha256: delivery.sha256,
          late: delivery.late,
          isTest: delivery.isTest,
        };
        return redirectAfterPost(
          request,
          reply,
          `/collections/${encodeURIComponent(collectionId)}?uploaded=${encodeURIComponent(delivery.id)}`,
        );
      },
    );

    // ---- batches ----
    web.post(
      '/collections/:id/batches',
      {
        config: { ...WEB, public: true, audit: 'web.batch.start' },
        schema: { hide: true, params: idParams, body: startForm },
      },
      async (request, reply) => {
        const user = userOf(request);
        const collectionId = request.params.id;
        const { configVersion, concurrency, includeTest } = request.body;
        request.zincAudit.target = collectionId;
        await admitBatch(
          ctx,
          { collectionId, configVersion, requestedBy: user },
          auditCollection(request),
        );
        const { batchId, existing } = await startBatch(ctx.temporal, ctx.config.grading, {
          collectionId,
          configVersion,
          concurrency,
          includeTest: includeTest === 'true',
          requestedBy: user,
        });
        request.zincAudit.target = batchId;
        request.zincAudit.outcome = existing ? 'already running' : 'started';
        request.zincAudit.details = {
          configVersion: configVersion ?? null,
          concurrency: concurrency ?? null,
        };
        return reply.redirect(`/batches/${encodeURIComponent(batchId)}`, 303);
      },
    );

    web.get(
      '/batches/:id',
      {
        config: { ...WEB, public: true },
        schema: { hide: true, params: idParams, querystring: resultsQuery },
      },
      async (request, reply) => {
        const user = userOf(request);
        const batch = await locateBatch(ctx, request.params.id);
        const { collection } = await ctx.access.collection(user, batch.collectionId, 'batch.read');
        const view = await describeBatch(ctx, batch);
        const record = await ctx.batches.get(batch.batchId);
        const results = record
          ? await ctx.zinc.core.results(batch.batchId)
          : resultsBeforeRecord(batch.batchId, batch.collectionId);
        const csrf = csrfOf(request);
        const q = request.query;
        const steered =
          q.steered && q.steered in STEER_WORDS
            ? STEER_WORDS[q.steered as keyof typeof STEER_WORDS]
            : null;
        // A filter or sort through htmx swaps only the results: send only them.
        if (
          request.headers['hx-request'] === 'true' &&
          request.headers['hx-target'] === 'results'
        ) {
          return sendHtml(reply, resultsSection(batch.batchId, results.rows, q));
        }
        const csv = `/batches/${encodeURIComponent(batch.batchId)}/results.csv`;
        const name = `${collection.course.code} · ${collection.activity.name} · ${collection.name}`;
        return sendHtml(
          reply,
          page({
            title: `Batch ${batch.batchId}`,
            user,
            csrf,
            crumbs: [
              ['Courses', '/'],
              [name, `/collections/${encodeURIComponent(collection.id)}`],
              [batch.batchId, ''],
            ],
            body: html`${steered ? notice('ok', steered) : ''}
              <div class="grid">
                ${progressSection(view, ctx.now())} ${steeringSection(view, csrf)}
              </div>
              <section aria-labelledby="dist-h" class="dist">
                <h2 id="dist-h">Scores</h2>
                ${histogramSvg(histogramOf(results.rows))}
                <p>
                  <a class="button" href="${csv}" download>Download CSV</a
                  >${results.partial ? html` <span class="muted">(partial: the batch is still running)</span>` : ''}
                </p>
              </section>
              ${resultsSection(batch.batchId, results.rows, q)} ${reviewSection()}`,
          }),
        );
      },
    );

    web.get(
      '/batches/:id/results.csv',
      { config: { ...WEB, public: true }, schema: { hide: true, params: idParams } },
      async (request, reply) => {
        const batchId = request.params.id;
        const record = await ctx.batches.get(batchId);
        const collectionId = record?.collectionId ?? (await locateBatch(ctx, batchId)).collectionId;
        await ctx.access.collection(userOf(request), collectionId, 'batch.read');
        const results = record
          ? await ctx.zinc.core.results(batchId)
          : resultsBeforeRecord(batchId, collectionId);
        return sendCsv(reply, batchId, results.rows, results.partial);
      },
    );

    web.get(
      '/batches/:id/events',
      { config: { ...WEB, public: true }, schema: { hide: true, params: idParams } },
      async (request, reply) => {
        const user = userOf(request);
        const batchId = request.params.id;
        const first = await locateBatch(ctx, batchId);
        await ctx.access.collection(user, first.collectionId, 'batch.read');
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, {
          ...SECURITY_HEADERS,
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-store',
        });
        let open = true;
        request.raw.on('close', () => {
          open = false;
        });
        while (open && !closing) {
          let event;
          try {
            event = progressEvent(
              await describeBatch(ctx, await locateBatch(ctx, batchId)),
              ctx.now(),
            );
          } catch (err) {
            log.error({ requestId: request.id, err }, 'web: progress of a batch could not be read');
            res.write(`event: failed\ndata: {}\n\n`);
            break;
          }
          res.write(`event: progress\ndata: ${JSON.stringify(event)}\n\n`);
          if (event.ended) break;
          await sleep(1000);
        }
        res.end();
      },
    );

    for (const action of ['pause', 'resume', 'cancel'] as const) {
      web.post(
        `/batches/:id/${action}`,
        {
          config: { ...WEB, public: true, audit: `web.batch.${action}` },
          schema: { hide: true, params: idParams },
        },
        async (request, reply) => {
          const user = userOf(request);
          const batchId = request.params.id;
          const batch = await locateBatch(ctx, batchId);
          await ctx.access.collection(
            user,
            batch.collectionId,
            'batch.steer',
            auditCollection(request),
          );
          await steerBatch(ctx.temporal, batchId, action, { by: user });
          request.zincAudit.outcome = 'requested';
          return redirectAfterPost(
            request,
            reply,
            `/batches/${encodeURIComponent(batchId)}?steered=${action}`,
          );
        },
      );
    }

    web.post(
      '/batches/:id/terminate',
      {
        config: { ...WEB, public: true, audit: 'web.batch.terminate' },
        schema: {
          hide: true,
          params: idParams,
          body: z.object({
            _csrf: z.string().optional(),
            reason: z
              .string()
              .trim()
              .min(1, 'expected a non-empty reason')
              .max(500, 'expected a reason of at most 500 characters'),
          }),
        },
      },
      async (request, reply) => {
        const user = userOf(request);
        const batchId = request.params.id;
        const { reason } = request.body;
        const batch = await locateBatch(ctx, batchId);
        request.zincAudit.collectionId = batch.collectionId;
        await checkTermination(ctx, {
          batchId,
          collectionId: batch.collectionId,
          requestedBy: user,
          reason,
        });
        const outcome = await terminateBatch(ctx.temporal, batchId, { by: user, reason });
        if (outcome === 'forced') {
          const record = await ctx.batches.get(batchId);
          if (record) await reconcileBatch(ctx.zinc.core, ctx.temporal, record);
        }
        request.zincAudit.outcome =
          outcome === 'recorded' ? 'terminated' : 'terminated through Temporal';
        request.zincAudit.details = { reason };
        return redirectAfterPost(
          request,
          reply,
          `/batches/${encodeURIComponent(batchId)}?steered=terminate`,
        );
      },
    );

    web.post(
      '/batches/:id/regrade-failed',
      {
        config: { ...WEB, public: true, audit: 'web.batch.regrade_failed' },
        schema: { hide: true, params: idParams },
      },
      async (request, reply) => {
        // As `zinc batch regrade-failed`: the core admits it, then a batch over the ERRORED
        // deliveries of the ended source batch starts.
        const user = userOf(request);
        const sourceId = request.params.id;
        const source = await locateBatch(ctx, sourceId);
        const view = await describeBatch(ctx, source);
        await admitBatch(
          ctx,
          {
            collectionId: source.collectionId,
            configVersion: view.configVersion ?? undefined,
            requestedBy: user,
            sourceBatchId: sourceId,
          },
          auditCollection(request),
        );
        if (!batchEnded(view))
          throw new ConflictError(
            `batch ${sourceId} is still ${view.status}; regrade its failures when it has ended`,
          );
        if (view.errored === 0)
          throw new ConflictError(
            `batch ${sourceId} has no ERRORED deliveries: nothing to regrade`,
          );
        const { batchId } = await startBatch(ctx.temporal, ctx.config.grading, {
          collectionId: source.collectionId,
          configVersion: view.configVersion ?? undefined,
          requestedBy: user,
          source: { kind: 'errored', batchId: sourceId },
        });
        request.zincAudit.target = batchId;
        request.zincAudit.details = { sourceBatchId: sourceId };
        return redirectAfterPost(request, reply, `/batches/${encodeURIComponent(batchId)}`);
      },
    );

    // ---- reports ----
    web.get(
      '/reports/:batchId/:deliveryId',
      {
        config: { ...WEB, public: true },
        schema: { hide: true, params: z.strictObject({ batchId: idSchema, deliveryId: idSchema }) },
      },
      async (request, reply) => {
        const user = userOf(request);
        const { batchId, deliveryId } = request.params;
        const { delivery, collection, view } = await ctx.access.delivery(
          user,
          deliveryId,
          'report.read',
        );
        const shown = await ctx.pipeline.reportView(batchId, deliveryId, view);
        if (!shown)
          throw new ReportNotFoundError(`batch ${batchId} has no report of delivery ${deliveryId}`);
        let config = null;
        try {
          const version = await ctx.configs.getVersion(shown.record.configId);
          const parsed = parseGradingConfig(version.yaml, {
            assets: version.assets.map((a) => a.path),
          });
          if (parsed.ok) config = parsed.config;
        } catch {
          config = null; // the limits are then not shown
        }
        const name = `${collection.course.code} · ${collection.activity.name} · ${collection.name}`;
        const crumbs: Array<[string, string]> = [
          ['Courses', '/'],
          [name, `/collections/${encodeURIComponent(collection.id)}`],
        ];
        if (view === 'staff') crumbs.push([batchId, `/batches/${encodeURIComponent(batchId)}`]);
        crumbs.push([`Report of ${delivery.userId}`, '']);
        return sendHtml(
          reply,
          page({
            title: `Report of ${delivery.userId}`,
            user,
            csrf: csrfOf(request),
            crumbs,
            body: reportBody({
              report: shown.report as GradingReport,
              view: shown.view,
              score: shown.score,
              maxScore: shown.maxScore,
              student: delivery.userId,
              batchId,
              limits: limitsFrom(config),
            }),
          }),
        );
      },
    );
    done();
  });
}

// The web app's batch pages: start a batch, its page (progress, steering, histogram, results),
// the live progress stream, the CSV, and the steering forms, through the API's own functions.
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { admitBatch } from '../core/batch-admission.js';
import { startBatch } from '../core/batch-client.js';
import { steerBatch } from '../core/batch-status.js';
import { resultsBeforeRecord } from '../core/batch-results.js';
import { ConflictError } from '../failures.js';
import { describeBatch, locateBatch } from '../api/batch-view.js';
import { userOf, type ApiContext, type ZodApp } from '../api/context.js';
import type { ApiLog } from '../api/hooks.js';
import { sendCsv } from '../api/results-view.js';
import { auditCollection } from '../api/routes/batches.js';
import { terminateForRequest } from '../api/routes/steering.js';
import { idSchema } from '../api/schemas.js';
import { SECURITY_HEADERS } from './assets.js';
import { html } from './html.js';
import { notice, page } from './layout.js';
import {
  batchEnded,
  progressEvent,
  progressSection,
  reviewSection,
  steeringSection,
} from './pages/batch.js';

import { histogramOf, histogramSvg, resultsSection } from './pages/results.js';
import { csrfOf } from './session.js';
import { idParams, redirectAfterPost, sendHtml, WEB } from './reply.js';

const resultsQuery = z.object({
  verdict: z.string().max(64).optional(),
  q: z.string().max(200).optional(),
  min: z.string().max(8).optional(),
  max: z.string().max(8).optional(),
  sort: z.string().max(20).optional(),
  dir: z.string().max(4).optional(),
  steered: z.string().max(40).optional(),
  against: idSchema.optional(),
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
  released: "Released: the collection's students now see these grades.",
} as const;

/** Registers the batch pages; `closing` tells the progress streams to end. */
export function registerBatchPages(
  web: ZodApp,
  ctx: ApiContext,
  log: ApiLog,
  closing: () => boolean,
): void {
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
      if (request.headers['hx-request'] === 'true' && request.headers['hx-target'] === 'results') {
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
            ${resultsSection(batch.batchId, results.rows, q)}
            ${reviewSection({
              batchId: batch.batchId,
              status: view.status,
              released:
                (await ctx.zinc.core.releases.statesOf([batch.batchId])).get(batch.batchId) ?? null,
              others: (await ctx.batches.list(batch.collectionId))
                .filter((b) => b.id !== batch.batchId && b.status === 'completed')
                .map((b) => b.id),
              diff: q.against ? await ctx.zinc.core.diff(q.against, batch.batchId) : null,
              csrf,
            })}`,
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
      while (open && !closing()) {
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
      const batchId = request.params.id;
      await terminateForRequest(ctx, request, batchId, request.body.reason);
      return redirectAfterPost(
        request,
        reply,
        `/batches/${encodeURIComponent(batchId)}?steered=terminate`,
      );
    },
  );

  web.post(
    '/batches/:id/release',
    {
      config: { ...WEB, public: true, audit: 'web.batch.release' },
      schema: { hide: true, params: idParams },
    },
    async (request, reply) => {
      // As `zinc batch release`: staff only, a completed batch; audited by the core too.
      const done = await ctx.zinc.core.release({
        batchId: request.params.id,
        requestedBy: userOf(request),
      });
      request.zincAudit.outcome = done.already ? 'already released' : 'released';
      return redirectAfterPost(
        request,
        reply,
        `/batches/${encodeURIComponent(request.params.id)}?steered=released`,
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
        throw new ConflictError(`batch ${sourceId} has no ERRORED deliveries: nothing to regrade`);
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
}

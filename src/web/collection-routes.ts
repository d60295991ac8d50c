// The web app's course, collection, upload and report pages, through the API's own functions.
import { z } from 'zod';
import { listGradingSchedules } from '../core/grading-schedules.js';
import { parseGradingConfig, type GradingReport } from '../extensions/pipeline/index.js';
import { userOf, type ApiContext, type ZodApp } from '../api/context.js';
import { receiveUpload } from '../api/routes/deliveries.js';
import { readReport } from '../api/routes/reports.js';
import { idSchema } from '../api/schemas.js';
import { html } from './html.js';
import { notice, page } from './layout.js';
import { homeBody, staffCollectionBody, studentCollectionBody } from './pages/collection.js';
import { limitsFrom, reportBody } from './pages/report.js';
import { csrfOf } from './session.js';
import { idParams, redirectAfterPost, sendHtml, WEB } from './reply.js';

/** Registers the home, collection, upload and report pages. */
export function registerCollectionPages(web: ZodApp, ctx: ApiContext): void {
  const store = ctx.submissions.store;

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
      // The API's upload path (limits, refusals, audit row, live feedback).
      const collectionId = request.params.id;
      const { delivery } = await receiveUpload(ctx, request, collectionId);
      return redirectAfterPost(
        request,
        reply,
        `/collections/${encodeURIComponent(collectionId)}?uploaded=${encodeURIComponent(delivery.id)}`,
      );
    },
  );

  // Reports: the whole report for staff, the student view for its student.
  web.get(
    '/reports/:batchId/:deliveryId',
    {
      config: { ...WEB, public: true },
      schema: { hide: true, params: z.strictObject({ batchId: idSchema, deliveryId: idSchema }) },
    },
    async (request, reply) => {
      const user = userOf(request);
      const { batchId, deliveryId } = request.params;
      const { delivery, collection, view, shown } = await readReport(
        ctx,
        user,
        batchId,
        deliveryId,
      );
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
}

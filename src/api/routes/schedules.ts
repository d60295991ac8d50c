// Grading schedules (src/core/grading-schedules.ts) and collection windows over HTTP: create or
// update, list, pause, unpause and delete a collection's grading schedule, and change a
// collection's window (its at-close schedules move with it). Staff of the course only; every
// state-changing request is audited by the request hook.
import { z } from 'zod';
import { ForbiddenError } from '../../failures.js';
import { changeCollectionWindow } from '../../core/collection-window.js';
import {
  listGradingSchedules,
  scheduleGrading,
  steerGradingSchedule,
  SCHEDULE_ACTIONS,
  type ScheduleAction,
  type ScheduleDeps,
} from '../../core/grading-schedules.js';
import type { FastifyRequest } from 'fastify';
import { userOf, type ApiContext, type ZodApp } from '../context.js';
import { errorResponses, idParamsSchema, idSchema, SECURITY } from '../schemas.js';
import { auditCollection } from './batches.js';

const isoTime = z.iso
  .datetime({ offset: true, error: 'expected an ISO-8601 time such as 2026-09-30T23:59:00Z' })
  .transform((v) => new Date(v));

const createBodySchema = z
  .strictObject({
    collectionId: idSchema.describe('the collection whose latest deliveries are graded'),
    configVersion: idSchema
      .optional()
      .describe("a grading-config version (default: the collection's newest when it fires)"),
    at: isoTime.optional().describe('fire at this time (ISO 8601); or atClose'),
    atClose: z
      .literal(true, { error: 'expected true' })
      .optional()
      .describe("fire at the collection's stop time plus graceSecs; or at"),
    graceSecs: z
      .number({ error: 'expected a whole number of seconds' })
      .int('expected a whole number of seconds')
      .min(0, 'expected at least 0')
      .max(30 * 86_400, 'expected at most 30 days')
      .optional()
      .describe('with atClose: seconds after the stop time (default 600)'),
  })
  .superRefine((body, ctx) => {
    if ((body.at === undefined) === (body.atClose === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['at'], message: 'give either at or atClose' });
    }
    if (body.graceSecs !== undefined && body.atClose === undefined) {
      ctx.addIssue({ code: 'custom', path: ['graceSecs'], message: 'goes with atClose' });
    }
  });

const scheduleSchema = z.object({
  scheduleId: z.string(),
  collectionId: z.string(),
  configVersion: z.string().nullable(),
  requestedBy: z.string(),
  timing: z.enum(['at', 'at-close']),
  graceSecs: z.number().nullable(),
  fireAt: z.string(),
  state: z.enum(['scheduled', 'paused', 'fired']),
  lastRun: z
    .union([
      z.object({ started: z.literal(true), batchId: z.string(), existing: z.boolean() }),
      z.object({
        started: z.literal(false),
        refusal: z.object({
          failure: z.string(),
          message: z.string(),
          userId: z.string(),
          courseCode: z.string().nullable(),
        }),
      }),
    ])
    .nullable()
    .describe('what its last firing did: the batch it started, or why it was refused'),
});

const windowBodySchema = z
  .strictObject({
    startAt: isoTime.optional().describe('new start (ISO 8601)'),
    stopAt: isoTime.optional().describe('new stop (ISO 8601)'),
  })
  .refine((b) => b.startAt !== undefined || b.stopAt !== undefined, {
    message: 'give startAt, stopAt, or both',
    path: ['stopAt'],
  });

const windowSchema = z.object({ startAt: z.string(), stopAt: z.string() });

function deps(ctx: ApiContext): ScheduleDeps {
  return { temporal: ctx.temporal, access: ctx.access, configs: ctx.configs, now: ctx.now };
}

/** Registers /api/schedules... and PATCH /api/collections/:id/window. */
export function registerScheduleRoutes(app: ZodApp, ctx: ApiContext): void {
  app.post(
    '/api/schedules',
    {
      config: { audit: 'api.schedule.create' },
      schema: {
        summary: "Grade a collection's latest deliveries at a time, or when it closes",
        description:
          "A Temporal Schedule that starts the batch (as POST /api/batches would) at `at`, or at the collection's stop time plus `graceSecs` (`atClose`). One schedule per (collection, config version): asking again updates it (201 when created, 200 when updated). Staff of the course only; the time must be in the future.",
        tags: ['schedules'],
        security: SECURITY,
        body: createBodySchema,
        response: {
          200: z.object({ schedule: scheduleSchema, created: z.literal(false) }),
          201: z.object({ schedule: scheduleSchema, created: z.literal(true) }),
          ...errorResponses(400, 401, 403, 404, 409, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const user = userOf(request);
      const body = request.body;
      request.zincAudit.target = body.collectionId;
      await ctx.access.collection(
        user,
        body.collectionId,
        'schedule.manage',
        auditCollection(request),
      );
      const { schedule, created } = await scheduleGrading(deps(ctx), {
        collectionId: body.collectionId,
        configVersion: body.configVersion,
        requestedBy: user,
        when: body.at ? { at: body.at } : { atClose: { graceSecs: body.graceSecs ?? 600 } },
      });
      request.zincAudit.target = schedule.scheduleId;
      request.zincAudit.outcome = created ? 'created' : 'updated';
      request.zincAudit.details = { timing: schedule.timing, fireAt: schedule.fireAt };
      return created
        ? reply.code(201).send({ schedule, created: true as const })
        : reply.code(200).send({ schedule, created: false as const });
    },
  );

  app.get(
    '/api/schedules',
    {
      schema: {
        summary: 'Grading schedules',
        description:
          'Of one collection (staff of its course), or of every collection of the courses the caller is staff of.',
        tags: ['schedules'],
        security: SECURITY,
        querystring: z.strictObject({ collectionId: idSchema.optional() }),
        response: {
          200: z.object({ schedules: z.array(scheduleSchema) }),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request) => {
      const user = userOf(request);
      const { collectionId } = request.query;
      let collectionIds: string[];
      if (collectionId) {
        await ctx.access.collection(user, collectionId, 'schedule.manage');
        collectionIds = [collectionId];
      } else {
        const scope = await ctx.access.staffScope(user);
        if (scope.courseIds.length === 0) {
          throw new ForbiddenError(`${user} is not staff of any course, so may not list schedules`);
        }
        collectionIds = scope.collectionIds;
      }
      const pairs = await Promise.all(
        collectionIds.map(async (id) => ({
          collectionId: id,
          configVersions: (await ctx.configs.listForCollection(id)).map((c) => c.id),
        })),
      );
      return { schedules: await listGradingSchedules(deps(ctx), pairs) };
    },
  );

  /** Pauses, unpauses or deletes the schedule `scheduleId` for the caller. */
  async function steer(request: FastifyRequest, scheduleId: string, action: ScheduleAction) {
    const schedule = await steerGradingSchedule(
      {
        ...deps(ctx),
        access: {
          collection: (userId, collectionId, what, seen) =>
            ctx.access.collection(userId, collectionId, what, (c) => {
              auditCollection(request)(c);
              seen?.(c);
            }),
        },
      },
      { scheduleId, action, requestedBy: userOf(request) },
    );
    request.zincAudit.outcome = action === 'delete' ? 'deleted' : `${action}d`;
    return { schedule, deleted: action === 'delete' };
  }

  for (const action of SCHEDULE_ACTIONS) {
    const route = {
      config: { audit: `api.schedule.${action}` },
      schema: {
        summary: `${action[0]!.toUpperCase()}${action.slice(1)} a grading schedule`,
        description: `Staff of the collection's course only.${action === 'delete' ? ' Batches it started are kept; the answer shows the schedule as it was.' : ''}`,
        tags: ['schedules'],
        security: SECURITY,
        params: idParamsSchema,
        response: {
          200: z.object({ schedule: scheduleSchema, deleted: z.boolean() }),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    };
    if (action === 'delete') {
      app.delete('/api/schedules/:id', route, (request) =>
        steer(request, request.params.id, action),
      );
    } else {
      app.post(`/api/schedules/:id/${action}`, route, (request) =>
        steer(request, request.params.id, action),
      );
    }
  }

  app.patch(
    '/api/collections/:id/window',
    {
      config: { audit: 'api.collection.window' },
      schema: {
        summary: "Change a collection's window",
        description:
          "Staff of the course only. The given ends replace the stored ones; a stop that is not after the start is refused (400) and changes nothing. The collection's at-close grading schedules move with its stop time (one whose new time has passed and had not fired fires now).",
        tags: ['collections'],
        security: SECURITY,
        params: idParamsSchema,
        body: windowBodySchema,
        response: {
          200: z.object({
            collectionId: z.string(),
            before: windowSchema,
            after: windowSchema,
            movedSchedules: z.array(
              z.object({ scheduleId: z.string(), fireAt: z.string(), firedNow: z.boolean() }),
            ),
          }),
          ...errorResponses(400, 401, 403, 404, 413, 415),
        },
      },
    },
    async (request) => {
      const user = userOf(request);
      const change = await changeCollectionWindow(
        {
          access: {
            collection: (userId, collectionId, what) =>
              ctx.access.collection(userId, collectionId, what, auditCollection(request)),
          },
          submissions: ctx.zinc.submission.store,
          configs: ctx.configs,
          temporal: ctx.temporal,
          now: ctx.now,
        },
        {
          collectionId: request.params.id,
          startAt: request.body.startAt,
          stopAt: request.body.stopAt,
          requestedBy: user,
        },
      );
      request.zincAudit.outcome = 'changed';
      request.zincAudit.details = {
        before: change.before,
        after: change.after,
        movedSchedules: change.movedSchedules,
      };
      return change;
    },
  );
}

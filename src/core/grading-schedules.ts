// Grading at the deadline: Temporal Schedules that start a collection's batch at a time, or at
// the collection's stop time plus a grace (`zinc schedule grade`, POST /api/schedules). One
// schedule per (collection, config version): its ID is `grade-<collectionId>-<configVersion or
// default>`, so asking again for the same pair updates that schedule (new time, fires again
// even if it had fired), and every lookup reads Temporal directly (no visibility lag). Each is a
// one-shot calendar spec whose action is the ScheduledGrading workflow (src/workflows/grading/
// scheduled-grading.ts); `temporal schedule list` and the Web UI show them. Staff of the course
// only; the callers audit (the CLI through `audit`, the API through its request hook).
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError as TemporalScheduleNotFound,
  type ScheduleDescription,
  type ScheduleHandle,
  type ScheduleSpec,
} from '@temporalio/client';
import { BadRequestError, ConflictError, ScheduleNotFoundError, failureSpec } from '../failures.js';
import type { CollectionDetails } from '../extensions/submission/index.js';
import { isOpenStop } from '../extensions/submission/constants.js';
import { objectKey } from '../platform/object-keys.js';
import type { ZincTemporalClient } from '../temporal/client.js';
import { CORE_TASK_QUEUE } from '../temporal/constants.js';
import type {
  GradingTiming,
  ScheduledGradingInput,
  scheduledGradingWorkflow,
} from '../workflows/grading/scheduled-grading.js';
import type { ScheduledStart } from './activities/schedules.js';
import type { AccessControl } from './auth.js';
import { requireGradingConfig, type BatchAdmissionDeps } from './batch-admission.js';
import type { AuditEntry } from './batch-store.js';

const WORKFLOW_TYPE = 'scheduledGradingWorkflow';
const MONTHS = [
  'JANUARY',
  'FEBRUARY',
  'MARCH',
  'APRIL',
  'MAY',
  'JUNE',
  'JULY',
  'AUGUST',
  'SEPTEMBER',
  'OCTOBER',
  'NOVEMBER',
  'DECEMBER',
] as const;

/** What the schedule functions use of the core. */
export interface ScheduleDeps {
  temporal: Pick<ZincTemporalClient, 'client' | 'formatTaskQueue'>;
  access: Pick<AccessControl, 'collection'>;
  configs: BatchAdmissionDeps['configs'];
  /** Where audit rows go (the CLI); the API audits through its request hook instead. */
  audit?: (entry: AuditEntry) => Promise<void>;
  now?: () => Date;
}

/** A grading schedule as `zinc schedule list` and GET /api/schedules show it. */
export interface GradingScheduleView {
  scheduleId: string;
  collectionId: string;
  /** Null: the collection's newest config when it fires. */
  configVersion: string | null;
  requestedBy: string;
  timing: GradingTiming['kind'];
  /** With at-close: seconds after the collection's stop time. */
  graceSecs: number | null;
  /** When it fires (or fired), ISO 8601. */
  fireAt: string;
  /** scheduled: will fire; paused: will not while paused; fired: has fired (and will not again). */
  state: 'scheduled' | 'paused' | 'fired';
  /** What its last firing did, once that is known. */
  lastRun: ScheduledStart | null;
}

/** How a schedule is asked for: at a time, or at the collection's close plus a grace. */
export type ScheduleWhen = { at: Date } | { atClose: { graceSecs: number } };

export interface ScheduleRequest {
  collectionId: string;
  configVersion?: string | undefined;
  requestedBy: string;
  when: ScheduleWhen;
}

/** The schedule ID of a (collection, config version) pair. */
export function gradingScheduleId(collectionId: string, configVersion?: string): string {
  return objectKey(`grade-${collectionId}-${configVersion ?? 'default'}`);
}

/** A one-shot calendar spec for `at` (whole seconds, UTC). */
function specAt(at: Date, comment: string): ScheduleSpec {
  return {
    calendars: [
      {
        year: at.getUTCFullYear(),
        month: MONTHS[at.getUTCMonth()]!,
        dayOfMonth: at.getUTCDate(),
        hour: at.getUTCHours(),
        minute: at.getUTCMinutes(),
        second: at.getUTCSeconds(),
        comment,
      },
    ],
  };
}

/** `at` rounded up to a whole second (calendar specs have no finer grain). */
function wholeSecond(at: Date): Date {
  return new Date(Math.ceil(at.getTime() / 1000) * 1000);
}

function closeTime(collection: CollectionDetails, graceSecs: number): Date {
  if (isOpenStop(collection.stopAt)) {
    throw new ConflictError(
      `collection ${collection.id} has no stop time yet, so it never closes; give it one with zinc collections set-window ${collection.id} --stop <time>`,
    );
  }
  return wholeSecond(new Date(Date.parse(collection.stopAt) + graceSecs * 1000));
}

function timingOf(collection: CollectionDetails, when: ScheduleWhen, now: Date): GradingTiming {
  if ('at' in when) {
    const at = wholeSecond(when.at);
    if (at.getTime() <= now.getTime()) {
      throw new BadRequestError(
        `at: ${when.at.toISOString()} is not in the future; to grade now, use zinc grade ${collection.id}`,
      );
    }
    return { kind: 'at', fireAt: at.toISOString() };
  }
  const { graceSecs } = when.atClose;
  const at = closeTime(collection, graceSecs);
  if (at.getTime() <= now.getTime()) {
    throw new ConflictError(
      `collection ${collection.id} closed at ${collection.stopAt}; its close plus ${graceSecs} s (${at.toISOString()}) has passed; to grade now, use zinc grade ${collection.id}`,
    );
  }
  return { kind: 'at-close', graceSecs, fireAt: at.toISOString() };
}

function describeTiming(timing: GradingTiming): string {
  return timing.kind === 'at'
    ? `at ${timing.fireAt}`
    : `at close + ${timing.graceSecs} s (${timing.fireAt})`;
}

function actionOf(input: ScheduledGradingInput) {
  return {
    type: 'startWorkflow' as const,
    workflowType: WORKFLOW_TYPE,
    workflowId: `scheduled-${input.scheduleId}`,
    taskQueue: input.coreTaskQueue,
    args: [input] as [ScheduledGradingInput],
  };
}

/** The input of a zinc grading schedule, or undefined for any other schedule. */
function inputOf(description: ScheduleDescription): ScheduledGradingInput | undefined {
  const action = description.action;
  if (action.type !== 'startWorkflow' || action.workflowType !== WORKFLOW_TYPE) return undefined;
  return action.args?.[0] as ScheduledGradingInput | undefined;
}

async function describe(
  handle: ScheduleHandle,
): Promise<{ description: ScheduleDescription; input: ScheduledGradingInput } | undefined> {
  try {
    const description = await handle.describe();
    const input = inputOf(description);
    return input ? { description, input } : undefined;
  } catch (err) {
    if (err instanceof TemporalScheduleNotFound) return undefined;
    throw err;
  }
}

/**
 * Waits (a few seconds at most) until the schedule's description satisfies `applied`. Temporal
 * applies a schedule's update, pause and unpause in its scheduler workflow after the call
 * returns, and may apply an update that is still pending after a later unpause (which the
 * update then undoes: it carries the paused state it was made from); so a change is seen
 * applied before the next one is made, and before it is reported.
 */
async function untilApplied(
  handle: ScheduleHandle,
  applied: (found: { description: ScheduleDescription; input: ScheduledGradingInput }) => boolean,
): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const found = await describe(handle);
    if (!found || applied(found) || Date.now() > deadline) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function lastRunOf(
  deps: ScheduleDeps,
  description: ScheduleDescription,
): Promise<ScheduledStart | null> {
  const recent = description.info.recentActions.at(-1);
  if (!recent) return null;
  const handle = deps.temporal.client.workflow.getHandle<typeof scheduledGradingWorkflow>(
    recent.action.workflow.workflowId,
    recent.action.workflow.firstExecutionRunId,
  );
  try {
    if ((await handle.describe()).status.name !== 'COMPLETED') return null;
    return await handle.result();
  } catch {
    return null; // gone from history, or failed: nothing known to show
  }
}

async function viewOf(
  deps: ScheduleDeps,
  scheduleId: string,
  description: ScheduleDescription,
  input: ScheduledGradingInput,
): Promise<GradingScheduleView> {
  // Fired: nothing ahead, and its one action spent (at its time) or taken (fired at once by a
  // window change or an unpause after its time had passed; a manual firing spends no action).
  const fired =
    description.info.nextActionTimes.length === 0 &&
    (description.state.remainingActions === 0 || description.info.numActionsTaken > 0);
  return {
    scheduleId,
    collectionId: input.request.collectionId,
    configVersion: input.request.configVersion ?? null,
    requestedBy: input.request.requestedBy,
    timing: input.timing.kind,
    graceSecs: input.timing.kind === 'at-close' ? input.timing.graceSecs : null,
    fireAt: input.timing.fireAt,
    state: description.state.paused ? 'paused' : fired ? 'fired' : 'scheduled',
    lastRun: await lastRunOf(deps, description),
  };
}

/** Audits a refusal when `deps.audit` is set, then throws it. */
async function refuse(
  deps: ScheduleDeps,
  entry: Omit<AuditEntry, 'outcome' | 'details'>,
  err: unknown,
): Promise<never> {
  const kind = err instanceof Error ? failureSpec(err.name)?.kind : undefined;
  if (deps.audit && (kind === 'request' || kind === 'config')) {
    await deps.audit({
      ...entry,
      outcome: `refused: ${(err as Error).message}`,
      details: { failure: (err as Error).name },
    });
  }
  throw err;
}

/**
 * Creates the grading schedule of (collection, config version), or updates it when there is one
 * (new time and requester; re-armed if it had fired). Staff of the course only; a refusal
 * changes nothing.
 */
export async function scheduleGrading(
  deps: ScheduleDeps,
  request: ScheduleRequest,
): Promise<{ schedule: GradingScheduleView; created: boolean }> {
  const now = (deps.now ?? (() => new Date()))();
  let collection: CollectionDetails | undefined;
  let scheduleId = request.collectionId;
  let timing: GradingTiming;
  try {
    ({ collection } = await deps.access.collection(
      request.requestedBy,
      request.collectionId,
      'schedule.manage',
      (c) => (collection = c),
    ));
    scheduleId = gradingScheduleId(collection.id, request.configVersion);
    await requireGradingConfig(deps.configs, collection.id, request.configVersion);
    timing = timingOf(collection, request.when, now);
  } catch (err) {
    return refuse(
      deps,
      {
        actor: request.requestedBy,
        action: 'schedule.create',
        target: scheduleId,
        courseId: collection?.course.id ?? null,
        collectionId: collection?.id ?? null,
      },
      err,
    );
  }
  const input: ScheduledGradingInput = {
    scheduleId,
    request: {
      collectionId: collection.id,
      ...(request.configVersion ? { configVersion: request.configVersion } : {}),
      requestedBy: request.requestedBy,
    },
    timing,
    coreTaskQueue: deps.temporal.formatTaskQueue(CORE_TASK_QUEUE),
  };
  const comment = `zinc: grade ${collection.id} ${describeTiming(timing)}`;
  const spec = specAt(new Date(timing.fireAt), comment);
  let created = true;
  try {
    await deps.temporal.client.schedule.create({
      scheduleId,
      spec,
      action: actionOf(input),
      policies: { overlap: 'SKIP' },
      state: { remainingActions: 1, note: comment },
      memo: { collectionId: collection.id, configVersion: request.configVersion ?? null },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    created = false;
    await deps.temporal.client.schedule.getHandle(scheduleId).update((previous) => ({
      ...previous,
      spec,
      action: actionOf(input),
      state: { paused: previous.state.paused, remainingActions: 1, note: comment },
    }));
  }
  await deps.audit?.({
    actor: request.requestedBy,
    action: created ? 'schedule.create' : 'schedule.update',
    target: scheduleId,
    outcome: `${created ? 'created' : 'updated'}: grades ${describeTiming(timing)}`,
    details: { timing, configVersion: request.configVersion ?? null },
    courseId: collection.course.id,
    collectionId: collection.id,
  });
  const found = await describe(deps.temporal.client.schedule.getHandle(scheduleId));
  if (!found) throw new ScheduleNotFoundError(`schedule ${scheduleId} vanished after it was made`);
  return {
    schedule: await viewOf(deps, scheduleId, found.description, found.input),
    created,
  };
}

/** The grading schedules of these collections (each pair read directly from Temporal). */
export async function listGradingSchedules(
  deps: ScheduleDeps,
  collections: ReadonlyArray<{ collectionId: string; configVersions: readonly string[] }>,
): Promise<GradingScheduleView[]> {
  const views: GradingScheduleView[] = [];
  for (const { collectionId, configVersions } of collections) {
    for (const version of [undefined, ...configVersions]) {
      const scheduleId = gradingScheduleId(collectionId, version);
      const found = await describe(deps.temporal.client.schedule.getHandle(scheduleId));
      if (found) views.push(await viewOf(deps, scheduleId, found.description, found.input));
    }
  }
  return views;
}

export const SCHEDULE_ACTIONS = ['pause', 'unpause', 'delete'] as const;
export type ScheduleAction = (typeof SCHEDULE_ACTIONS)[number];

/**
 * Pauses, unpauses or deletes a grading schedule; staff of its collection's course only.
 * Unpausing a schedule whose time passed while it was paused (and that never fired) fires it now.
 * Returns the schedule as it was before a delete, as it is after the others.
 */
export async function steerGradingSchedule(
  deps: ScheduleDeps,
  request: { scheduleId: string; action: ScheduleAction; requestedBy: string },
): Promise<GradingScheduleView> {
  const handle = deps.temporal.client.schedule.getHandle(request.scheduleId);
  let collection: CollectionDetails | undefined;
  let found: Awaited<ReturnType<typeof describe>>;
  try {
    found = await describe(handle);
    if (!found) {
      throw new ScheduleNotFoundError(
        `there is no grading schedule ${request.scheduleId}; zinc schedule list shows them`,
      );
    }
    await deps.access.collection(
      request.requestedBy,
      found.input.request.collectionId,
      'schedule.manage',
      (c) => (collection = c),
    );
  } catch (err) {
    return refuse(
      deps,
      {
        actor: request.requestedBy,
        action: `schedule.${request.action}`,
        target: request.scheduleId,
        courseId: collection?.course.id ?? null,
        collectionId: collection?.id ?? null,
      },
      err,
    );
  }
  const note = `${request.action}d by ${request.requestedBy}`;
  const before = await viewOf(deps, request.scheduleId, found.description, found.input);
  // A schedule whose time passed while it was paused (its collection's stop moved into the past,
  // or its time came) would never fire once unpaused: unpausing it grades now, as it would have.
  const now = (deps.now ?? (() => new Date()))();
  const overdue =
    request.action === 'unpause' &&
    found.description.state.paused &&
    found.description.info.numActionsTaken === 0 &&
    new Date(found.input.timing.fireAt).getTime() <= now.getTime();
  if (request.action === 'pause') await handle.pause(note);
  else if (request.action === 'unpause') await handle.unpause(note);
  else await handle.delete();
  if (request.action !== 'delete') {
    const paused = request.action === 'pause';
    await untilApplied(handle, (now) => now.description.state.paused === paused);
  }
  if (overdue) await handle.trigger();
  await deps.audit?.({
    actor: request.requestedBy,
    action: `schedule.${request.action}`,
    target: request.scheduleId,
    outcome:
      request.action === 'delete'
        ? 'deleted'
        : overdue
          ? 'unpaused; its time had passed while paused, so it fired now'
          : `${request.action}d`,
    courseId: collection?.course.id ?? null,
    collectionId: collection?.id ?? null,
  });
  if (request.action === 'delete') return before;
  const after = await describe(handle);
  return after ? viewOf(deps, request.scheduleId, after.description, after.input) : before;
}

/** What moving a collection's stop time did to one of its at-close schedules. */
export interface MovedSchedule {
  scheduleId: string;
  fireAt: string;
  /** It would have fired in the past and had not fired yet: it was fired now. */
  firedNow: boolean;
}

/**
 * Moves the at-close schedules of `collection` (its window already changed) to its new stop
 * time plus their grace. A new time in the future re-arms a schedule that had fired (the
 * collection reopened); one in the past fires a schedule that had not fired yet at once and
 * leaves one that had. (A collection with an at-close schedule always has a stop time:
 * set-window only sets times, and an at-close schedule is refused for an open collection.)
 */
export async function moveAtCloseSchedules(
  deps: Pick<ScheduleDeps, 'temporal' | 'now'>,
  collection: CollectionDetails,
  configVersions: readonly string[],
): Promise<MovedSchedule[]> {
  const now = (deps.now ?? (() => new Date()))();
  const moved: MovedSchedule[] = [];
  for (const version of [undefined, ...configVersions]) {
    const scheduleId = gradingScheduleId(collection.id, version);
    const handle = deps.temporal.client.schedule.getHandle(scheduleId);
    const found = await describe(handle);
    if (!found || found.input.timing.kind !== 'at-close') continue;
    const { graceSecs } = found.input.timing;
    const at = closeTime(collection, graceSecs);
    const timing: GradingTiming = { kind: 'at-close', graceSecs, fireAt: at.toISOString() };
    const input = { ...found.input, timing };
    const comment = `zinc: grade ${collection.id} ${describeTiming(timing)}`;
    const future = at.getTime() > now.getTime();
    const hadFired = found.description.info.numActionsTaken > 0;
    await handle.update((previous) => ({
      ...previous,
      spec: specAt(at, comment),
      action: actionOf(input),
      state: {
        paused: previous.state.paused,
        remainingActions: future ? 1 : (previous.state.remainingActions ?? 0),
        note: comment,
      },
    }));
    await untilApplied(handle, (now) => now.input.timing.fireAt === timing.fireAt);
    const fireNow = !future && !hadFired && !found.description.state.paused;
    if (fireNow) await handle.trigger();
    moved.push({ scheduleId, fireAt: at.toISOString(), firedNow: fireNow });
  }
  return moved;
}

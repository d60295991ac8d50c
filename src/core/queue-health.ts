// Why a batch makes no progress, in words: its activities wait in a task queue that no worker
// polls (Temporal's DescribeTaskQueue: pollers and when each last polled), or they have waited
// longer than the configured schedule-to-start. `zinc batch status|watch`, `zinc grade`'s
// progress line and the API's batch view all ask here; the check also sets the gauges, which the
// core keeps current for the batch queues and the pipeline workers' live queue (0 pollers there:
// live gradings wait, e.g. while every pipeline worker runs a version that does not serve it).
import proto from '@temporalio/proto';
import { Gauge } from 'prom-client';
import type { ZincTemporalClient } from '../temporal/client.js';
import { PIPELINE_LIVE_TASK_QUEUE, PIPELINE_TASK_QUEUE } from '../extensions/pipeline/constants.js';
import { SUBMISSION_TASK_QUEUE } from '../extensions/submission/constants.js';
import type { BatchHandle } from './batch-client.js';

const enums = proto.temporal.api.enums.v1;

/** Workers polling a queue for activities, per queue (a handful of label values in all). */
export const taskQueuePollersGauge = new Gauge({
  name: 'zinc_task_queue_pollers',
  help: 'Workers that polled the task queue for activities in the last 90 s, at the last check',
  labelNames: ['task_queue'],
});

/** Activity tasks waiting for a worker, per queue (Temporal's approximate backlog). */
export const taskQueueBacklogGauge = new Gauge({
  name: 'zinc_task_queue_backlog',
  help: 'Activity tasks waiting in the task queue for a worker (approximate), at the last check',
  labelNames: ['task_queue'],
});

/**
 * A poll this recent means a live worker: an idle worker's long poll lasts up to a minute
 * before it polls again, and Temporal keeps a gone worker in the list for minutes.
 */
export const LIVE_POLL_MS = 90_000;

/** A task queue's activity side as Temporal sees it now. */
export interface QueueHealth {
  taskQueue: string;
  /** Workers that polled within LIVE_POLL_MS. */
  livePollers: number;
  /** The most recent poll by any worker Temporal still remembers (ISO), or null. */
  lastPollAt: string | null;
  /** Activity tasks waiting for a worker (approximate), when the server reports it. */
  backlog: number | null;
}

const toDate = (ts: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
  ts?.seconds == null ? null : new Date(Number(ts.seconds) * 1000 + (ts.nanos ?? 0) / 1e6);

/** Describes the activity side of `taskQueue` (full name) and updates its gauges. */
export async function describeQueueHealth(
  temporal: ZincTemporalClient,
  taskQueue: string,
  now: Date = new Date(),
): Promise<QueueHealth> {
  const answer = await temporal.client.workflowService.describeTaskQueue({
    namespace: temporal.namespace,
    taskQueue: { name: taskQueue, kind: enums.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: enums.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    reportStats: true,
  });
  const polls = (answer.pollers ?? [])
    .map((p) => toDate(p.lastAccessTime))
    .filter((d): d is Date => d !== null);
  const livePollers = polls.filter((d) => now.getTime() - d.getTime() <= LIVE_POLL_MS).length;
  const last = polls.reduce<Date | null>((a, d) => (a && a > d ? a : d), null);
  const count = answer.stats?.approximateBacklogCount;
  const backlog = count == null ? null : Number(count);
  taskQueuePollersGauge.set({ task_queue: taskQueue }, livePollers);
  if (backlog !== null) taskQueueBacklogGauge.set({ task_queue: taskQueue }, backlog);
  return { taskQueue, livePollers, lastPollAt: last?.toISOString() ?? null, backlog };
}

/**
 * A task counts as waiting once it has sat in its queue this long: a live worker with a free
 * slot starts one within milliseconds, so a task scheduled a moment ago says nothing yet.
 */
export const WAITING_AFTER_MS = 5_000;

/** What a batch's workflow waits for: activities scheduled and not yet started by a worker. */
export interface BatchWaiting {
  /** Activities waiting for a worker. */
  tasks: number;
  /** Of them, deliveries (ExecutePipeline). */
  deliveries: number;
  /** The types of the other waiting activities (DescribeConfig...). */
  otherTypes: string[];
  /** When the longest-waiting one was scheduled (ISO), or null. */
  oldestSince: string | null;
}

/** The activities `handle`'s current run waits on (not those in retry backoff, nor new ones). */
export async function batchWaiting(
  handle: BatchHandle,
  now: Date = new Date(),
): Promise<BatchWaiting> {
  const { raw } = await handle.describe();
  const waiting = (raw.pendingActivities ?? []).filter((a) => {
    const scheduled = toDate(a.scheduledTime);
    return (
      a.state === enums.PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED &&
      scheduled !== null &&
      scheduled.getTime() <= now.getTime() - WAITING_AFTER_MS
    );
  });
  const types = waiting.map((a) => a.activityType?.name ?? 'activity');
  const oldest = waiting
    .map((a) => toDate(a.scheduledTime)!)
    .reduce<Date | null>((a, d) => (a && a < d ? a : d), null);
  return {
    tasks: waiting.length,
    deliveries: types.filter((t) => t === 'ExecutePipeline').length,
    otherTypes: [...new Set(types.filter((t) => t !== 'ExecutePipeline'))].sort(),
    oldestSince: oldest?.toISOString() ?? null,
  };
}

/** A time of day as operators read it in a line: 10:42:05 UTC. */
function clock(iso: string): string {
  return `${iso.slice(11, 19)} UTC`;
}

function waitingWords(w: BatchWaiting): string {
  const parts: string[] = [];
  if (w.deliveries > 0)
    parts.push(`${w.deliveries} ${w.deliveries === 1 ? 'delivery' : 'deliveries'}`);
  const others = w.tasks - w.deliveries;
  if (others > 0)
    parts.push(`${others} ${others === 1 ? 'task' : 'tasks'} (${w.otherTypes.join(', ')})`);
  return `${parts.join(' and ')} waiting`;
}

/**
 * Why the batch waits, in words, or null when nothing waits for a worker: a queue nobody polls
 * ("no worker has polled zinc-pipeline-default since 10:42:05 UTC; 8 deliveries waiting"), or
 * a wait past `scheduleToStartSecs` while workers poll (they are all busy).
 */
export function stuckWords(
  queues: readonly QueueHealth[],
  waiting: BatchWaiting,
  scheduleToStartSecs: number,
  now: Date = new Date(),
): string | null {
  if (waiting.tasks === 0) return null;
  const silent = queues.filter((q) => q.livePollers === 0);
  if (silent.length > 0) {
    const words = silent.map((q) =>
      q.lastPollAt
        ? `no worker has polled ${q.taskQueue} since ${clock(q.lastPollAt)}`
        : `no worker is polling ${q.taskQueue}`,
    );
    return `${words.join('; ')}; ${waitingWords(waiting)}`;
  }
  const waitedMs = waiting.oldestSince ? now.getTime() - Date.parse(waiting.oldestSince) : 0;
  if (scheduleToStartSecs > 0 && waitedMs > scheduleToStartSecs * 1000) {
    const busy = queues.map((q) => `${q.livePollers} polling ${q.taskQueue}`).join(', ');
    return `${waitingWords(waiting)} since ${clock(waiting.oldestSince!)}, longer than the ${scheduleToStartSecs} s schedule-to-start; the workers (${busy}) are all busy`;
  }
  return null;
}

/** The activity queues a batch waits on: the submission and pipeline extensions'. */
export function batchActivityQueues(temporal: ZincTemporalClient): string[] {
  return [
    temporal.formatTaskQueue(SUBMISSION_TASK_QUEUE),
    temporal.formatTaskQueue(PIPELINE_TASK_QUEUE),
  ];
}

/**
 * The activity queues whose pollers the core watches: a batch's, and the live queue of the
 * pipeline workers (no batch waits on it, so a batch's stuck words never name it).
 */
export function watchedActivityQueues(temporal: ZincTemporalClient): string[] {
  return [...batchActivityQueues(temporal), temporal.formatTaskQueue(PIPELINE_LIVE_TASK_QUEUE)];
}

/** Why a running batch makes no progress (null: it does not wait on a missing worker). */
export async function whyBatchWaits(
  temporal: ZincTemporalClient,
  handle: BatchHandle,
  scheduleToStartSecs: number,
): Promise<string | null> {
  const now = new Date();
  const waiting = await batchWaiting(handle, now);
  const queues = await Promise.all(
    batchActivityQueues(temporal).map((q) => describeQueueHealth(temporal, q, now)),
  );
  return stuckWords(queues, waiting, scheduleToStartSecs, now);
}

/** Describes the watched activity queues every `intervalMs`, so the gauges stay current. */
export function watchQueueHealth(
  temporal: ZincTemporalClient,
  intervalMs: number,
): { stop(): Promise<void> } {
  let round: Promise<unknown> = Promise.resolve();
  const tick = (): void => {
    round = Promise.all(
      watchedActivityQueues(temporal).map((q) => describeQueueHealth(temporal, q)),
    ).catch(() => undefined); // Temporal away: the gauges keep their last values
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  tick();
  return {
    async stop() {
      clearInterval(timer);
      await round;
    },
  };
}

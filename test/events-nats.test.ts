// zinc's events on a real nats-server with JetStream, through the transactional outbox:
// - a batch announces each delivery's arrival (`submission.received`), each report
//   (`grading.completed`: batch, delivery, student, score, verdict, report key) and its end
//   (`batch.completed`) once each, with the fact's ID as `Nats-Msg-Id`; a retried FinishBatch
//   announces nothing new;
// - a change that rolls back announces nothing;
// - changes made while nats-server is down arrive once each after it is back;
// - a relay that published but died before marking its rows sent: the next relay's resend is
//   dropped by JetStream, and a consumer that honours IDs sees each event once;
// - `zinc events tail` prints events (lines and --json), and says what to set without NATS.
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBookkeepingActivities } from '../src/core/activities/bookkeeping.js';
import { startBatch } from '../src/core/batch-client.js';
import { batchResult } from '../src/cli/watch.js';
import { countPending, pendingEvents } from '../src/platform/event-outbox.js';
import { startEventRelay, type EventRelay } from '../src/platform/event-relay.js';
import type { ZincEvent } from '../src/platform/events.js';
import { createNatsEventBus, readNatsEvents } from '../src/platform/nats-events.js';
import type { ObjectStore } from '../src/platform/object-store.js';
import { deliverProgram, seedCourse, type SeededCourse } from './helpers/course.js';
import { startNatsServer, type NatsServer } from './helpers/nats-server.js';
import { startTestStack, type TestStack } from './helpers/stack.js';
import { exitOf, tempDir } from './helpers/temporal.js';
import { zincBin } from './helpers/zinc-bin.js';

const STREAM = 'ZINC';

/** Python, so no compile stage: grading takes a moment even on a busy machine. */
const CONFIG = [
  '_settings:',
  '  lang: python/python3:3',
  '  lang_version_may_differ: true',
  '  use_template: FILENAMES',
  '  template: [main.py]',
  'stdioTest:',
  '  testCases:',
  '    - { id: 1, file: main.py, stdin: "2 2", expected: "4", score: 1 }',
  '    - { id: 2, file: main.py, stdin: "1 2", expected: "3", score: 1 }',
  'score: { normalizedTo: 100 }',
].join('\n');
const PROGRAMS = {
  correct: 'a, b = map(int, input().split())\nprint(a + b)\n',
  wrong: 'a, b = map(int, input().split())\nprint(a * b)\n',
};

/** Makes `userId` a student of the course and hands in `program` as main.py. */
const deliverPython = (course: SeededCourse, userId: string, program: string) =>
  deliverProgram(course, userId, program, 'main.py');

let nats: NatsServer;
let stack: TestStack;
let course: SeededCourse;
let batchId: string;
/** The relay that replaced the stack's in the killed-relay test. */
let relay: EventRelay | undefined;

interface StreamMessage {
  subject: string;
  msgId: string | undefined;
  event: ZincEvent;
}

/** Every message the stream holds, in order, as JetStream stored it. */
async function streamMessages(): Promise<StreamMessage[]> {
  const nc = await connect({ servers: nats.url });
  try {
    const jsm = await jetstreamManager(nc);
    const { state } = await jsm.streams.info(STREAM);
    const out: StreamMessage[] = [];
    for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
      const msg = await jsm.streams.getMessage(STREAM, { seq });
      if (!msg) continue;
      out.push({ subject: msg.subject, msgId: msg.header?.get('Nats-Msg-Id'), event: msg.json() });
    }
    return out;
  } finally {
    await nc.close();
  }
}

/** The stream's messages once `ok` holds for them (the relay sends within a moment). */
async function streamWhen(ok: (m: StreamMessage[]) => boolean): Promise<StreamMessage[]> {
  for (let i = 0; i < 300; i++) {
    const messages = await streamMessages().catch(() => []);
    if (ok(messages)) return messages;
    await sleep(100);
  }
  throw new Error(
    `the stream never got there; it holds:\n${JSON.stringify(await streamMessages())}`,
  );
}

const ids = (messages: StreamMessage[]) => messages.map((m) => m.event.id);
const of = (messages: StreamMessage[], subject: string) =>
  messages.filter((m) => m.subject === subject);

beforeAll(async () => {
  nats = await startNatsServer();
  stack = await startTestStack({ ZINC_NATS_URL: nats.url });
  course = await seedCourse(stack, 'COMP3111', CONFIG);
  await deliverPython(course, 's1', PROGRAMS.correct);
  await deliverPython(course, 's2', PROGRAMS.wrong);
  await stack.startWorkers();
}, 180_000);

afterAll(async () => {
  await relay?.stop();
  await stack?.stop();
  await nats?.stop();
});

describe('events on NATS', () => {
  it('a batch announces each arrival, each report and its end once, with the fact ID as Nats-Msg-Id', async () => {
    const started = await startBatch(
      stack.temporal,
      { ...stack.config.grading, concurrency: 2 },
      { requestedBy: 'ta', collectionId: course.collectionId },
    );
    batchId = started.batchId;
    const summary = await batchResult(started.handle);
    expect(summary, JSON.stringify(summary)).toMatchObject({
      status: 'completed',
      total: 2,
      done: 2,
    });

    const messages = await streamWhen((m) => of(m, 'batch.completed').length > 0);
    expect(messages.every((m) => m.msgId === m.event.id && m.subject === m.event.subject)).toBe(
      true,
    );
    expect(new Set(ids(messages)).size).toBe(messages.length);

    const deliveries = (await course.store.listDeliveries(course.collectionId)) ?? [];
    const byUser = new Map(deliveries.map((d) => [d.userId, d.id]));
    expect(of(messages, 'submission.received').map((m) => m.event.data)).toEqual(
      ['s1', 's2'].map((userId): unknown =>
        expect.objectContaining({ deliveryId: byUser.get(userId), userId }),
      ),
    );
    const graded = of(messages, 'grading.completed').map((m) => m.event);
    expect(
      graded.map((e) => e.data).sort((a, b) => String(a.userId).localeCompare(String(b.userId))),
    ).toEqual([
      expect.objectContaining({
        batchId,
        deliveryId: byUser.get('s1'),
        userId: 's1',
        score: 100,
        maxScore: 100,
        verdict: 'PASSED',
        reportKey: `reports/${batchId}/${byUser.get('s1')}.json`,
      }),
      expect.objectContaining({
        batchId,
        deliveryId: byUser.get('s2'),
        userId: 's2',
        score: 50,
        verdict: 'WRONG_OUTPUT',
      }),
    ]);
    expect(graded.map((e) => e.id).sort()).toEqual(
      ['s1', 's2'].map((u) => `grading.completed:${batchId}:${byUser.get(u)}`).sort(),
    );
    const [ended] = of(messages, 'batch.completed');
    expect(ended!.event).toMatchObject({
      id: `batch.completed:${batchId}`,
      data: {
        batchId,
        status: 'completed',
        total: 2,
        done: 2,
        counts: { PASSED: 1, WRONG_OUTPUT: 1 },
      },
    });

    // FinishBatch again, as Temporal retries it after a lost completion: nothing new goes out.
    const bookkeeping = createBookkeepingActivities({
      db: stack.platform.db,
      batches: stack.zinc.core.batches,
      reports: stack.zinc.pipeline.service.reports,
      objects: stack.platform.objects,
      submissions: stack.zinc.submission.store,
    });
    const { summaryKey: _k, startedAt: _s, finishedAt: _f, ...counted } = summary;
    await bookkeeping.FinishBatch(counted);
    await stack.flushEvents();
    expect(ids(await streamMessages())).toEqual(ids(messages));
  });

  it('a change that rolls back announces nothing', async () => {
    const before = await streamMessages();
    const deadObjects: ObjectStore = {
      ...stack.platform.objects,
      put: () => Promise.reject(new Error('storage is away')),
    };
    const bookkeeping = createBookkeepingActivities({
      db: stack.platform.db,
      batches: stack.zinc.core.batches,
      reports: stack.zinc.pipeline.service.reports,
      objects: deadObjects,
      submissions: stack.zinc.submission.store,
    });
    const failing = `batch-${course.collectionId}-rolled-back-1`;
    await expect(
      bookkeeping.FinishBatch({
        batchId: failing,
        collectionId: course.collectionId,
        configVersion: course.configVersion,
        requestedBy: 'ta',
        status: 'completed',
        reason: null,
        total: 0,
        done: 0,
        errored: 0,
        counts: {},
        failures: [],
        stats: null,
      }),
    ).rejects.toThrow('storage is away');
    expect(await stack.zinc.core.batches.get(failing)).toBeNull();
    expect(await countPending(stack.platform.db)).toBe(0);
    await stack.flushEvents();
    expect(ids(await streamMessages())).toEqual(ids(before));
  });

  it('changes made while nats-server is down arrive once each after it is back', async () => {
    const before = await streamMessages();
    await nats.stop();
    for (const user of ['s3', 's4', 's5']) await deliverPython(course, user, PROGRAMS.correct);
    // The relay tries, fails, and keeps the events.
    await expect(stack.relay.flush()).rejects.toThrow();
    expect(await countPending(stack.platform.db)).toBe(3);
    await sleep(1_000);
    await nats.start();

    const after = await streamWhen((m) => of(m, 'submission.received').length === 5);
    expect(await countPending(stack.platform.db)).toBe(0);
    expect(new Set(ids(after)).size).toBe(after.length);
    expect(
      of(after, 'submission.received')
        .slice(2)
        .map((m) => m.event.data.userId),
    ).toEqual(['s3', 's4', 's5']);
    expect(after.length).toBe(before.length + 3);
  });

  it('a relay that died after publishing but before marking sent: the next one adds no duplicate', async () => {
    await stack.relay.stop();
    await deliverPython(course, 's6', PROGRAMS.correct);
    const pending = await pendingEvents(stack.platform.db, 100);
    expect(pending.map((e) => e.data.userId)).toEqual(['s6']);
    // What the dead relay did: published the rows, then died before it could mark them sent.
    const dying = createNatsEventBus({ url: nats.url, stream: STREAM });
    for (const { seq: _seq, ...event } of pending) await dying.publish(event);
    await dying.close();
    expect(await countPending(stack.platform.db)).toBe(1);

    relay = startEventRelay({ db: stack.platform.db, bus: stack.platform.events, intervalMs: 50 });
    await relay.flush();
    expect(await countPending(stack.platform.db)).toBe(0);
    const messages = await streamMessages();
    expect(messages.filter((m) => m.event.id === pending[0]!.id)).toHaveLength(1);

    // A consumer that honours IDs reads every event once, in order.
    const read: ZincEvent[] = [];
    const stop = new AbortController();
    await readNatsEvents(
      { url: nats.url, stream: STREAM },
      {
        from: 'all',
        signal: stop.signal,
        onEvent: (event) => {
          read.push(event);
          if (read.length === messages.length) stop.abort();
        },
      },
    );
    expect(read.map((e) => e.id)).toEqual(ids(messages));
  });
});

describe('zinc events tail', () => {
  const dataDir = tempDir('zinc-events-tail-');

  /** Runs `zinc events tail ...args`; `ready` resolves once it reads (it says so on stderr). */
  function startTail(args: string[], env: Record<string, string> = { ZINC_NATS_URL: nats.url }) {
    const child = spawn(process.execPath, [zincBin(), 'events', 'tail', ...args], {
      env: { ...process.env, ZINC_DATA_DIR: dataDir, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let onReady = () => {};
    const ready = new Promise<void>((resolve) => (onReady = resolve));
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes('Press Ctrl-C to stop.')) onReady();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const done = exitOf(child).then((status) => {
      clearTimeout(timer);
      onReady();
      return { status, stdout, stderr };
    });
    return { ready, done };
  }
  const tail = (args: string[], env?: Record<string, string>) => startTail(args, env).done;

  it('prints the events of a subject, one line each or as JSON', async () => {
    const lines = await tail(['--subject', 'batch.completed', '--all', '--count', '1']);
    expect(lines.status, lines.stderr).toBe(0);
    const [line] = lines.stdout.trim().split('\n');
    expect(line).toMatch(new RegExp(`^\\S+Z  batch\\.completed  batch\\.completed:${batchId}  `));
    expect(line).toContain(`batchId=${batchId}`);
    expect(line).toContain('status=completed');
    expect(line).toContain('counts={"PASSED":1,"WRONG_OUTPUT":1}');

    const json = await tail(['--subject', 'grading.completed', '--all', '--count', '2', '--json']);
    expect(json.status, json.stderr).toBe(0);
    const events = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as ZincEvent);
    expect(events.map((e) => [e.subject, e.data.batchId])).toEqual([
      ['grading.completed', batchId],
      ['grading.completed', batchId],
    ]);
  });

  it('follows new events until it has --count of them', async () => {
    const child = startTail(['--subject', 'submission.received', '--count', '1']);
    // It reads only what arrives after it started: wait until it reads, then deliver.
    await child.ready;
    await deliverPython(course, 's7', PROGRAMS.correct);
    const run = await child.done;
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('userId=s7');
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('without NATS configured, with a bad URL or an unknown subject, says what is wrong', async () => {
    const unconfigured = await tail([], {});
    expect(unconfigured.status).toBe(1);
    expect(unconfigured.stderr).toContain('set events.nats.url in zinc.yaml or ZINC_NATS_URL');
    const badUrl = await tail([], { ZINC_NATS_URL: 'http://127.0.0.1:4222' });
    expect(badUrl.status).toBe(1);
    expect(badUrl.stderr).toContain(
      'events.nats.url: expected a nats:// or tls:// URL, e.g. nats://127.0.0.1:4222 (from environment variable ZINC_NATS_URL)',
    );
    const bad = await tail(['--subject', 'grading.done']);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('--subject "grading.done" is not one of zinc\'s subjects');
  });
});

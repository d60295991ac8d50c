// The NATS event bus: events go to a JetStream stream over zinc's subjects (created when missing),
// each with its ID as `Nats-Msg-Id`, so JetStream drops a repeat sent within the stream's duplicate
// window and consumers drop later ones by ID. The connection opens on first use and reconnects
// forever; a publish that fails (NATS away) rejects, and the relay sends the event again later.
import {
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  StorageType,
  jetstream,
  jetstreamManager,
  type JetStreamClient,
} from '@nats-io/jetstream';
import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';
import { EventsUnavailableError } from '../failures.js';
import {
  EVENT_SUBJECTS,
  isEventSubject,
  redactNatsUrl,
  type EventBus,
  type EventHandler,
  type EventSubject,
  type ZincEvent,
} from './events.js';

/** JetStream drops a message whose ID it saw this recently (a relay re-sending after a crash). */
export const DUPLICATE_WINDOW_MS = 10 * 60_000;
/** How long the stream keeps events. */
export const STREAM_MAX_AGE_MS = 30 * 86_400_000;
const PUBLISH_TIMEOUT_MS = 5_000;

export interface NatsEventsOptions {
  /** e.g. nats://127.0.0.1:4222 (user:password@ in it when the server asks for them). */
  url: string;
  /** The JetStream stream that holds zinc's events. */
  stream: string;
  /** The connection's name, as the NATS server's monitoring shows it. */
  name?: string;
}

interface Link {
  nc: NatsConnection;
  js: JetStreamClient;
}

/** A connection opened on first use and shared; a failed attempt is retried by the next use. */
function lazyLink(options: NatsEventsOptions) {
  let link: Promise<Link> | undefined;
  let streamReady = false;
  const open = async (): Promise<Link> => {
    try {
      const nc = await connect({
        servers: options.url,
        name: options.name ?? 'zinc',
        maxReconnectAttempts: -1,
        reconnectTimeWait: 500,
      });
      return { nc, js: jetstream(nc) };
    } catch (err) {
      throw new EventsUnavailableError(
        `cannot reach NATS at ${redactNatsUrl(options.url)}: ${(err as Error).message}`,
        { cause: err },
      );
    }
  };
  return {
    async get(): Promise<Link> {
      link ??= open().catch((err: unknown) => {
        link = undefined;
        throw err;
      });
      const opened = await link;
      if (!streamReady) {
        await ensureStream(opened.nc, options.stream);
        streamReady = true;
      }
      return opened;
    },
    /** Checks the stream again on next use (it may have been deleted, or the server replaced). */
    recheckStream(): void {
      streamReady = false;
    },
    async close(): Promise<void> {
      const current = link;
      link = undefined;
      if (!current) return;
      const opened = await current.catch(() => undefined);
      if (opened && !opened.nc.isClosed()) await opened.nc.close();
    },
  };
}

/** Creates the stream over zinc's subjects when it is missing; an existing one is left as it is. */
export async function ensureStream(nc: NatsConnection, stream: string): Promise<void> {
  const jsm = await jetstreamManager(nc);
  try {
    await jsm.streams.info(stream);
    return;
  } catch (err) {
    if (!(err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound)) {
      throw err;
    }
  }
  await jsm.streams.add({
    name: stream,
    subjects: [...EVENT_SUBJECTS],
    storage: StorageType.File,
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    max_age: nanos(STREAM_MAX_AGE_MS),
  });
}

/** Remembers the last `limit` event IDs, so a consumer hands each fact on once. */
export function createSeenIds(limit = 10_000) {
  const seen = new Set<string>();
  return {
    /** True the first time `id` is offered. */
    first(id: string): boolean {
      if (seen.has(id)) return false;
      seen.add(id);
      if (seen.size > limit) seen.delete(seen.values().next().value!);
      return true;
    },
  };
}

export interface ReadEventsOptions {
  /** Only this subject; absent: every zinc subject. */
  subject?: EventSubject;
  /** new: events stored from now on; all: every event the stream holds, then new ones. */
  from: 'new' | 'all' | Date;
  signal: AbortSignal;
  /** Called once the consumer is in place (events from now on will be read). */
  onReady?: () => void;
  /** Called once per event ID, in stream order. */
  onEvent: (event: ZincEvent) => void | Promise<void>;
}

/** Reads events from the stream until `signal` aborts, each ID once. */
async function readFrom(js: JetStreamClient, stream: string, options: ReadEventsOptions) {
  const start =
    options.from instanceof Date
      ? { deliver_policy: DeliverPolicy.StartTime, opt_start_time: options.from.toISOString() }
      : { deliver_policy: options.from === 'all' ? DeliverPolicy.All : DeliverPolicy.New };
  const consumer = await js.consumers.get(stream, {
    ...start,
    ...(options.subject ? { filter_subjects: options.subject } : {}),
  });
  const messages = await consumer.consume();
  const stop = () => void messages.stop();
  if (options.signal.aborted) stop();
  options.signal.addEventListener('abort', stop, { once: true });
  const seen = createSeenIds();
  options.onReady?.();
  try {
    for await (const msg of messages) {
      const event = msg.json<ZincEvent>();
      if (!isEventSubject(event.subject) || !seen.first(event.id)) continue;
      await options.onEvent(event);
    }
  } finally {
    options.signal.removeEventListener('abort', stop);
  }
}

/** Reads zinc's events from NATS until `options.signal` aborts (`zinc events tail`). */
export async function readNatsEvents(
  nats: NatsEventsOptions,
  options: ReadEventsOptions,
): Promise<void> {
  const link = lazyLink(nats);
  try {
    const { js } = await link.get();
    await readFrom(js, nats.stream, options);
  } finally {
    await link.close();
  }
}

/** An event bus on NATS JetStream; it connects on first publish or subscribe. */
export function createNatsEventBus(
  options: NatsEventsOptions,
  onError: (err: unknown) => void = (err) => console.error('NATS event subscription failed:', err),
): EventBus {
  const link = lazyLink(options);
  const subscriptions = new Set<AbortController>();
  return {
    describe: `NATS ${redactNatsUrl(options.url)}, JetStream stream ${options.stream}`,
    async publish(event) {
      const { js } = await link.get();
      try {
        await js.publish(event.subject, JSON.stringify(event), {
          msgID: event.id,
          timeout: PUBLISH_TIMEOUT_MS,
        });
      } catch (err) {
        link.recheckStream();
        throw err;
      }
    },
    subscribe(subject: EventSubject, handler: EventHandler) {
      const stop = new AbortController();
      subscriptions.add(stop);
      // From the moment of the call, so an event published right after it is not missed.
      const from = new Date();
      void link
        .get()
        .then(({ js }) =>
          readFrom(js, options.stream, { subject, from, signal: stop.signal, onEvent: handler }),
        )
        .catch((err: unknown) => {
          if (!stop.signal.aborted) onError(err);
        });
      return () => {
        stop.abort();
        subscriptions.delete(stop);
      };
    },
    async close() {
      for (const stop of subscriptions) stop.abort();
      subscriptions.clear();
      await link.close();
    },
  };
}

/** What `zinc doctor` says of the NATS bus: reachable, and how many events its stream holds. */
export async function probeNats(
  options: NatsEventsOptions,
  timeoutMs: number,
): Promise<{ ok: boolean; detail: string }> {
  const where = `NATS ${redactNatsUrl(options.url)}`;
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: options.url,
      name: 'zinc-doctor',
      timeout: timeoutMs,
      maxReconnectAttempts: 0,
    });
  } catch (err) {
    const code = (err as { code?: string }).code;
    return { ok: false, detail: `${where}: NOT reachable (${code ?? (err as Error).message})` };
  }
  try {
    const jsm = await jetstreamManager(nc, { timeout: timeoutMs });
    const info = await jsm.streams.info(options.stream);
    return {
      ok: true,
      detail: `${where}, stream ${options.stream}: ${info.state.messages} events stored`,
    };
  } catch (err) {
    if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound) {
      return {
        ok: true,
        detail: `${where}: reachable; stream ${options.stream} not made yet (the core's relay makes it)`,
      };
    }
    return { ok: false, detail: `${where}: JetStream NOT answering (${(err as Error).message})` };
  } finally {
    await nc.close();
  }
}

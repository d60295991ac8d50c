// Events: at-least-once notifications carrying IDs and small facts, never file contents. They
// leave through the transactional outbox (event-outbox.ts): a change records its event in its own
// transaction, and the relay (event-relay.ts) hands it to the bus after commit.

/** Subjects zinc publishes (NATS subjects in production). */
export const EVENT_SUBJECTS = [
  'submission.received',
  'grading.completed',
  'batch.completed',
] as const;
export type EventSubject = (typeof EVENT_SUBJECTS)[number];

/** Whether `value` is one of zinc's subjects. */
export function isEventSubject(value: string): value is EventSubject {
  return (EVENT_SUBJECTS as readonly string[]).includes(value);
}

export interface ZincEvent<T = Record<string, unknown>> {
  subject: EventSubject;
  /**
   * One per fact (e.g. `grading.completed:<batch>:<delivery>`): the same on every retry of the
   * change it announces, so JetStream and idempotent consumers drop repeats.
   */
  id: string;
  /** When the change was recorded (ISO 8601). */
  time: string;
  data: T;
}

export type EventHandler = (event: ZincEvent) => void | Promise<void>;

/** Where the relay hands events: the in-process bus, or NATS JetStream. */
export interface EventBus {
  /** One line for start-up banners: what the bus is. */
  readonly describe: string;
  /** Hands `event` over; resolves once the bus has it (NATS: JetStream acknowledged it). */
  publish(event: ZincEvent): Promise<void>;
  /** Calls `handler` for each event on `subject` from now on; returns an unsubscribe function. */
  subscribe(subject: EventSubject, handler: EventHandler): () => void;
  close(): Promise<void>;
}

/** A NATS URL without its password, for banners and errors. */
export function redactNatsUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, (_m, auth: string) => `//${auth.split(':')[0]}:***@`);
}

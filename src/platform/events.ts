// Events: at-least-once notifications carrying IDs and small facts, never file contents.

/** Subjects zinc publishes (NATS subjects in production). */
export type EventSubject = 'submission.received' | 'grading.completed' | 'batch.completed';

export interface ZincEvent<T = Record<string, unknown>> {
  subject: EventSubject;
  /** Unique per event, so idempotent consumers can drop repeats. */
  id: string;
  time: string;
  data: T;
}

export type EventHandler = (event: ZincEvent) => void | Promise<void>;

export interface EventBus {
  publish(subject: EventSubject, data: Record<string, unknown>): Promise<void>;
  /** Calls `handler` for each event on `subject`; returns an unsubscribe function. */
  subscribe(subject: EventSubject, handler: EventHandler): () => void;
  close(): Promise<void>;
}

// The embedded default event bus: handlers in the same process, called after publish returns.
import { randomUUID } from 'node:crypto';
import type { EventBus, EventHandler, EventSubject, ZincEvent } from './events.js';

/** An in-process bus; a failing handler is reported to `onError` and never fails the publisher. */
export function createInProcessEventBus(
  onError: (err: unknown, event: ZincEvent) => void = (err, event) =>
    console.error(`event handler for ${event.subject} failed:`, err),
): EventBus {
  const handlers = new Map<EventSubject, Set<EventHandler>>();
  return {
    publish(subject, data) {
      const event: ZincEvent = { subject, id: randomUUID(), time: new Date().toISOString(), data };
      for (const handler of handlers.get(subject) ?? []) {
        queueMicrotask(() => {
          Promise.resolve()
            .then(() => handler(event))
            .catch((err: unknown) => onError(err, event));
        });
      }
      return Promise.resolve();
    },
    subscribe(subject, handler) {
      let set = handlers.get(subject);
      if (!set) handlers.set(subject, (set = new Set()));
      set.add(handler);
      return () => set.delete(handler);
    },
    close() {
      handlers.clear();
      return Promise.resolve();
    },
  };
}

// The embedded default event bus: handlers in the same process, called after publish returns.
import type { EventBus, EventHandler, EventSubject } from './events.js';

/** An in-process bus; a failing handler is reported to `onError` and never fails the publisher. */
export function createInProcessEventBus(
  onError: (err: unknown, subject: EventSubject) => void = (err, subject) =>
    console.error(`event handler for ${subject} failed:`, err),
): EventBus {
  const handlers = new Map<EventSubject, Set<EventHandler>>();
  return {
    describe: 'in-process (heard only inside the process that relays them)',
    publish(event) {
      for (const handler of handlers.get(event.subject) ?? []) {
        queueMicrotask(() => {
          Promise.resolve()
            .then(() => handler(event))
            .catch((err: unknown) => onError(err, event.subject));
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

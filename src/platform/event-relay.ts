// The outbox relay: after commit, hands each recorded event to the bus and marks it sent. An event
// the bus did not acknowledge stays in the outbox and is sent again (with the same ID) on a later
// round, so an outage of the bus delays events but loses none. Run by the core's process.
import type { Queryable } from './database.js';
import type { EventBus } from './events.js';
import { markSent, pendingEvents, pruneSent } from './event-outbox.js';

/** Sent events stay this long in the outbox (a retry of their change then records nothing). */
export const OUTBOX_RETENTION_DAYS = 7;
const PRUNE_EVERY_MS = 3_600_000;
const MAX_BACKOFF_MS = 5_000;
const BATCH_SIZE = 200;

export interface EventRelayOptions {
  db: Queryable;
  bus: EventBus;
  /** How often to look for new events when the outbox was empty. */
  intervalMs: number;
  /** A failed round (bus or database away); the relay retries with backoff. */
  onError?: (err: unknown) => void;
}

export interface EventRelay {
  /** Sends what the outbox holds now; rejects with the bus's error if it cannot. */
  flush(): Promise<void>;
  /**
   * Stops after the round in progress and, unless the bus was failing, one last round; what is
   * left waits in the outbox for the next relay.
   */
  stop(): Promise<void>;
}

/** Sends up to one batch of pending events; returns how many were sent. */
async function relayRound(db: Queryable, bus: EventBus): Promise<number> {
  const pending = await pendingEvents(db, BATCH_SIZE);
  if (pending.length === 0) return 0;
  const results = await Promise.allSettled(
    pending.map(({ seq: _seq, ...event }) => bus.publish(event)),
  );
  await markSent(
    db,
    pending.filter((_, i) => results[i]!.status === 'fulfilled').map((e) => e.seq),
  );
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return pending.length;
}

/** Starts relaying the outbox of `db` to `bus` until stopped. */
export function startEventRelay(options: EventRelayOptions): EventRelay {
  const { db, bus, intervalMs } = options;
  let stopped = false;
  let wake: (() => void) | undefined;
  let lastPrune = 0;
  let failing = false;
  // One round at a time: flush() and the loop never send the same rows concurrently.
  let running: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = running.then(fn, fn);
    running = next.catch(() => undefined);
    return next;
  };
  const drain = async (): Promise<void> => {
    while ((await relayRound(db, bus)) === BATCH_SIZE);
  };

  const loop = (async () => {
    let delay = intervalMs;
    while (!stopped) {
      try {
        await exclusive(drain);
        if (Date.now() - lastPrune > PRUNE_EVERY_MS) {
          await pruneSent(db, OUTBOX_RETENTION_DAYS);
          lastPrune = Date.now();
        }
        delay = intervalMs;
        failing = false;
      } catch (err) {
        failing = true;
        if (stopped) break;
        options.onError?.(err);
        delay = Math.min(Math.max(delay * 2, intervalMs), MAX_BACKOFF_MS);
      }
      if (stopped) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  })();

  return {
    flush: () => exclusive(drain),
    async stop() {
      stopped = true;
      wake?.();
      await loop;
      if (!failing) await exclusive(drain).catch((err: unknown) => options.onError?.(err));
    },
  };
}

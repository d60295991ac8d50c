// Infrastructure outages waited out (v7, patch 'wait-out-outages'). ExecutePipeline's retry
// policy rides out a short blip; when a delivery's attempts run out because object storage or
// the database is down, the delivery is not ERRORED: the batch holds (starts no delivery), one
// probe activity waits on the pipeline queue until the service answers again (its own retries,
// unbounded, record nothing in history until it succeeds), and every held delivery is then
// scheduled again with a fresh set of attempts. So an outage of any length counts against no
// delivery. Student and config failures, and every other failure, end as before.
import { condition, log, patched } from '@temporalio/workflow';
import type { BatchOutageWait, WaitedService } from './types.js';

export const WAIT_OUT_OUTAGES_PATCH = 'wait-out-outages';

/** The failure types that mean a service is down, and the service each names. */
const WAITED: Readonly<Record<string, WaitedService>> = {
  ObjectStoreUnavailable: 'object storage',
  DatabaseUnavailable: 'database',
};

export interface OutageHold {
  /** Set while the batch waits for a service: it starts no delivery meanwhile. */
  readonly waiting: BatchOutageWait | undefined;
  /** Runs `attempt`, and again after the service is back each time it fails for an outage. */
  waitOut<T>(attempt: () => Promise<T>): Promise<T>;
}

/**
 * A batch's outage hold. `failureType` reads an activity failure's type; `awaitService` resolves
 * once the service answers again (a probe activity retried until it succeeds).
 */
export function createOutageHold(
  failureType: (err: unknown) => string | undefined,
  awaitService: (service: WaitedService) => Promise<void>,
): OutageHold {
  let waiting: BatchOutageWait | undefined;

  /** Waits until the outage `service` is over; the first delivery to hit it runs the probe. */
  async function hold(service: WaitedService): Promise<void> {
    const current = waiting;
    if (current) {
      current.held += 1;
      try {
        await condition(() => waiting !== current);
      } finally {
        current.held -= 1;
      }
      return;
    }
    const started: BatchOutageWait = { service, since: new Date().toISOString(), held: 1 };
    waiting = started;
    log.warn('batch waits for infrastructure', { service });
    try {
      await awaitService(service);
      log.info('infrastructure back, held deliveries retried', { service, held: started.held });
    } finally {
      waiting = undefined;
    }
  }

  return {
    get waiting() {
      return waiting;
    },
    async waitOut<T>(attempt: () => Promise<T>): Promise<T> {
      for (;;) {
        try {
          return await attempt();
        } catch (err) {
          const type = failureType(err);
          const service =
            type !== undefined && Object.hasOwn(WAITED, type) ? WAITED[type] : undefined;
          if (service === undefined || !patched(WAIT_OUT_OUTAGES_PATCH)) throw err;
          await hold(service);
        }
      }
    },
  };
}

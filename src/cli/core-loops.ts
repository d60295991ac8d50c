// What the core process does besides its workers: reconcile batches that ended outside zinc
// (every 30 s), keep the task-queue gauges current (every 15 s), and relay the event outbox to the
// bus (NATS when configured): every process records events in the shared database, the core's
// process publishes them.
import type { ZincConfig } from '../config/index.js';
import { RECONCILE_INTERVAL_MS, startBatchReconciler } from '../core/batch-reconciler.js';
import { watchQueueHealth } from '../core/queue-health.js';
import { startEventRelay } from '../platform/event-relay.js';
import type { Zinc } from '../main/zinc.js';
import {
  ensureSearchAttributes,
  missingSearchAttributes,
  searchAttributeCommand,
} from '../temporal/search-attributes.js';
import { SEARCH_ATTRIBUTES } from '../temporal/constants.js';
import { connectTemporalClient } from '../temporal/client.js';

/** How often the core refreshes zinc_task_queue_pollers and zinc_task_queue_backlog. */
const QUEUE_HEALTH_INTERVAL_MS = 15_000;

export interface CoreLoops {
  /** One line for the start-up banner. */
  describe: string;
  /** Where the outbox's events go, for the banner. */
  events: string;
  stop(): Promise<void>;
}

/** Starts the core's loops on their own Temporal client. */
export async function startCoreLoops(
  config: ZincConfig,
  address: string,
  zinc: Zinc,
): Promise<CoreLoops> {
  const temporal = await connectTemporalClient(config.temporal, address);
  // On a Temporal zinc did not start, zinc's search attributes are added when it may; when it
  // may not, the operator is told the command that adds them (zinc doctor says so too).
  try {
    await ensureSearchAttributes(temporal.connection, temporal.namespace);
  } catch (err) {
    const missing = await missingSearchAttributes(temporal.connection, temporal.namespace).catch(
      () => [...SEARCH_ATTRIBUTES],
    );
    if (missing.length > 0) {
      process.stderr.write(
        `zinc cannot add its search attributes to namespace ${temporal.namespace} (${(err as Error).message}); batches will not start until an operator runs:\n  ${searchAttributeCommand(temporal.namespace, missing)}\n`,
      );
    }
  }
  let lastError = '';
  const reconciler = startBatchReconciler(zinc.core, temporal, {
    onError: (err) => {
      // Once per distinct error, not every round while Temporal is away.
      const text = err instanceof Error ? err.message : String(err);
      if (text !== lastError) process.stderr.write(`batch reconciler: ${text}\n`);
      lastError = text;
    },
  });
  const queues = watchQueueHealth(temporal, QUEUE_HEALTH_INTERVAL_MS);
  let lastRelayError = '';
  const relay = startEventRelay({
    db: zinc.platform.db,
    bus: zinc.platform.events,
    intervalMs: config.events.relay.interval_ms,
    onError: (err) => {
      // Once per distinct error while the bus is away; the events wait in the outbox.
      const text = err instanceof Error ? err.message : String(err);
      if (text !== lastRelayError) {
        process.stderr.write(`event relay: ${text} (events wait in the outbox)\n`);
      }
      lastRelayError = text;
    },
  });
  return {
    events: `outbox relayed to ${zinc.platform.events.describe}`,
    describe: `ended outside zinc (terminated, timed out) are recorded within ${RECONCILE_INTERVAL_MS / 1000} s`,
    async stop() {
      await relay.stop();
      await reconciler.stop();
      await queues.stop();
      await temporal.close();
    },
  };
}

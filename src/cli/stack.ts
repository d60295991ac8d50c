// The Temporal side of a CLI command: the configured server, a running `zinc up`'s, or the
// embedded stack started in this process (dev server and every worker) for as long as needed.
import type { ZincConfig } from '../config/index.js';
import { join } from 'node:path';
import type { Zinc } from '../main/zinc.js';
import { dataPaths } from '../platform/paths.js';
import { connectTemporalClient, type ZincTemporalClient } from '../temporal/client.js';
import { acquireTemporalServer, type TemporalServerHandle } from '../temporal/embedded.js';
import { installRuntime } from '../temporal/runtime.js';
import type { ZincLogger } from '../platform/logger.js';
import { installTracing, shutdownTracing } from '../platform/tracing.js';
import { createWorkerSet, type WorkerSet } from '../temporal/worker.js';
import { COMPONENTS, openComponents, type ComponentSet } from '../main/components.js';
import { startEventRelay, type EventRelay } from '../platform/event-relay.js';

export interface Stack {
  temporal: ZincTemporalClient;
  /** This process's log. */
  log: ZincLogger;
  server: TemporalServerHandle;
  /** Set when this process runs the workers (it started the embedded dev server). */
  inProcess: { zinc: Zinc; workers: WorkerSet } | undefined;
  close(): Promise<void>;
}

export interface OpenStackOptions {
  /** A server's log is stderr; a command's (the default) is the data dir's logs/zinc.log. */
  logToStderr?: boolean;
}

/** Connects to Temporal, starting the embedded stack in this process when none runs. */
export async function openStack(
  config: ZincConfig,
  options: OpenStackOptions = {},
): Promise<Stack> {
  // A command's terminal is the user's: the SDK's messages (a failed workflow's warning...)
  // and the workers' logs go to the log file instead.
  const log = installRuntime({
    ...config.telemetry.logs,
    ...(options.logToStderr ? {} : { file: join(dataPaths(config.data_dir).logs, 'zinc.log') }),
  });
  // Before any client or worker: they take their interceptors from it.
  installTracing(config.telemetry.tracing);
  const server = await acquireTemporalServer(config);
  let components: ComponentSet | undefined;
  let workers: WorkerSet | undefined;
  let running: Promise<void> | undefined;
  let relay: EventRelay | undefined;
  try {
    if (server.devServer) {
      components = await openComponents(config, COMPONENTS);
      workers = await createWorkerSet({
        temporal: config.temporal,
        address: server.address,
        worker: config.worker,
        registrations: components.registrations,
      });
      running = workers.run();
      // This process serves the core for now, so it relays the events its work records.
      relay = startEventRelay({
        db: components.platform.db,
        bus: components.platform.events,
        intervalMs: config.events.relay.interval_ms,
        onError: (err) =>
          log.warn(`event relay: ${(err as Error).message} (events wait in the outbox)`),
      });
    }
    const temporal = await connectTemporalClient(config.temporal, server.address);
    return {
      temporal,
      log,
      server,
      inProcess: components && workers ? { zinc: components.zinc, workers } : undefined,
      async close() {
        await temporal.close();
        workers?.shutdown();
        await running;
        await workers?.close();
        await relay?.stop(); // after the workers: the batch's last events go out first
        await components?.close();
        await server.release();
        await shutdownTracing(); // the command's spans, sent before the process ends
      },
    };
  } catch (err) {
    workers?.shutdown();
    await running?.catch(() => undefined);
    await workers?.close();
    await relay?.stop();
    await components?.close();
    await server.release();
    throw err;
  }
}

/** Runs `fn` with the stack open, closing it afterwards (and on Ctrl-C, gracefully). */
export async function withStack<T>(
  config: ZincConfig,
  fn: (stack: Stack) => Promise<T>,
): Promise<T> {
  const stack = await openStack(config);
  try {
    return await fn(stack);
  } finally {
    await stack.close();
  }
}

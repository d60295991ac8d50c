// Test helper: the whole zinc stack in this process on a real dev server, a real PGlite in a
// temporary data dir and disk object storage, with every component's workers.
import { loadConfig, type ZincConfig } from '../../src/config/index.js';
import type { Platform } from '../../src/platform/platform.js';
import { startEventRelay, type EventRelay } from '../../src/platform/event-relay.js';
import { openPlatform } from '../../src/platform/platform.js';
import { COMPONENTS, openComponents } from '../../src/main/components.js';
import { createZinc, migrateComponents, type Zinc } from '../../src/main/zinc.js';
import { connectTemporalClient, type ZincTemporalClient } from '../../src/temporal/client.js';
import type { DevServer } from '../../src/temporal/dev-server.js';
import type { Registration } from '../../src/temporal/registration.js';
import { installRuntime } from '../../src/temporal/runtime.js';
import { createWorkerSet, type WorkerSet } from '../../src/temporal/worker.js';
import { NAMESPACE, startTestServer, tempDir } from './temporal.js';

export interface TestStack {
  config: ZincConfig;
  server: DevServer;
  platform: Platform;
  /** zinc's components over `platform`, built by the composition root. */
  zinc: Zinc;
  temporal: ZincTemporalClient;
  /** The outbox relay to `platform.events`, as the core's process runs it. */
  relay: EventRelay;
  /** Hands every event recorded so far to `platform.events`' in-process subscribers. */
  flushEvents(): Promise<void>;
  /** Starts workers for `registrations` (default: every component); stop them with the result. */
  startWorkers(registrations?: Registration[]): Promise<{ stop(): Promise<void> }>;
  stop(): Promise<void>;
}

/** A fresh stack; `env` holds extra configuration overrides (ZINC_... variables). */
export async function startTestStack(env: Record<string, string> = {}): Promise<TestStack> {
  installRuntime({ level: 'error' });
  const dataDir = tempDir('zinc-stack-');
  const server = await startTestServer();
  const config = loadConfig({
    env: { ZINC_TEMPORAL_NAMESPACE: NAMESPACE, ZINC_TEMPORAL_HOST_PORT: server.address, ...env },
    overrides: { dataDir },
    cwd: dataDir,
  });
  const platform = await openPlatform(config);
  await migrateComponents(platform);
  const temporal = await connectTemporalClient(config.temporal, server.address);
  const relay = startEventRelay({ db: platform.db, bus: platform.events, intervalMs: 50 });
  const running: Array<{ workers: WorkerSet; done: Promise<void> }> = [];
  return {
    config,
    server,
    platform,
    zinc: createZinc(config, platform),
    temporal,
    relay,
    async flushEvents() {
      await relay.flush();
      await new Promise((resolve) => setImmediate(resolve));
    },
    async startWorkers(registrations) {
      const regs =
        registrations ?? (await openComponents(config, COMPONENTS, { platform })).registrations;
      const workers = await createWorkerSet({
        temporal: config.temporal,
        address: server.address,
        worker: config.worker,
        registrations: regs,
      });
      const entry = { workers, done: workers.run() };
      running.push(entry);
      return {
        async stop() {
          workers.shutdown();
          await entry.done;
          await workers.close();
          running.splice(running.indexOf(entry), 1);
        },
      };
    },
    async stop() {
      for (const { workers, done } of running.splice(0)) {
        workers.shutdown();
        await done;
        await workers.close();
      }
      await relay.stop();
      await temporal.close();
      await platform.close();
      await server.stop();
    },
  };
}

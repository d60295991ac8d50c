// The RFD's cross-task-queue pattern on a real dev server, with the activity's worker in another
// OS process: routing, waiting for a queue's worker, and graceful shutdown on SIGTERM.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUBMISSION_TASK_QUEUE } from '../src/extensions/submission/constants.js';
import { connectTemporalClient, type ZincTemporalClient } from '../src/temporal/client.js';
import { temporalConfigSchema, workerConfigSchema } from '../src/temporal/config.js';
import { CORE_TASK_QUEUE } from '../src/temporal/constants.js';
import type { DevServer } from '../src/temporal/dev-server.js';
import { asWorkflows } from '../src/temporal/registration.js';
import { installRuntime } from '../src/temporal/runtime.js';
import { createWorkerSet, type WorkerSet } from '../src/temporal/worker.js';
import {
  NAMESPACE,
  exitOf,
  spawnTs,
  startTestServer,
  tempDir,
  waitForFile,
} from './helpers/temporal.js';

const workerScript = fileURLToPath(new URL('./fixtures/submission-worker.ts', import.meta.url));
const workflowsPath = fileURLToPath(new URL('./fixtures/workflows.ts', import.meta.url));
const temporalConfig = temporalConfigSchema.parse({ namespace: NAMESPACE });

let server: DevServer;
let temporal: ZincTemporalClient;
let core: WorkerSet;
let coreRunning: Promise<void>;

beforeAll(async () => {
  installRuntime({ level: 'warn' });
  server = await startTestServer();
  temporal = await connectTemporalClient(temporalConfig, server.address);
  core = await createWorkerSet({
    temporal: temporalConfig,
    address: server.address,
    worker: workerConfigSchema.parse({}),
    registrations: [asWorkflows(CORE_TASK_QUEUE, workflowsPath)],
  });
  coreRunning = core.run();
});

afterAll(async () => {
  core?.shutdown();
  await coreRunning;
  await core?.close();
  await temporal?.close();
  await server?.stop();
});

function startWorkerProcess(markers: string, delayMs = 0) {
  return spawnTs(workerScript, {
    ZINC_TEST_ADDRESS: server.address,
    ZINC_TEST_NAMESPACE: NAMESPACE,
    ZINC_TEST_MARKERS: markers,
    ZINC_TEST_DELAY_MS: String(delayMs),
  });
}

function startCall(arg: string) {
  return temporal.client.workflow.start('callOnQueue', {
    taskQueue: temporal.formatTaskQueue(CORE_TASK_QUEUE),
    workflowId: `cross-queue-${arg}-${Date.now()}`,
    args: [
      {
        taskQueue: temporal.formatTaskQueue(SUBMISSION_TASK_QUEUE),
        activity: 'fixtureLookup',
        arg,
      },
    ],
  });
}

describe('cross-task-queue activities', () => {
  it('a core workflow gets the result of an activity served only by a submission worker in another process', async () => {
    const markers = tempDir();
    const child = startWorkerProcess(markers);
    try {
      await waitForFile(join(markers, 'worker-ready'));
      const handle = await startCall('d-1');
      const result = (await handle.result()) as { echoed: string; pid: number };
      expect(result.echoed).toBe('d-1');
      expect(result.pid).toBe(child.pid);
      expect(result.pid).not.toBe(process.pid);
      expect(temporal.formatTaskQueue(SUBMISSION_TASK_QUEUE)).toBe('zinc-submission-default');
    } finally {
      child.kill('SIGTERM');
      await exitOf(child);
    }
  });

  it('an activity waits on its queue while no worker polls it, then runs once one starts', async () => {
    const markers = tempDir();
    const handle = await startCall('waiting');
    let pending;
    for (let i = 0; i < 100; i++) {
      pending = (await handle.describe()).raw.pendingActivities ?? [];
      if (pending.length > 0) break;
      await sleep(100);
    }
    expect(pending).toHaveLength(1);
    // Give any other worker a chance to pick it up: none may.
    await sleep(3_000);
    const still = (await handle.describe()).raw.pendingActivities ?? [];
    expect(still).toHaveLength(1);
    expect(still[0]!.activityType?.name).toBe('fixtureLookup');
    expect(still[0]!.state).toBe(1); // PENDING_ACTIVITY_STATE_SCHEDULED: not started anywhere
    expect(still[0]!.attempt).toBe(1);
    expect(existsSync(join(markers, 'started-waiting'))).toBe(false);

    const child = startWorkerProcess(markers);
    try {
      const result = (await handle.result()) as { echoed: string; pid: number };
      expect(result).toEqual({ echoed: 'waiting', pid: child.pid });
      expect(readFileSync(join(markers, 'started-waiting'), 'utf8')).toBe(String(child.pid));
    } finally {
      child.kill('SIGTERM');
      await exitOf(child);
    }
  });

  it('a worker stopped with SIGTERM finishes its in-flight activity before it exits', async () => {
    const markers = tempDir();
    const child = startWorkerProcess(markers, 4_000);
    await waitForFile(join(markers, 'worker-ready'));
    const handle = await startCall('in-flight');
    await waitForFile(join(markers, 'started-in-flight'));
    expect(existsSync(join(markers, 'finished-in-flight'))).toBe(false);
    child.kill('SIGTERM');
    expect(await exitOf(child)).toBe(0);
    expect(existsSync(join(markers, 'finished-in-flight'))).toBe(true);
    expect(existsSync(join(markers, 'worker-exited'))).toBe(true);
    const result = (await handle.result()) as { echoed: string };
    expect(result.echoed).toBe('in-flight');
  });
});

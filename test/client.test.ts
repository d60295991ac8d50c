// The Temporal client wrapper: connects, exposes namespace and prefix, fails with address and cause.
import { TemporalConnectionError } from '../src/failures.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTemporalClient } from '../src/temporal/client.js';
import { temporalConfigSchema } from '../src/temporal/config.js';
import { freePort, type DevServer } from '../src/temporal/dev-server.js';
import { NAMESPACE, startTestServer } from './helpers/temporal.js';

let server: DevServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

describe('connectTemporalClient', () => {
  it('connects and formats task queues with the configured prefix', async () => {
    const config = temporalConfigSchema.parse({ namespace: NAMESPACE, task_queue_prefix: 'acme' });
    const temporal = await connectTemporalClient(config, server.address);
    expect(temporal.namespace).toBe(NAMESPACE);
    expect(temporal.taskQueuePrefix).toBe('acme');
    expect(temporal.formatTaskQueue('pipeline-default')).toBe('acme-pipeline-default');
    const info = await temporal.connection.workflowService.getSystemInfo({});
    expect(info.serverVersion).toMatch(/^1\.29\./);
    await temporal.close();
  });

  it('retries with backoff, then fails naming the address and the cause', async () => {
    const port = await freePort(); // nothing listens here
    const config = temporalConfigSchema.parse({ namespace: NAMESPACE });
    const retries: number[] = [];
    const error = await connectTemporalClient(config, `127.0.0.1:${port}`, {
      attempts: 3,
      minDelayMs: 10,
      onRetry: (attempt) => retries.push(attempt),
    }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(TemporalConnectionError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `cannot reach Temporal at 127\\.0\\.0\\.1:${port} \\(namespace ${NAMESPACE}\\) after 3 attempt\\(s\\): .+`,
      ),
    );
    expect(retries).toEqual([1, 2, 3]);
  });

  it('fails when the namespace does not exist, naming it', async () => {
    const config = temporalConfigSchema.parse({ namespace: 'zinc-nowhere' });
    await expect(connectTemporalClient(config, server.address, { attempts: 1 })).rejects.toThrow(
      /namespace zinc-nowhere.*Namespace zinc-nowhere is not found/i,
    );
  });
});

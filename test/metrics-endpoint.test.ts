// Where a serving process's /metrics listens: the default port belongs to the first zinc process
// on a machine, so a second one (a `zinc worker` beside `zinc up`) takes a free port and says
// so; an address the operator configured is kept to, and a taken one stops the process.
import { createServer, type Server } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { startProcessMetrics } from '../src/cli/metrics-process.js';
import { METRICS_DEFAULT_ADDRESS } from '../src/platform/telemetry-config.js';

const [host, port] = METRICS_DEFAULT_ADDRESS.split(':') as [string, string];
let holder: Server | undefined;

/** Makes sure something listens on the default address (this test, or whoever already does). */
async function occupyDefault(): Promise<void> {
  const server = createServer();
  await new Promise<void>((resolve) => {
    server.once('error', () => resolve()); // taken already: as good
    server.listen(Number(port), host, () => {
      holder = server;
      resolve();
    });
  });
}

afterAll(() => {
  holder?.close();
});

describe('the metrics endpoint of a serving process', () => {
  it('moves to a free port, saying why, when the default one is taken', async () => {
    await occupyDefault();
    const metrics = await startProcessMetrics(loadConfig({ env: {} }), { level: 'error' });
    try {
      expect(metrics?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      expect(metrics?.url).not.toContain(`:${port}/`);
      expect(metrics?.note).toBe(`${METRICS_DEFAULT_ADDRESS} was taken by another process`);
      const text = await (await fetch(metrics!.url)).text();
      expect(text).toMatch(/^# HELP /m);
    } finally {
      await metrics?.close();
    }
  });

  it('refuses a configured address that is taken, naming it and the setting', async () => {
    await occupyDefault();
    const config = loadConfig({ env: { ZINC_METRICS_ADDRESS: `localhost:${port}` } });
    await expect(startProcessMetrics(config, { level: 'error' })).rejects.toThrow(
      `the metrics endpoint cannot listen on localhost:${port}: the port is in use; choose another with telemetry.metrics.address or ZINC_METRICS_ADDRESS`,
    );
  });
});

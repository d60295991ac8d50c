// The embedded Temporal dev server: readiness, search attributes, Web UI, restarts after kill -9,
// slow starts, clean stops, and data directories that share nothing.
import { DevServerError } from '../src/failures.js';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connectTemporalClient } from '../src/temporal/client.js';
import { findTemporalCli } from '../src/temporal/cli-binary.js';
import { temporalConfigSchema } from '../src/temporal/config.js';
import { SEARCH_ATTRIBUTES } from '../src/temporal/constants.js';
import type { DevServer } from '../src/temporal/dev-server.js';
import { NAMESPACE, startTestServer, tempDir } from './helpers/temporal.js';

const config = temporalConfigSchema.parse({ namespace: NAMESPACE });
const started: DevServer[] = [];

async function start(options: Parameters<typeof startTestServer>[0] = {}): Promise<DevServer> {
  const server = await startTestServer(options);
  started.push(server);
  return server;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});

async function startIdleWorkflow(address: string, workflowId: string): Promise<void> {
  const temporal = await connectTemporalClient(config, address);
  try {
    // No worker serves this queue: the workflow just stays open, which is all we need.
    await temporal.client.workflow.start('noSuchWorkflow', {
      taskQueue: 'zinc-nobody',
      workflowId,
      searchAttributes: { ZincCollectionId: ['col_test'] },
    });
  } finally {
    await temporal.close();
  }
}

async function workflowStatus(address: string, workflowId: string): Promise<string> {
  const temporal = await connectTemporalClient(config, address);
  try {
    return (await temporal.client.workflow.getHandle(workflowId).describe()).status.name;
  } finally {
    await temporal.close();
  }
}

describe('the embedded dev server', () => {
  it('starts with the namespace, zinc search attributes and the Web UI, and stops cleanly', async () => {
    const stateDir = tempDir();
    const server = await start({ stateDir, ui: true });
    expect(server.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(existsSync(join(stateDir, 'temporal.sqlite'))).toBe(true);
    expect(existsSync(join(stateDir, 'server.json'))).toBe(true);

    const temporal = await connectTemporalClient(config, server.address);
    const { customAttributes } = await temporal.connection.operatorService.listSearchAttributes({
      namespace: NAMESPACE,
    });
    await temporal.close();
    for (const name of SEARCH_ATTRIBUTES) expect(customAttributes?.[name]).toBe(2); // Keyword

    const ui = await fetch(server.uiUrl!);
    expect(ui.status).toBe(200);

    await server.stop();
    await server.exited;
    expect(existsSync(join(stateDir, 'server.json'))).toBe(false);
    await expect(connectTemporalClient(config, server.address, { attempts: 1 })).rejects.toThrow(
      /cannot reach Temporal/,
    );
  });

  it('comes back after kill -9 on the same SQLite file with earlier workflows still there', async () => {
    const stateDir = tempDir();
    const first = await start({ stateDir });
    await startIdleWorkflow(first.address, 'survives-kill-9');
    process.kill(first.pid, 'SIGKILL');
    expect(await first.exited).toBe('SIGKILL');

    const second = await start({ stateDir });
    expect(await workflowStatus(second.address, 'survives-kill-9')).toBe('RUNNING');
    const temporal = await connectTemporalClient(config, second.address);
    const found = [];
    for await (const wf of temporal.client.workflow.list({
      query: 'ZincCollectionId="col_test"',
    })) {
      found.push(wf.workflowId);
    }
    await temporal.close();
    expect(found).toEqual(['survives-kill-9']);
  });

  it('waits through a slow start well past 5 seconds', async () => {
    const dir = tempDir();
    const slow = join(dir, 'slow-temporal');
    writeFileSync(slow, `#!/bin/sh\nsleep 8\nexec "${findTemporalCli()}" "$@"\n`);
    chmodSync(slow, 0o755);
    const before = Date.now();
    const server = await start({ cliPath: slow, startTimeoutMs: 60_000 });
    expect(Date.now() - before).toBeGreaterThan(8_000); // it really was slow, and zinc waited
    const temporal = await connectTemporalClient(config, server.address, { attempts: 1 });
    expect(temporal.namespace).toBe(NAMESPACE);
    await temporal.close();
  });

  it('gives the log when the server cannot start', async () => {
    const dir = tempDir();
    const broken = join(dir, 'broken-temporal');
    writeFileSync(broken, '#!/bin/sh\necho "bind: address already in use" >&2\nexit 3\n');
    chmodSync(broken, 0o755);
    const error = await startTestServer({ cliPath: broken }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(DevServerError);
    expect((error as Error).message).toMatch(/exited \(3\) before it was ready/);
    expect((error as Error).message).toMatch(/address already in use/);
  });

  it('keeps two data directories apart', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    expect(a.address).not.toBe(b.address);
    expect(a.dbFile).not.toBe(b.dbFile);
    await startIdleWorkflow(a.address, 'only-in-a');
    expect(await workflowStatus(a.address, 'only-in-a')).toBe('RUNNING');
    await expect(workflowStatus(b.address, 'only-in-a')).rejects.toThrow(/not found/i);
  });
});

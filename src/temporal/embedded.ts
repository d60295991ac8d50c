// Which Temporal server a zinc command talks to: the configured one, a running `zinc up`'s
// dev server in the same data dir, or a dev server started for as long as the command needs it.
// The Temporal SDK loads only once it is needed (a live server to check, one to start): a
// command that merely asks whether a server runs stays quick.
import { processAlive } from '../platform/process-alive.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ZincConfig } from '../config/index.js';
import { dataPaths, prepareDataDir } from '../platform/paths.js';
import { findTemporalCli } from './cli-binary.js';
import type { DevServer } from './dev-server.js';

export interface TemporalServerHandle {
  address: string;
  uiUrl: string | undefined;
  /** Set when this process started the dev server (and so must stop it). */
  devServer: DevServer | undefined;
  /** Stops the dev server if this process started it. */
  release(): Promise<void>;
}

/** The dev server another zinc process runs on this data dir, if it answers. */
export async function runningDevServer(
  dataDir: string,
): Promise<{ address: string; uiUrl: string | undefined } | undefined> {
  const stateFile = join(dataPaths(dataDir).temporal, 'server.json');
  if (!existsSync(stateFile)) return undefined;
  let state: { pid?: number; address?: string; uiUrl?: string };
  try {
    state = JSON.parse(readFileSync(stateFile, 'utf8')) as typeof state;
  } catch {
    return undefined;
  }
  if (!state.pid || !state.address || !processAlive(state.pid)) return undefined;
  const { Connection } = await import('@temporalio/client');
  try {
    const connection = await Connection.connect({ address: state.address, connectTimeout: '2s' });
    try {
      await connection.healthService.check({});
    } finally {
      await connection.close();
    }
  } catch {
    return undefined;
  }
  return { address: state.address, uiUrl: state.uiUrl };
}

/**
 * Resolves the Temporal server to use, starting the embedded dev server when needed; `signal`
 * aborts that start (and stops the server).
 */
export async function acquireTemporalServer(
  config: ZincConfig,
  options: { signal?: AbortSignal; uiCodecEndpoint?: string } = {},
): Promise<TemporalServerHandle> {
  if (config.temporal.host_port !== undefined) {
    return {
      address: config.temporal.host_port,
      uiUrl: undefined,
      devServer: undefined,
      release: async () => {},
    };
  }
  const running = await runningDevServer(config.data_dir);
  if (running) return { ...running, devServer: undefined, release: async () => {} };
  const dev = config.temporal.dev_server;
  prepareDataDir(config.data_dir);
  const { startDevServer } = await import('./dev-server.js');
  const devServer = await startDevServer({
    cliPath: findTemporalCli(),
    stateDir: dataPaths(config.data_dir).temporal,
    namespace: config.temporal.namespace,
    port: dev.port,
    uiPort: dev.ui_port,
    ui: dev.ui,
    logLevel: dev.log_level,
    startTimeoutMs: dev.start_timeout_secs * 1000,
    signal: options.signal,
    uiCodecEndpoint: options.uiCodecEndpoint,
  });
  return {
    address: devServer.address,
    uiUrl: devServer.uiUrl,
    devServer,
    release: () => devServer.stop(),
  };
}

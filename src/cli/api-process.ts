// Serving the HTTP API from a zinc process (`zinc up`, `zinc api`): a Temporal client of its
// own, the server over the process's platform, listening where the configuration says.
import type { Command } from 'commander';
import { apiConfigSchema } from '../api/config.js';
import { createApiServer, listenApi } from '../api/server.js';
import type { ZincConfig } from '../config/index.js';
import type { Zinc } from '../main/zinc.js';
import { connectTemporalClient } from '../temporal/client.js';
import type { ZincLogger } from '../platform/logger.js';

export interface RunningApi {
  url: string;
  close(): Promise<void>;
}

/** The configuration with `--api-port`/`--api-host` applied; a bad value stops the command. */
export function withApiOptions(
  config: ZincConfig,
  opts: { apiPort?: string; apiHost?: string },
  command: Command,
): ZincConfig {
  const parsed = apiConfigSchema.safeParse({
    ...config.api,
    ...(opts.apiPort !== undefined ? { port: opts.apiPort } : {}),
    ...(opts.apiHost !== undefined ? { host: opts.apiHost } : {}),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    command.error(`zinc ${command.name()}: --api-${String(issue.path[0])}: ${issue.message}`);
  }
  return { ...config, api: parsed.data };
}

/** Starts the API against Temporal at `address`, over built zinc, logging to `log`; close it when done. */
export async function startApi(
  config: ZincConfig,
  address: string,
  zinc: Zinc,
  log: ZincLogger,
  options: { codecOrigins?: readonly string[] } = {},
): Promise<RunningApi> {
  const temporal = await connectTemporalClient(config.temporal, address);
  try {
    const app = await createApiServer({ config, temporal, zinc, log, ...options });
    try {
      const url = await listenApi(app, config.api);
      return {
        url,
        async close() {
          await app.close();
          await temporal.close();
        },
      };
    } catch (err) {
      await app.close();
      throw err;
    }
  } catch (err) {
    await temporal.close();
    throw err;
  }
}

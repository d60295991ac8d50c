// `zinc api`: the HTTP API alone, against the configured Temporal (or a running `zinc up`'s);
// when no Temporal server runs, the embedded stack is started in this process, as `zinc up` does.
import type { Command } from 'commander';
import { openZinc, type Zinc } from '../../main/zinc.js';
import { startApi, withApiOptions } from '../api-process.js';
import { configFrom } from '../context.js';
import { openStack } from '../stack.js';
import { reportRunningBatches, startProcessMetrics } from '../metrics-process.js';

/** Resolves on the first SIGINT or SIGTERM. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const handler = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      resolve(signal);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}

/** Registers `zinc api`. */
export function registerApi(program: Command): void {
  program
    .command('api')
    .description('serve the HTTP API until Ctrl-C (with the embedded stack when no Temporal runs)')
    .option('--api-port <port>', 'the port (env ZINC_API_PORT; default 8080; 0: a free one)')
    .option('--api-host <host>', 'the address (env ZINC_API_HOST; default 127.0.0.1)')
    .action(async (opts: { apiPort?: string; apiHost?: string }, command: Command) => {
      const config = withApiOptions(configFrom(command), opts, command);
      // Before openStack, whose runtime install is then a no-op: the SDK exports its metrics too.
      const metrics = await startProcessMetrics(config, {
        ...config.telemetry.logs,
        base: { process: 'zinc api' },
      });
      let stack;
      try {
        stack = await openStack(config, { logToStderr: true });
      } catch (err) {
        await metrics?.close();
        throw err;
      }
      let owned: (Zinc & { close(): Promise<void> }) | undefined;
      try {
        let zinc = stack.inProcess?.zinc;
        if (!zinc) {
          owned = await openZinc(config, { serveDatabase: true });
          zinc = owned;
        }
        reportRunningBatches(zinc);
        const api = await startApi(config, stack.temporal.address, zinc, stack.log);
        try {
          const lines = [
            `zinc API is up (data dir ${config.data_dir})`,
            `  Temporal:    ${stack.temporal.address}, namespace ${config.temporal.namespace}${stack.inProcess ? ' (embedded dev server, workers in this process)' : ''}`,
            ...(stack.server.uiUrl ? [`  Web UI:      ${stack.server.uiUrl}`] : []),
            `  API:         ${api.url} (OpenAPI: ${api.url}/api/openapi.json)`,
            `  web app:     ${api.url}/ (sign in with an API token)`,
            ...(metrics
              ? [`  metrics:     ${metrics.url}${metrics.note ? ` (${metrics.note})` : ''}`]
              : []),
            'Press Ctrl-C to stop.',
          ];
          process.stdout.write(`${lines.join('\n')}\n`);
          const signal = await untilSignal();
          process.stderr.write(`\n${signal}: stopping...\n`);
        } finally {
          await api.close();
        }
      } finally {
        await owned?.close();
        await stack.close();
        await metrics?.close();
      }
    });
}

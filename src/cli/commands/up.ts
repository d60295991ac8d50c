// `zinc up`: the embedded stack and the HTTP API in one process; `zinc worker <component>`: one
// component alone.
import type { Command } from 'commander';
import { acquireTemporalServer } from '../../temporal/embedded.js';
import { installRuntime } from '../../temporal/runtime.js';
import { createWorkerSet, runUntilAborted } from '../../temporal/worker.js';
import { COMPONENTS, openComponents, type Component } from '../../main/components.js';
import { configFrom } from '../context.js';
import type { ZincConfig } from '../../config/index.js';
import { startApi, withApiOptions, type RunningApi } from '../api-process.js';
import { describeContainment, detectContainment } from '../../extensions/pipeline/index.js';

/**
 * Serves `components` until SIGINT or SIGTERM. A signal during start-up stops what has started
 * so far (the dev server, the database and its socket) instead of leaving it behind; a second
 * signal exits at once, still killing the dev server and removing lock and state files.
 */
async function serve(
  config: ZincConfig,
  components: readonly Component[],
  title: string,
  options: { api?: boolean } = {},
): Promise<void> {
  installRuntime();
  const stopping = new AbortController();
  let up = false;
  let api: RunningApi | undefined;
  let apiClosed: Promise<void> | undefined;
  const closeApi = (): Promise<void> => (apiClosed ??= api?.close() ?? Promise.resolve());
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping.signal.aborted) process.exit(130);
    process.stderr.write(
      up
        ? `\n${signal}: finishing in-flight work, then stopping...\n`
        : `\n${signal}: stopping what has started...\n`,
    );
    stopping.abort(new Error(`stopped by ${signal}`));
    if (up) void closeApi(); // no new requests; those in flight finish
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const server = await acquireTemporalServer(config, { signal: stopping.signal });
    try {
      stopping.signal.throwIfAborted();
      const set = await openComponents(config, components);
      try {
        stopping.signal.throwIfAborted();
        if (options.api) api = await startApi(config, server.address, set.zinc);
        stopping.signal.throwIfAborted();
        const workers = await createWorkerSet({
          temporal: config.temporal,
          address: server.address,
          worker: config.worker,
          registrations: set.registrations,
        });
        if (!stopping.signal.aborted) {
          const lines = [
            `${title} (data dir ${config.data_dir})`,
            `  Temporal:    ${server.address}, namespace ${config.temporal.namespace}${server.devServer ? ' (embedded dev server)' : ''}`,
            ...(server.uiUrl ? [`  Web UI:      ${server.uiUrl}`] : []),
            ...(api ? [`  API:         ${api.url} (OpenAPI: ${api.url}/api/openapi.json)`] : []),
            `  task queues: ${workers.taskQueues.join(', ')}`,
            ...(components.includes('pipeline')
              ? [
                  `  sandbox:     ${describeContainment(detectContainment(config.pipeline.sandbox.containment))}`,
                ]
              : []),
            'Press Ctrl-C to stop.',
          ];
          process.stdout.write(`${lines.join('\n')}\n`);
          up = true;
        }
        await runUntilAborted(workers, stopping.signal);
      } finally {
        await closeApi();
        await set.close();
      }
    } finally {
      await server.release();
    }
  } catch (err) {
    if (!up && stopping.signal.aborted) {
      process.stderr.write('Stopped before it was up; everything it had started is stopped.\n');
      process.exitCode = 130;
      return;
    }
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export function registerUp(program: Command): void {
  program
    .command('up')
    .description(
      'run the whole zinc stack and the HTTP API in one process until Ctrl-C (embedded Temporal unless configured)',
    )
    .option(
      '--api-port <port>',
      'the HTTP API port (env ZINC_API_PORT; default 8080; 0: a free one)',
    )
    .option('--api-host <host>', 'the HTTP API address (env ZINC_API_HOST; default 127.0.0.1)')
    .action(async (opts: { apiPort?: string; apiHost?: string }, command: Command) => {
      const config = withApiOptions(configFrom(command), opts, command);
      await serve(config, COMPONENTS, 'zinc is up', { api: true });
    });

  program
    .command('worker <component>')
    .description(`run one component's worker until Ctrl-C: ${COMPONENTS.join(', ')}`)
    .action(async (component: string, _opts, command: Command) => {
      if (!(COMPONENTS as readonly string[]).includes(component)) {
        command.error(
          `zinc worker: unknown component "${component}" (expected ${COMPONENTS.join(', ')})`,
        );
      }
      await serve(configFrom(command), [component as Component], `zinc ${component} worker is up`);
    });
}

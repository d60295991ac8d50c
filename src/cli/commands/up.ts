// `zinc up`: the embedded stack and the HTTP API in one process; `zinc worker <component>`: one
// component alone, configured by zinc.yaml or, with --core, by the core's configuration service.
import type { Command } from 'commander';
import { acquireTemporalServer } from '../../temporal/embedded.js';
import { freeLoopbackAddress } from '../../platform/free-port.js';
import { installRuntime } from '../../temporal/runtime.js';
import { reportRunningBatches, startProcessMetrics } from '../metrics-process.js';
import { installTracing, shutdownTracing } from '../../platform/tracing.js';
import { createWorkerSet, runUntilAborted } from '../../temporal/worker.js';
import { COMPONENTS, openComponents, type Component } from '../../main/components.js';
import { configFrom, type GlobalOptions } from '../context.js';
import type { ZincConfig } from '../../config/index.js';
import { startApi, withApiOptions, type RunningApi } from '../api-process.js';
import { describeContainment, detectContainment } from '../../extensions/pipeline/index.js';
import { startConfigService, type RunningConfigurationService } from '../config-service-process.js';
import { fetchWorkerConfig } from '../../core/config-service/client.js';
import { coreConnectionFromEnv } from '../../config/core-connection.js';
import { startCoreLoops, type CoreLoops } from '../core-loops.js';

interface ServeOptions {
  api?: boolean;
  /** Serve the extension configuration service (the core does, unless it was fetched itself). */
  configService?: boolean;
  /** Where this process's configuration came from, when not from zinc.yaml. */
  fetched?: { address: string; sections: readonly string[] };
}

/**
 * Serves `components` until SIGINT or SIGTERM. A signal during start-up stops what has started
 * so far (the dev server, the database and its socket) instead of leaving it behind; a second
 * signal exits at once, still killing the dev server and removing lock and state files.
 */
async function serve(
  config: ZincConfig,
  components: readonly Component[],
  title: string,
  options: ServeOptions = {},
): Promise<void> {
  const name = components.length === 1 ? `zinc worker ${components[0]}` : 'zinc up';
  // First: a metrics address that cannot be served stops the process before anything starts.
  const metrics = await startProcessMetrics(config, {
    ...config.telemetry.logs,
    base: { process: name },
  });
  const log = installRuntime();
  const tracing = installTracing(config.telemetry.tracing);
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
    // With payloads encrypted, the embedded Web UI decodes them through this process's API.
    let uiCodecEndpoint: string | undefined;
    if (options.api && config.temporal.encryption) {
      const port =
        config.api.port === 0
          ? Number((await freeLoopbackAddress()).split(':')[1])
          : config.api.port;
      config = { ...config, api: { ...config.api, port } };
      const host = ['0.0.0.0', '::'].includes(config.api.host) ? '127.0.0.1' : config.api.host;
      uiCodecEndpoint = `http://${host.includes(':') ? `[${host}]` : host}:${port}/api/codec`;
    }
    const server = await acquireTemporalServer(config, {
      signal: stopping.signal,
      ...(uiCodecEndpoint ? { uiCodecEndpoint } : {}),
    });
    try {
      stopping.signal.throwIfAborted();
      const set = await openComponents(config, components);
      if (components.includes('core')) reportRunningBatches(set.zinc);
      let configService: RunningConfigurationService | undefined;
      try {
        stopping.signal.throwIfAborted();
        if (options.configService) {
          configService = await startConfigService(config, server.address, set.platform);
        }
        stopping.signal.throwIfAborted();
        if (options.api) {
          api = await startApi(config, server.address, set.zinc, log, {
            codecOrigins: server.uiUrl ? [new URL(server.uiUrl).origin] : [],
          });
        }
        stopping.signal.throwIfAborted();
        const workers = await createWorkerSet({
          temporal: config.temporal,
          address: server.address,
          worker: config.worker,
          registrations: set.registrations,
        });
        let loops: CoreLoops | undefined;
        if (components.includes('core') && !stopping.signal.aborted) {
          loops = await startCoreLoops(config, server.address, set.zinc);
        }
        if (!stopping.signal.aborted) {
          const lines = [
            `${title} (data dir ${config.data_dir})`,
            ...(options.fetched
              ? [
                  `  config:      ${options.fetched.sections.join(', ')} from the core at ${options.fetched.address}`,
                ]
              : []),
            `  Temporal:    ${server.address}, namespace ${config.temporal.namespace}${server.devServer ? ' (embedded dev server)' : ''}`,
            ...(server.uiUrl ? [`  Web UI:      ${server.uiUrl}`] : []),
            ...(api ? [`  API:         ${api.url} (OpenAPI: ${api.url}/api/openapi.json)`] : []),
            ...(api ? [`  web app:     ${api.url}/ (sign in with an API token)`] : []),
            ...(metrics
              ? [`  metrics:     ${metrics.url}${metrics.note ? ` (${metrics.note})` : ''}`]
              : []),
            ...(configService
              ? [
                  `  config service: ${configService.address} (zinc worker <component> --core ${configService.address})`,
                ]
              : []),
            `  task queues: ${workers.taskQueues.join(', ')}`,
            ...(tracing ? [`  traces:      OTLP to ${tracing.endpoint}`] : []),
            ...(loops ? [`  batches:     ${loops.describe}`] : []),
            ...(loops ? [`  events:      ${loops.events}`] : []),
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
        try {
          await runUntilAborted(workers, stopping.signal);
        } finally {
          await loops?.stop();
        }
      } finally {
        await closeApi();
        await configService?.close();
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
    await metrics?.close();
    await shutdownTracing();
  }
}

export function registerUp(program: Command): void {
  program
    .command('up')
    .description(
      'run the whole zinc stack, the HTTP API and the configuration service in one process until Ctrl-C (embedded Temporal unless configured)',
    )
    .option(
      '--api-port <port>',
      'the HTTP API port (env ZINC_API_PORT; default 8080; 0: a free one)',
    )
    .option('--api-host <host>', 'the HTTP API address (env ZINC_API_HOST; default 127.0.0.1)')
    .action(async (opts: { apiPort?: string; apiHost?: string }, command: Command) => {
      const config = withApiOptions(configFrom(command), opts, command);
      await serve(config, COMPONENTS, 'zinc is up', { api: true, configService: true });
    });

  program
    .command('worker <component>')
    .description(
      `run one component's worker until Ctrl-C: ${COMPONENTS.join(', ')}. ` +
        "With --core it reads no zinc.yaml: it fetches its component's configuration from the core",
    )
    .option(
      '--core <address>',
      "the core's configuration service, host:port or https://host:port (env ZINC_CORE_ADDRESS; printed by zinc up)",
    )
    .option(
      '--token <token>',
      'the worker token for --core (env ZINC_WORKER_TOKEN, which keeps it out of the process list; zinc token create --worker <component>)',
    )
    .option(
      '--core-ca <file>',
      "for an https:// --core: the PEM file of the CA that signed the core's certificate (env ZINC_CORE_CA; default: the system's)",
    )
    .action(async (component: string, opts: WorkerOptions, command: Command) => {
      if (!(COMPONENTS as readonly string[]).includes(component)) {
        command.error(
          `zinc worker: unknown component "${component}" (expected ${COMPONENTS.join(', ')})`,
        );
      }
      const title = `zinc ${component} worker is up`;
      const fromEnv = coreConnectionFromEnv();
      const address = opts.core ?? fromEnv.address;
      const token = opts.token ?? fromEnv.token;
      if (address === undefined) {
        if (opts.token !== undefined || opts.coreCa !== undefined) {
          command.error('zinc worker: --token and --core-ca go with --core');
        }
        // The core serves the configuration service to the other components' workers.
        await serve(configFrom(command), [component as Component], title, {
          configService: component === 'core',
        });
        return;
      }
      if (token === undefined) {
        command.error(
          'zinc worker: --core needs a worker token: --token or env ZINC_WORKER_TOKEN ' +
            `(zinc token create --worker ${component} on the core)`,
        );
      }
      const { dataDir, config: configFile } = command.optsWithGlobals<GlobalOptions>();
      if (configFile !== undefined) {
        command.error('zinc worker: --core takes the configuration from the core, not --config');
      }
      const fetched = await fetchWorkerConfig({
        address,
        token,
        component: component as Component,
        dataDir,
        caFile: opts.coreCa ?? fromEnv.caFile,
      });
      await serve(fetched.config, [component as Component], title, {
        fetched: { address, sections: fetched.sections },
      });
    });
}

interface WorkerOptions {
  core?: string;
  token?: string;
  coreCa?: string;
}

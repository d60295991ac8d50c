// `zinc up`: the embedded stack in one process; `zinc worker <component>`: one component alone.
import type { Command } from 'commander';
import { acquireTemporalServer } from '../../temporal/embedded.js';
import { installRuntime } from '../../temporal/runtime.js';
import { createWorkerSet, runUntilSignal } from '../../temporal/worker.js';
import { COMPONENTS, openComponents, type Component } from '../processes.js';
import { configFrom } from '../context.js';
import type { ZincConfig } from '../../platform/config.js';

async function serve(
  config: ZincConfig,
  components: readonly Component[],
  title: string,
): Promise<void> {
  installRuntime();
  const server = await acquireTemporalServer(config);
  try {
    const set = await openComponents(config, components);
    try {
      const workers = await createWorkerSet({
        temporal: config.temporal,
        address: server.address,
        worker: config.worker,
        registrations: set.registrations,
      });
      const lines = [
        `${title} (data dir ${config.data_dir})`,
        `  Temporal:    ${server.address}, namespace ${config.temporal.namespace}${server.devServer ? ' (embedded dev server)' : ''}`,
        ...(server.uiUrl ? [`  Web UI:      ${server.uiUrl}`] : []),
        `  task queues: ${workers.taskQueues.join(', ')}`,
        'Press Ctrl-C to stop.',
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
      await runUntilSignal(workers, (signal) =>
        process.stderr.write(`\n${signal}: finishing in-flight work, then stopping...\n`),
      );
    } finally {
      await set.close();
    }
  } finally {
    await server.release();
  }
}

export function registerUp(program: Command): void {
  program
    .command('up')
    .description(
      'run the whole zinc stack in one process until Ctrl-C (embedded Temporal unless configured)',
    )
    .action(async (_opts, command: Command) => {
      await serve(configFrom(command), COMPONENTS, 'zinc is up');
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

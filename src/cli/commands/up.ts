// `zinc up`: the embedded stack in one process (dev server + every component's workers).
import type { Command } from 'commander';
import { acquireTemporalServer } from '../../temporal/embedded.js';
import { installRuntime } from '../../temporal/runtime.js';
import { createWorkerSet, runUntilSignal } from '../../temporal/worker.js';
import { allRegistrations } from '../processes.js';
import { configFrom } from '../context.js';

export function registerUp(program: Command): void {
  program
    .command('up')
    .description(
      'run the whole zinc stack in one process until Ctrl-C (embedded Temporal unless configured)',
    )
    .action(async (_opts, command: Command) => {
      const config = configFrom(command);
      installRuntime();
      const server = await acquireTemporalServer(config);
      try {
        const workers = await createWorkerSet({
          temporal: config.temporal,
          address: server.address,
          worker: config.worker,
          registrations: allRegistrations(),
        });
        const lines = [
          `zinc is up (data dir ${config.data_dir})`,
          `  Temporal:   ${server.address}, namespace ${config.temporal.namespace}${server.devServer ? ' (embedded dev server)' : ''}`,
          ...(server.uiUrl ? [`  Web UI:     ${server.uiUrl}`] : []),
          `  task queues: ${workers.taskQueues.join(', ')}`,
          'Press Ctrl-C to stop.',
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
        await runUntilSignal(workers, (signal) =>
          process.stderr.write(`\n${signal}: finishing in-flight work, then stopping...\n`),
        );
      } finally {
        await server.release();
      }
    });
}

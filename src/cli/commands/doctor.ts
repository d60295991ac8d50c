// `zinc doctor`: proves the stack works end to end (server, namespace, search attributes, queues).
import type { Command } from 'commander';
import { connectTemporalClient } from '../../temporal/client.js';
import { CORE_TASK_QUEUE } from '../../temporal/constants.js';
import { acquireTemporalServer } from '../../temporal/embedded.js';
import { installRuntime } from '../../temporal/runtime.js';
import { missingSearchAttributes } from '../../temporal/search-attributes.js';
import { createWorkerSet } from '../../temporal/worker.js';
import type { healthCheckWorkflow } from '../../workflows/health/health-check.js';
import { allRegistrations } from '../processes.js';
import { configFrom } from '../context.js';

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description(
      'check that Temporal answers and every task queue is served (starts what it needs)',
    )
    .option('--json', 'print the result as JSON')
    .action(async (opts: { json?: boolean }, command: Command) => {
      const config = configFrom(command);
      installRuntime();
      const server = await acquireTemporalServer(config);
      try {
        const temporal = await connectTemporalClient(config.temporal, server.address);
        const workers = await createWorkerSet({
          temporal: config.temporal,
          address: server.address,
          worker: config.worker,
          registrations: allRegistrations(),
        });
        const running = workers.run();
        try {
          const missing = await missingSearchAttributes(temporal.connection, temporal.namespace);
          const answers = await temporal.client.workflow.execute<typeof healthCheckWorkflow>(
            'healthCheckWorkflow',
            {
              taskQueue: temporal.formatTaskQueue(CORE_TASK_QUEUE),
              workflowId: `zinc-doctor-${process.pid}-${Date.now()}`,
              args: [{ taskQueues: [...workers.taskQueues], timeoutSecs: 30 }],
            },
          );
          const report = {
            dataDir: config.data_dir,
            temporal: {
              address: server.address,
              namespace: temporal.namespace,
              embedded: !!server.devServer,
              uiUrl: server.uiUrl,
            },
            missingSearchAttributes: missing,
            taskQueues: answers.map((a) => ({
              taskQueue: a.taskQueue,
              pid: a.pid,
              activities: a.activities.length,
            })),
          };
          if (opts.json) {
            process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
          } else {
            const out = [
              `Temporal     ${server.address} (namespace ${temporal.namespace}${server.devServer ? ', embedded dev server' : ''}): healthy`,
              ...(server.uiUrl ? [`Web UI       ${server.uiUrl}`] : []),
              `Search attrs ${missing.length === 0 ? 'all registered' : `missing: ${missing.join(', ')}`}`,
              ...answers.map(
                (a) =>
                  `Task queue   ${a.taskQueue}: served by pid ${a.pid} (${a.activities.length} activities)`,
              ),
              missing.length === 0 ? 'zinc is healthy.' : 'zinc is NOT healthy.',
            ];
            process.stdout.write(`${out.join('\n')}\n`);
          }
          if (missing.length > 0) process.exitCode = 1;
        } finally {
          workers.shutdown();
          await running;
          await workers.close();
          await temporal.close();
        }
      } finally {
        await server.release();
      }
    });
}

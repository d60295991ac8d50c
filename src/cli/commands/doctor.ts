// `zinc doctor`: proves the stack works end to end (server, namespace, search attributes, queues)
// and says what the telemetry exporters and the event bus do.
import type { Command } from 'commander';
import { CORE_TASK_QUEUE } from '../../temporal/constants.js';
import {
  missingSearchAttributes,
  searchAttributeCommand,
} from '../../temporal/search-attributes.js';
import { formatTaskQueue } from '../../temporal/task-queue.js';
import type { healthCheckWorkflow } from '../../workflows/health/health-check.js';
import { SUBMISSION_TASK_QUEUE } from '../../extensions/submission/constants.js';
import {
  PIPELINE_LIVE_TASK_QUEUE,
  PIPELINE_TASK_QUEUE,
} from '../../extensions/pipeline/constants.js';
import {
  defaultLauncherPath,
  describeContainment,
  detectContainment,
  launcherProblemAt,
} from '../../extensions/pipeline/index.js';
import { configFrom } from '../context.js';
import { withStack } from '../stack.js';
import { probeEvents, probeMetrics, probeTraces } from '../telemetry-probe.js';

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description(
      'check that Temporal answers and every task queue is served (with no server running, starts the embedded stack for the check)',
    )
    .option('--json', 'print the result as JSON')
    .action(async (opts: { json?: boolean }, command: Command) => {
      const config = configFrom(command);
      await withStack(config, async ({ temporal, server }) => {
        const prefix = config.temporal.task_queue_prefix;
        const queues = [
          CORE_TASK_QUEUE,
          SUBMISSION_TASK_QUEUE,
          PIPELINE_TASK_QUEUE,
          PIPELINE_LIVE_TASK_QUEUE,
        ].map((q) => formatTaskQueue(prefix, q));
        const missing = await missingSearchAttributes(temporal.connection, temporal.namespace);
        const answers = await temporal.client.workflow.execute<typeof healthCheckWorkflow>(
          'healthCheckWorkflow',
          {
            taskQueue: formatTaskQueue(prefix, CORE_TASK_QUEUE),
            workflowId: `zinc-doctor-${process.pid}-${Date.now()}`,
            args: [{ taskQueues: queues, timeoutSecs: 15 }],
            workflowExecutionTimeout: '60s',
          },
        );
        const [metrics, traces, events] = await Promise.all([
          probeMetrics(config.telemetry.metrics),
          probeTraces(config.telemetry.tracing),
          probeEvents(config.events),
        ]);
        // The launcher this machine's sandboxes would start (built from this zinc's launcher.c?).
        const launcherProblem = launcherProblemAt(
          config.pipeline.sandbox.launcher ?? defaultLauncherPath(),
        );
        const healthy =
          launcherProblem === null &&
          missing.length === 0 &&
          answers.every((a) => 'worker' in a) &&
          metrics.ok &&
          traces.ok &&
          events.ok;
        const containment = detectContainment(config.pipeline.sandbox.containment);
        const report = {
          healthy,
          dataDir: config.data_dir,
          sandbox: {
            containment: containment.mode,
            detail: describeContainment(containment),
            launcher: launcherProblem ?? 'built from this zinc',
          },
          temporal: {
            address: server.address,
            namespace: temporal.namespace,
            embedded: !!server.devServer,
            uiUrl: server.uiUrl,
          },
          missingSearchAttributes: missing,
          exporters: { metrics, traces },
          events,
          taskQueues: answers.map((a) =>
            'worker' in a
              ? {
                  taskQueue: a.taskQueue,
                  pid: a.worker.pid,
                  hostname: a.worker.hostname,
                  activities: a.worker.activities,
                }
              : { taskQueue: a.taskQueue, error: a.error },
          ),
        };
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        } else {
          const out = [
            `Temporal     ${server.address} (namespace ${temporal.namespace}${server.devServer ? ', embedded dev server' : ''}): healthy`,
            ...(server.uiUrl ? [`Web UI       ${server.uiUrl}`] : []),
            `Search attrs ${missing.length === 0 ? 'all registered' : `missing: ${missing.join(', ')}; add them with: ${searchAttributeCommand(temporal.namespace, missing)}`}`,
            `Sandbox      this machine: ${describeContainment(containment)}`,
            `Launcher     ${launcherProblem ?? 'built from this zinc'}`,
            `Metrics      ${metrics.detail}`,
            `Traces       ${traces.detail}`,
            `Events       ${events.detail}`,
            ...answers.map((a) =>
              'worker' in a
                ? `Task queue   ${a.taskQueue}: served by pid ${a.worker.pid} on ${a.worker.hostname} (${a.worker.activities.join(', ') || 'workflows'})`
                : `Task queue   ${a.taskQueue}: NOT SERVED (${a.error})`,
            ),
            healthy ? 'zinc is healthy.' : 'zinc is NOT healthy.',
          ];
          process.stdout.write(`${out.join('\n')}\n`);
        }
        if (!healthy) process.exitCode = 1;
      });
    });
}

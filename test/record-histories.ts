// Records the event histories of real BatchGrading runs as replay fixtures. Run it when a
// version of the workflow is released (`npm run record:histories`), commit the new files, and
// keep the old ones: test/workflow-replay.test.ts replays every fixture against the current
// code, so a change that is not guarded by patched() fails there before it reaches a worker.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { startBatch } from '../src/core/batch-client.js';
import { findTemporalCli } from '../src/temporal/cli-binary.js';
import { batchResult } from '../src/cli/watch.js';
import {
  cancelSignal,
  pauseSignal,
  progressQuery,
  resumeSignal,
} from '../src/workflows/grading/batch-grading.js';
import { SUM_ONE_TEST_CONFIG, deliverProgram, seedCourse } from './helpers/course.js';
import { startTestStack } from './helpers/stack.js';

const version = process.argv[2] ?? 'v1';
const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
const CONFIG = SUM_ONE_TEST_CONFIG;
const programs: Record<string, string> = {
  r1: '#include <iostream>\nint main(){long a,b;std::cin>>a>>b;std::cout<<a+b<<"\\n";}\n',
  r2: '#include <iostream>\nint main(){long a,b;std::cin>>a>>b;std::cout<<a-b<<"\\n";}\n',
  r3: 'int main( {\n',
  r4: '#include <iostream>\nint main(){long a,b;std::cin>>a>>b;std::cout<<a+b<<"\\n";}\n',
};

const stack = await startTestStack();
try {
  const course = await seedCourse(stack, 'REPLAY', CONFIG);
  for (const [student, program] of Object.entries(programs)) {
    await deliverProgram(course, student, program);
  }
  // From v3: a delivery whose files are gone ends ERRORED (DeliveryFilesMissing, not retried),
  // so the history holds the failure path too (the stored-report check before ERRORED).
  await deliverProgram(course, 'r5', programs.r1!);
  const lost = (await course.store.listDeliveries(course.collectionId))!.find(
    (d) => d.userId === 'r5',
  )!;
  await stack.platform.objects.deletePrefix(lost.objectKey);
  const workers = await stack.startWorkers();
  const defaults = {
    ...stack.config.grading,
    concurrency: 2,
    page_size: 2,
    max_history_events: 40,
    // From v6: two deliveries per ExecutePipelines; the one whose files are gone is not graded
    // by its group and goes alone to ExecutePipeline (then ERRORED as before). From v8: the
    // defaults, groups sized by pace (one delivery each at first, then larger once a group has
    // reported its pace, which continue-as-new carries). Other versions: no groups.
    ...(version === 'v6'
      ? { deliveries_per_activity: 2, group_secs: 0 }
      : version >= 'v8'
        ? {}
        : { deliveries_per_activity: 1 }),
  };

  // From v4 (batch slots): with one slot, a paused batch holds it, so the recorded batch waits
  // queued (timer and claims) until the holder is cancelled and wakes it.
  const holder = version.startsWith('v4')
    ? await startBatch(
        stack.temporal,
        { ...defaults, max_running_batches: 1 },
        {
          collectionId: course.collectionId,
          configVersion: course.configVersion,
          requestedBy: 'ta',
        },
      )
    : undefined;
  if (holder) {
    await holder.handle.signal(pauseSignal, { by: 'ta' });
    for (;;) {
      const p = await holder.handle.query(progressQuery).catch(() => undefined);
      if (p?.status === 'paused') break;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  // A batch that is paused and resumed and continues as new along the way.
  const { handle } = await startBatch(
    stack.temporal,
    holder ? { ...defaults, max_running_batches: 1 } : defaults,
    { collectionId: course.collectionId, requestedBy: 'ta' },
  );
  if (holder) {
    for (;;) {
      const p = await handle.query(progressQuery).catch(() => undefined);
      if (p?.status === 'queued') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 2_500)); // a claim or two on the timer
    await holder.handle.signal(cancelSignal, { by: 'ta' });
    await batchResult(holder.handle);
  }
  for (;;) {
    const p = await handle.query(progressQuery).catch(() => undefined);
    if (p && p.done >= 1) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  // From v5: the reason is stored by the core and the signal carries its ID, as zinc sends it.
  const reason = version >= 'v5' ? 'checking the config' : undefined;
  const request = async () =>
    reason
      ? {
          by: 'ta',
          reasonId: await stack.zinc.core.batches.saveSteeringReason(
            handle.workflowId,
            'ta',
            reason,
          ),
        }
      : { by: 'ta' };
  await handle.signal(pauseSignal, await request());
  await new Promise((r) => setTimeout(r, 1_000));
  await handle.signal(resumeSignal, await request());
  await batchResult(handle);

  // Every run of the batch, oldest first, one fixture each.
  const runs: string[] = [];
  for await (const wf of stack.temporal.client.workflow.list({
    query: `WorkflowId="${handle.workflowId}"`,
  })) {
    runs.push(wf.runId);
  }
  runs.reverse();
  for (const [i, runId] of runs.entries()) {
    // The CLI writes the standard JSON history format that replayers read.
    const show = spawnSync(
      findTemporalCli(),
      [
        'workflow',
        'show',
        '--workflow-id',
        handle.workflowId,
        '--run-id',
        runId,
        '--output',
        'json',
        '--address',
        stack.server.address,
        '--namespace',
        stack.config.temporal.namespace,
      ],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    if (show.status !== 0) throw new Error(`temporal workflow show failed: ${show.stderr}`);
    const file = fileURLToPath(
      new URL(`./fixtures/histories/batch-grading-${version}-run${i + 1}.json`, import.meta.url),
    );
    // Stack traces name where the code ran: the fixtures say /zinc/ instead of this checkout.
    writeFileSync(file, show.stdout.replaceAll(REPO_ROOT, '/zinc/'));
    const events = (JSON.parse(show.stdout) as { events: unknown[] }).events.length;
    console.log(`wrote ${file} (${events} events)`);
  }
  await workers.stop();
} finally {
  await stack.stop();
}

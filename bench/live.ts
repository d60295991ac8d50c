// Benchmarks of live feedback and of sharing the pipeline queue, each printing figures measured
// in one run on the real dev server (started with the new matcher and fairness on):
//   priority [n=500] [slots=2]: a batch of n do-nothing deliveries is put in flight all at once
//     (the whole batch waits in the batch pipeline queue, `slots` pipeline activities at a time);
//     at 10%, 30% and 50% done a student uploads and LiveGrading grades it. The time from upload
//     to the stored live report on the live queue (its own slots, `worker.live_slots`) and on the
//     batch queue ahead of the batch (priority key 1: how live gradings ran before they had a
//     queue of their own), each on its own batch of the same size; the median ratio.
//   fairness [n=500] [slots=2]: two courses' batches of n do-nothing deliveries started
//     together, each with 200 deliveries in flight (two windows of 500 in one worker make
//     workflow tasks of several seconds under load); each course's completed count every second,
//     and the ratio of their finish times (1.0 = the same pace). A fourth argument, `uneven`,
//     gives the second course's batch a window of 50: first come, first served would then give
//     the first course four times the share; fairness gives each the same.
// Run: node --import tsx bench/live.ts <priority|fairness> [n] [slots] [uneven]
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadavg } from 'node:os';
import { startBatch, type BatchHandle } from '../src/core/batch-client.js';
import { startLiveGrading, type LiveLane } from '../src/core/live-feedback.js';
import { PIPELINE_TASK_QUEUE } from '../src/extensions/pipeline/constants.js';
import { LIVE_PRIORITY_KEY, liveGradingId } from '../src/workflows/grading/live-types.js';
import { seedCourse, type SeededCourse } from '../test/helpers/course.js';
import { startTestStack, type TestStack } from '../test/helpers/stack.js';

const [mode = 'priority', nArg, slotsArg, variant] = process.argv.slice(2);
const n = Number(nArg ?? 500);
const slots = Number(slotsArg ?? 2);

const NOOP_CONFIG = `_settings:
  lang: cpp/g++:12
  lang_version_may_differ: true
score:
  normalizedTo: 100
`;

/** n deliveries of `prefix` students sharing one stored file (the pipeline only needs them). */
async function seedDeliveries(stack: TestStack, course: SeededCourse, prefix: string, n: number) {
  const key = `deliveries/bench-${prefix}/`;
  await stack.platform.objects.put(`${key}main.cpp`, 'int main() {}\n');
  const { db } = stack.platform;
  await db.query(
    `INSERT INTO users (id) SELECT $1 || lpad(g::text, 6, '0') FROM generate_series(1, $2::int) g ON CONFLICT DO NOTHING`,
    [prefix, n],
  );
  await db.query(
    `INSERT INTO course_members (course_id, user_id, role)
     SELECT $1, $2 || lpad(g::text, 6, '0'), 'student' FROM generate_series(1, $3::int) g ON CONFLICT DO NOTHING`,
    [course.courseId, prefix, n],
  );
  await db.query(
    `INSERT INTO deliveries (id, collection_id, user_id, submitted_at, manifest, total_size, sha256, object_key)
     SELECT 'dlv_' || $2 || lpad(g::text, 6, '0'), $1, $2 || lpad(g::text, 6, '0'), timestamptz '2026-06-01T00:00:00Z',
            '[{"path":"main.cpp","size":14,"sha256":"${'0'.repeat(64)}"}]'::jsonb, 14, repeat('0', 64), $4
       FROM generate_series(1, $3::int) g`,
    [course.collectionId, prefix, n, key],
  );
}

/** Starts a batch of the whole collection with `window` deliveries in flight (default: all). */
async function startWholeBatch(
  stack: TestStack,
  collectionId: string,
  window = n,
): Promise<BatchHandle> {
  const defaults = { ...stack.config.grading, concurrency: window, page_size: 1000 };
  const { handle } = await startBatch(stack.temporal, defaults, {
    collectionId,
    requestedBy: 'ta',
  });
  return handle;
}

const done = async (handle: BatchHandle) => (await handle.query<{ done: number }>('progress')).done;

/** A student uploads and LiveGrading grades it in `lane`: seconds to the live report. */
async function liveUpload(
  stack: TestStack,
  course: SeededCourse,
  student: string,
  lane: LiveLane,
): Promise<number> {
  const started = performance.now();
  const { delivery } = await course.service.deliver({
    collectionId: course.collectionId,
    userId: student,
    files: [{ path: 'main.cpp', content: Buffer.from(`int main() {} // ${student}\n`) }],
  });
  await startLiveGrading(stack.temporal, stack.config.grading, delivery, lane);
  await stack.temporal.client.workflow.getHandle(liveGradingId(delivery.id)).result();
  return (performance.now() - started) / 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function priority(stack: TestStack): Promise<void> {
  const course = await seedCourse(stack, 'BENCH', NOOP_CONFIG);
  await seedDeliveries(stack, course, 'u', n);
  for (const s of ['live1', 'live2', 'live3', 'live4', 'live5', 'live6']) {
    await course.store.ensureUser({ id: s });
    await course.store.setMember(course.courseId, s, 'student');
  }
  const workers = await stack.startWorkers();
  const times: Record<string, number[]> = { live: [], shared: [] };
  let student = 0;
  const lanes: Array<[string, LiveLane]> = [
    ['live', {}],
    ['shared', { taskQueue: PIPELINE_TASK_QUEUE, priorityKey: LIVE_PRIORITY_KEY }],
  ];
  for (const [label, lane] of lanes) {
    const batchStart = performance.now();
    const batch = await startWholeBatch(stack, course.collectionId);
    for (const share of [0.1, 0.3, 0.5]) {
      while ((await done(batch)) < share * n) await sleep(50);
      const secs = await liveUpload(stack, course, `live${++student}`, lane);
      times[label]!.push(secs);
      console.log(
        `  ${label} queue: upload at ${Math.round(share * 100)}% of the batch done: live report after ${secs.toFixed(2)} s (batch ${(await done(batch)) - 0}/${n} done then)`,
      );
    }
    await batch.result();
    console.log(
      `  batch (${label}): ${n} deliveries in ${((performance.now() - batchStart) / 1000).toFixed(1)} s`,
    );
  }
  await workers.stop();
  const live = median(times.live!);
  const shared = median(times.shared!);
  console.log(
    `priority: ${n} do-nothing deliveries in flight, ${slots} batch pipeline slots, ${stack.config.worker.live_slots} live slots; upload to live report, median of 3`,
  );
  console.log(`  live queue (slots of its own):               ${live.toFixed(2)} s`);
  console.log(
    `  batch queue, ahead of the batch (key ${LIVE_PRIORITY_KEY}): ${shared.toFixed(2)} s`,
  );
  console.log(`  ratio batch queue/live queue: ${(shared / live).toFixed(1)}`);
}

async function fairness(stack: TestStack, uneven: boolean): Promise<void> {
  const a = await seedCourse(stack, 'COURSEA', NOOP_CONFIG);
  const b = await seedCourse(stack, 'COURSEB', NOOP_CONFIG);
  await seedDeliveries(stack, a, 'a', n);
  await seedDeliveries(stack, b, 'b', n);
  const workers = await stack.startWorkers();
  const windowA = Math.min(n, 200);
  const windowB = uneven ? Math.min(n, 50) : windowA;
  const start = performance.now();
  const secs = () => (performance.now() - start) / 1000;
  const [batchA, batchB] = await Promise.all([
    startWholeBatch(stack, a.collectionId, windowA),
    startWholeBatch(stack, b.collectionId, windowB),
  ]);
  const finished: Record<string, number> = {};
  void batchA.result().then(() => (finished.A = secs()));
  void batchB.result().then(() => (finished.B = secs()));
  console.log(
    `fairness: two courses' batches of ${n} do-nothing deliveries started together, ${slots} pipeline slots, in flight A ${windowA}, B ${windowB}`,
  );
  console.log('  second  A done  B done');
  for (let t = 1; finished.A === undefined || finished.B === undefined; t++) {
    await sleep(Math.max(0, t * 1000 - (performance.now() - start)));
    const [doneA, doneB] = await Promise.all([done(batchA), done(batchB)]);
    console.log(
      `  ${String(t).padStart(6)}  ${String(doneA).padStart(6)}  ${String(doneB).padStart(6)}`,
    );
  }
  await workers.stop();
  console.log(`  A finished at ${finished.A.toFixed(1)} s, B at ${finished.B.toFixed(1)} s`);
  console.log(
    `  finish-time ratio (later/earlier): ${(Math.max(finished.A, finished.B) / Math.min(finished.A, finished.B)).toFixed(2)}`,
  );
}

if (mode !== 'priority' && mode !== 'fairness') {
  console.error(`unknown mode ${mode}: priority or fairness`);
  process.exit(1);
}
console.log(
  `load average at start (1, 5, 15 min): ${loadavg()
    .map((l) => l.toFixed(2))
    .join(', ')}`,
);
const stack = await startTestStack({ ZINC_WORKER_MAX_CONCURRENT_ACTIVITIES: String(slots) });
try {
  if (mode === 'priority') await priority(stack);
  else await fairness(stack, variant === 'uneven');
} finally {
  await stack.stop();
}
console.log(
  `load average at end (1, 5, 15 min): ${loadavg()
    .map((l) => l.toFixed(2))
    .join(', ')}`,
);
process.exit();

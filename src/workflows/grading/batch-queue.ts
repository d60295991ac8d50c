// BatchGrading's running slot (v4, 'batch-slots'): after the batch is validated and recorded it
// asks the core for a slot and, while none is free, waits queued: a timer with capped backoff, cut
// short by the `slot-granted` signal a finishing batch sends to the batches it let run. The wait
// is in the grading scope, so a cancel (or a Temporal cancel or termination) ends it like any
// other; the core gives the slot of an ended batch back when the workflow could not.
import {
  condition,
  defineSignal,
  getExternalWorkflowHandle,
  setHandler,
} from '@temporalio/workflow';
import type { SlotActivities } from '../../core/activities/slots.js';
import type { BatchSlotLimits } from './types.js';

/** Sent to a queued batch when the core granted it a slot: it stops waiting at once. */
export const slotGrantedSignal = defineSignal('slot-granted');

/** The patch behind which batches claim and release slots (workflow-replay keeps the old path). */
export const BATCH_SLOTS_PATCH = 'batch-slots';

/** Wakes the batches the core just granted a slot (an ended one needs no wake: it is skipped). */
export async function wakeGranted(batchIds: readonly string[], self: string): Promise<void> {
  for (const id of batchIds) {
    if (id === self) continue;
    try {
      await getExternalWorkflowHandle(id).signal(slotGrantedSignal);
    } catch {
      // Ended or gone: it is not waiting, and the core gives its slot back on the next claim.
    }
  }
}

/** What waiting for a slot needs of the batch. */
export interface SlotWait {
  batchId: string;
  courseId: string;
  requestedAt: string;
  limits: BatchSlotLimits;
  core: Pick<SlotActivities, 'ClaimBatchSlot'>;
  /** Told the queue position while queued, and null once the batch may run. */
  onPosition(position: number | null): Promise<void>;
  /** Steering requests to act on while waiting (pause, resume are audited as they come). */
  hasSteering(): boolean;
  flushSteering(): Promise<void>;
}

/** Returns once the core granted the batch a running slot. */
export async function waitForSlot(wait: SlotWait): Promise<void> {
  let woken = false;
  setHandler(slotGrantedSignal, () => {
    woken = true;
  });
  let delaySecs = 1;
  for (;;) {
    woken = false;
    const claim = await wait.core.ClaimBatchSlot({
      batchId: wait.batchId,
      courseId: wait.courseId,
      requestedAt: wait.requestedAt,
      limits: wait.limits,
    });
    await wakeGranted(claim.granted, wait.batchId);
    await wait.onPosition(claim.position);
    if (claim.running) return;
    await condition(() => woken || wait.hasSteering(), `${delaySecs}s`);
    await wait.flushSteering();
    delaySecs = Math.min(delaySecs * 2, wait.limits.maxPollSecs);
  }
}

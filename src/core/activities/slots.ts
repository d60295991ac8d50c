// ClaimBatchSlot and ReleaseBatchSlot on zinc-core-default: the BatchGrading workflow asks for a
// running slot after it recorded its batch, and gives it back when the batch ends. Before either
// decides, the batches in the queue are looked up in Temporal: one terminated or timed out from
// outside zinc gives its slot back at once, so the queue never waits on a batch that is gone.
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { BatchSlotLimits } from '../../workflows/grading/types.js';
import type { BatchSlots, SlotClaim } from '../batch-slots.js';

/** The queue's batches (but `self`) whose workflows no longer run. */
async function endedInTemporal(slots: BatchSlots, self: string): Promise<string[]> {
  const client = Context.current().client;
  const ended: string[] = [];
  for (const id of await slots.open()) {
    if (id === self) continue;
    try {
      const info = await client.workflow.getHandle(id).describe();
      if (info.status.name !== 'RUNNING') ended.push(id);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) ended.push(id);
      else throw err;
    }
  }
  return ended;
}

/** The core's slot activities, closed over the slot queue. */
export function createSlotActivities(deps: { slots: BatchSlots }) {
  return {
    /** Enters the queue once and says whether the batch may run now (and whom it let run). */
    async ClaimBatchSlot(input: {
      batchId: string;
      courseId: string;
      requestedAt: string;
      limits: BatchSlotLimits;
    }): Promise<SlotClaim> {
      const ended = await endedInTemporal(deps.slots, input.batchId);
      return deps.slots.claim({ ...input, ended });
    },

    /** Gives the batch's slot back; returns the batches that may run now. */
    async ReleaseBatchSlot(input: { batchId: string; limits: BatchSlotLimits }): Promise<string[]> {
      const ended = await endedInTemporal(deps.slots, input.batchId);
      return deps.slots.release({ ...input, ended });
    },
  };
}

export type SlotActivities = ReturnType<typeof createSlotActivities>;

// Changing a collection's window (`zinc collections set-window`, PATCH /api/collections/:id/window):
// staff of the course only; the given ends replace the stored ones; a stop not after the start
// is refused and changes nothing. The collection's at-close grading schedules move with its stop
// time (src/core/grading-schedules.ts).
import { BadRequestError } from '../failures.js';
import type { Collection, SubmissionStore } from '../extensions/submission/index.js';
import { changeCollection, type CollectionChangeDeps } from './collection-change.js';
import {
  moveAtCloseSchedules,
  type MovedSchedule,
  type ScheduleDeps,
} from './grading-schedules.js';

export interface WindowRequest {
  collectionId: string;
  startAt?: Date | undefined;
  stopAt?: Date | undefined;
  requestedBy: string;
}

export interface WindowDeps extends CollectionChangeDeps {
  submissions: Pick<SubmissionStore, 'setCollectionWindow' | 'getCollection'>;
  configs: { listForCollection(collectionId: string): Promise<Array<{ id: string }>> };
  /** Where the at-close schedules are (absent: none are moved; the caller says so). */
  temporal?: ScheduleDeps['temporal'];
  now?: () => Date;
}

export interface WindowChange {
  collectionId: string;
  before: Pick<Collection, 'startAt' | 'stopAt'>;
  after: Pick<Collection, 'startAt' | 'stopAt'>;
  /** The at-close schedules moved with the stop time. */
  movedSchedules: MovedSchedule[];
}

/** Changes the window (and moves the at-close schedules); throws the refusal otherwise. */
export async function changeCollectionWindow(
  deps: WindowDeps,
  request: WindowRequest,
): Promise<WindowChange> {
  const { change, collection } = await changeCollection(deps, request, 'collection.window', {
    validate: () => {
      if (request.startAt === undefined && request.stopAt === undefined) {
        throw new BadRequestError('give a new start, a new stop, or both');
      }
    },
    apply: () =>
      deps.submissions.setCollectionWindow(request.collectionId, {
        startAt: request.startAt,
        stopAt: request.stopAt,
      }),
  });
  const before = { startAt: change.before.startAt, stopAt: change.before.stopAt };
  const after = { startAt: change.after.startAt, stopAt: change.after.stopAt };
  let movedSchedules: MovedSchedule[] = [];
  if (deps.temporal && after.stopAt !== before.stopAt) {
    const updated = (await deps.submissions.getCollection(request.collectionId))!;
    const versions = (await deps.configs.listForCollection(updated.id)).map((c) => c.id);
    movedSchedules = await moveAtCloseSchedules(
      { temporal: deps.temporal, ...(deps.now ? { now: deps.now } : {}) },
      updated,
      versions,
    );
  }
  await deps.audit?.({
    actor: request.requestedBy,
    action: 'collection.window',
    target: request.collectionId,
    outcome: `changed: ${after.startAt} to ${after.stopAt}`,
    details: { before, after, movedSchedules },
    courseId: collection.course.id,
    collectionId: request.collectionId,
  });
  return { collectionId: request.collectionId, before, after, movedSchedules };
}

// Changing a collection's window (`zinc collections set-window`, PATCH /api/collections/:id/window):
// staff of the course only; the given ends replace the stored ones; a stop not after the start
// is refused and changes nothing. The collection's at-close grading schedules move with its stop
// time (src/core/grading-schedules.ts).
import { BadRequestError, CollectionNotFoundError, failureSpec } from '../failures.js';
import type {
  Collection,
  CollectionDetails,
  SubmissionStore,
} from '../extensions/submission/index.js';
import type { AccessControl } from './auth.js';
import type { AuditEntry } from './batch-store.js';
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

export interface WindowDeps {
  access: Pick<AccessControl, 'collection'>;
  submissions: Pick<SubmissionStore, 'setCollectionWindow' | 'getCollection'>;
  configs: { listForCollection(collectionId: string): Promise<Array<{ id: string }>> };
  /** Where the at-close schedules are (absent: none are moved; the caller says so). */
  temporal?: ScheduleDeps['temporal'];
  /** Where audit rows go (the CLI); the API audits through its request hook instead. */
  audit?: (entry: AuditEntry) => Promise<void>;
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
  let collection: CollectionDetails | undefined;
  let change: Awaited<ReturnType<WindowDeps['submissions']['setCollectionWindow']>>;
  try {
    if (request.startAt === undefined && request.stopAt === undefined) {
      throw new BadRequestError('give a new start, a new stop, or both');
    }
    await deps.access.collection(
      request.requestedBy,
      request.collectionId,
      'collection.window',
      (c) => (collection = c),
    );
    change = await deps.submissions.setCollectionWindow(request.collectionId, {
      startAt: request.startAt,
      stopAt: request.stopAt,
    });
    if (!change) throw new CollectionNotFoundError(request.collectionId);
  } catch (err) {
    const kind = err instanceof Error ? failureSpec(err.name)?.kind : undefined;
    if (deps.audit && kind === 'request') {
      await deps.audit({
        actor: request.requestedBy,
        action: 'collection.window',
        target: request.collectionId,
        outcome: `refused: ${(err as Error).message}`,
        details: { failure: (err as Error).name },
        courseId: collection?.course.id ?? null,
        collectionId: collection?.id ?? null,
      });
    }
    throw err;
  }
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
    courseId: collection!.course.id,
    collectionId: request.collectionId,
  });
  return { collectionId: request.collectionId, before, after, movedSchedules };
}

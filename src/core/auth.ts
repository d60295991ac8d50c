// Who may do what: staff of a course start, steer and read the batches and reports of its
// collections; a student uploads to an open collection of a course they take and reads only
// their own deliveries and the student view of their reports; everyone else is refused.
import { CollectionNotFoundError, DeliveryNotFoundError, ForbiddenError } from '../failures.js';
import type { SubmissionStore } from '../extensions/submission/index.js';
import type { CollectionDetails, Delivery, MemberRole } from '../extensions/submission/index.js';

export {
  createTokenStore,
  hashToken,
  TOKEN_PREFIX,
  type ApiTokenRecord,
  type TokenStore,
} from './auth-tokens.js';

export type Action =
  | 'batch.start'
  | 'batch.read'
  | 'batch.steer'
  | 'batch.release'
  | 'schedule.manage'
  | 'collection.window'
  | 'collection.live'
  | 'delivery.create'
  | 'delivery.list'
  | 'report.read'
  | 'audit.read';

/** Words for each action in refusals ("may not <...>"). */
const DOING: Record<Action, string> = {
  'batch.start': 'start batches of its collections',
  'batch.read': 'read batches of its collections',
  'batch.steer': 'pause, resume, cancel or terminate batches of its collections',
  'batch.release': "release its batches' grades to students",
  'schedule.manage': 'schedule, pause or delete the gradings of its collections',
  'collection.window': 'change the windows of its collections',
  'collection.live': 'turn live feedback on or off for its collections',
  'delivery.create': 'upload deliveries to its collections',
  'delivery.list': "list its collections' deliveries",
  'report.read': "read its deliveries' reports",
  'audit.read': "read its courses' audit log",
};

/** The user asking, with their role in the course concerned (null: not a member). */
export interface Principal {
  userId: string;
  role: MemberRole | null;
}

/** What an action is about: a course, maybe one collection of it and one student's delivery. */
export interface AccessResource {
  courseCode: string;
  collection?: Pick<CollectionDetails, 'name' | 'startAt' | 'stopAt'>;
  /** The student whose delivery (or report) it is. */
  ownerId?: string;
}

/**
 * Decides whether `principal` may do `action` on `resource` and returns the view granted:
 * 'staff' (everything) or 'student' (their own things, redacted reports). ForbiddenError
 * naming the rule otherwise.
 */
export function authorize(
  principal: Principal,
  action: Action,
  resource: AccessResource,
  now: Date = new Date(),
): MemberRole {
  const { userId, role } = principal;
  if (role === 'staff') return 'staff';
  const refuse = (why: string): never => {
    throw new ForbiddenError(`${userId} ${why}, so may not ${DOING[action]}`);
  };
  if (role === null) return refuse(`is not a member of course ${resource.courseCode}`);
  switch (action) {
    case 'delivery.create': {
      const c = resource.collection;
      if (!c) return refuse('named no collection');
      const at = now.getTime();
      if (at < Date.parse(c.startAt) || at > Date.parse(c.stopAt)) {
        throw new ForbiddenError(
          `collection ${c.name} of course ${resource.courseCode} is open from ${c.startAt} to ${c.stopAt}; students may upload only while it is open`,
        );
      }
      return 'student';
    }
    case 'delivery.list':
      return 'student'; // the caller keeps only the student's own deliveries
    case 'report.read':
      // Without an owner (a collection's released report) the caller reads their own.
      if (resource.ownerId !== undefined && resource.ownerId !== userId) {
        throw new ForbiddenError(
          `${userId} may read only their own reports, not those of another student's delivery`,
        );
      }
      return 'student';
    default:
      return refuse(`is not staff of course ${resource.courseCode}`);
  }
}

/** The store lookups access control needs (the submission store has them all). */
export type CourseDirectory = Pick<
  SubmissionStore,
  'getCollection' | 'getMemberRole' | 'getDelivery' | 'listCollections'
>;

/** Collections and courses a user is staff of: the scope of their batch and audit listings. */
export interface StaffScope {
  courseIds: string[];
  collectionIds: string[];
}

/** Access checks that look up the collection, delivery and role first. */
export function createAccessControl(
  directory: CourseDirectory,
  now: () => Date = () => new Date(),
) {
  return {
    /**
     * The collection and the view `userId` gets for `action` on it; 404 or 403 otherwise.
     * `seen` learns the collection before the decision (to audit a refusal with its course).
     */
    async collection(
      userId: string,
      collectionId: string,
      action: Action,
      seen?: (collection: CollectionDetails) => void,
    ): Promise<{ collection: CollectionDetails; view: MemberRole }> {
      const collection = await directory.getCollection(collectionId);
      if (!collection) throw new CollectionNotFoundError(collectionId);
      seen?.(collection);
      const role = await directory.getMemberRole(collection.course.id, userId);
      const view = authorize(
        { userId, role },
        action,
        { courseCode: collection.course.code, collection },
        now(),
      );
      return { collection, view };
    },

    /** The delivery, its collection and the view `userId` gets for `action` on it. */
    async delivery(
      userId: string,
      deliveryId: string,
      action: Action,
      seen?: (collection: CollectionDetails) => void,
    ): Promise<{ delivery: Delivery; collection: CollectionDetails; view: MemberRole }> {
      const delivery = await directory.getDelivery(deliveryId);
      if (!delivery) throw new DeliveryNotFoundError(`delivery ${deliveryId} does not exist`);
      const collection = await directory.getCollection(delivery.collectionId);
      if (!collection) throw new CollectionNotFoundError(delivery.collectionId);
      seen?.(collection);
      const role = await directory.getMemberRole(collection.course.id, userId);
      const view = authorize(
        { userId, role },
        action,
        { courseCode: collection.course.code, collection, ownerId: delivery.userId },
        now(),
      );
      return { delivery, collection, view };
    },

    /** The courses (and their collections) `userId` is staff of. */
    async staffScope(userId: string): Promise<StaffScope> {
      const collections = await directory.listCollections();
      const courses = [...new Set(collections.map((c) => c.course.id))];
      const staffOf = new Set<string>();
      for (const courseId of courses) {
        if ((await directory.getMemberRole(courseId, userId)) === 'staff') staffOf.add(courseId);
      }
      return {
        courseIds: [...staffOf],
        collectionIds: collections.filter((c) => staffOf.has(c.course.id)).map((c) => c.id),
      };
    },
  };
}

export type AccessControl = ReturnType<typeof createAccessControl>;

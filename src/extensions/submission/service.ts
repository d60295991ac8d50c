// The submission service: courses, activities, collections, and deliveries accepted whole or
// not at all (files stored first, then the row; a refused or duplicate delivery leaves nothing).
import type { Database } from '../../platform/database.js';
import type { EventBus } from '../../platform/events.js';
import { newId } from '../../platform/ids.js';
import { objectKey } from '../../platform/object-keys.js';
import type { ObjectStore } from '../../platform/object-store.js';
import {
  DeliveryRejectedError,
  checkFiles,
  manifestOf,
  readArchive,
  type DeliveryFile,
  type DeliveryLimits,
} from './delivery-files.js';
import { createSubmissionStore, type CollectionDetails, type Delivery } from './store.js';

/** No collection has this ID; non-retryable wherever it surfaces. */
export class CollectionNotFoundError extends Error {
  override readonly name = 'CollectionNotFound';
  constructor(readonly collectionId: string) {
    super(`collection ${collectionId} does not exist`);
  }
}

export interface SubmissionServiceDeps {
  db: Database;
  objects: ObjectStore;
  events: EventBus;
  limits: DeliveryLimits;
  /** The clock for deliveries made now (tests may fix it). */
  now?: () => Date;
}

export interface DeliverInput {
  collectionId: string;
  userId: string;
  /** Loose files; or `archive`. */
  files?: DeliveryFile[];
  /** A zip, tar or tar.gz holding the files. */
  archive?: { name: string; content: Buffer };
  /** When it was handed in; default now. Imports give the original time. */
  submittedAt?: Date;
}

export interface DeliverResult {
  delivery: Delivery;
  /** False when the same delivery (user, time, content) was already there: nothing changed. */
  inserted: boolean;
}

/** The object-key prefix under which a delivery's files are stored (`<prefix><path>`). */
export function deliveryPrefix(collectionId: string, deliveryId: string): string {
  return `${objectKey('deliveries', collectionId, deliveryId)}/`;
}

/** Builds the submission service over its database, object store and event bus. */
export function createSubmissionService(deps: SubmissionServiceDeps) {
  const store = createSubmissionStore(deps.db);
  const now = deps.now ?? (() => new Date());

  async function requireCollection(collectionId: string): Promise<CollectionDetails> {
    const collection = await store.getCollection(collectionId);
    if (!collection) throw new CollectionNotFoundError(collectionId);
    return collection;
  }

  /** Refuses a student's delivery outside the window; staff deliveries always pass (as tests). */
  function checkWindow(collection: CollectionDetails, at: Date, staff: boolean): boolean {
    const start = Date.parse(collection.startAt);
    const stop = Date.parse(collection.stopAt);
    const time = at.getTime();
    if (!staff && time < start) {
      throw new DeliveryRejectedError(
        `collection ${collection.name} opens at ${collection.startAt}; a delivery at ${at.toISOString()} is too early`,
      );
    }
    if (!staff && time > stop) {
      throw new DeliveryRejectedError(
        `collection ${collection.name} closed at ${collection.stopAt}; a delivery at ${at.toISOString()} is too late`,
      );
    }
    return time > stop;
  }

  return {
    store,

    /**
     * Accepts one delivery: checks membership, window, paths and limits; stores the files,
     * then records the row and publishes `submission.received`. A refusal changes nothing.
     */
    async deliver(input: DeliverInput): Promise<DeliverResult> {
      const collection = await requireCollection(input.collectionId);
      const role = await store.getMemberRole(collection.course.id, input.userId);
      if (!role) {
        throw new DeliveryRejectedError(
          `user ${input.userId} is not a member of course ${collection.course.code}`,
        );
      }
      const staff = role === 'staff';
      const submittedAt = input.submittedAt ?? now();
      if (Number.isNaN(submittedAt.getTime())) {
        throw new DeliveryRejectedError('the delivery time is not a valid date');
      }
      const late = checkWindow(collection, submittedAt, staff);
      let files: DeliveryFile[];
      if (input.archive) {
        if (input.files)
          throw new DeliveryRejectedError('give either files or an archive, not both');
        files = await readArchive(input.archive.name, input.archive.content, deps.limits);
      } else {
        files = checkFiles(input.files ?? [], deps.limits);
      }
      const { manifest, sha256, totalSize } = manifestOf(files);

      const id = newId('dlv');
      const prefix = deliveryPrefix(collection.id, id);
      let result: DeliverResult;
      try {
        for (const file of files) await deps.objects.put(prefix + file.path, file.content);
        result = await store.insertDelivery({
          id,
          collectionId: collection.id,
          userId: input.userId,
          submittedAt,
          manifest,
          totalSize,
          sha256,
          late,
          isTest: staff,
          objectKey: prefix,
        });
      } catch (err) {
        await deps.objects.deletePrefix(prefix).catch(() => undefined);
        throw err;
      }
      if (!result.inserted) {
        await deps.objects.deletePrefix(prefix);
        return result;
      }
      await deps.events.publish('submission.received', {
        deliveryId: id,
        collectionId: collection.id,
        userId: input.userId,
        submittedAt: result.delivery.submittedAt,
        late,
        isTest: staff,
        totalSize,
      });
      return result;
    },

    /** The files of a stored delivery, as they were handed in. */
    async readDeliveryFiles(
      delivery: Pick<Delivery, 'objectKey' | 'manifest'>,
    ): Promise<DeliveryFile[]> {
      return Promise.all(
        delivery.manifest.map(async (entry) => ({
          path: entry.path,
          content: await deps.objects.get(delivery.objectKey + entry.path),
        })),
      );
    },

    requireCollection,
  };
}

export type SubmissionService = ReturnType<typeof createSubmissionService>;

// The submission service: courses, activities, collections, and deliveries accepted whole or
// not at all (files stored first, then the row; a refused or duplicate delivery leaves nothing).
import { CollectionNotFoundError, DeliveryRejectedError } from '../../failures.js';
import type { Database } from '../../platform/database.js';
import { eventId, recordEvent } from '../../platform/event-outbox.js';
import { newId } from '../../platform/ids.js';
import { objectKey } from '../../platform/object-keys.js';
import type { ObjectStore } from '../../platform/object-store.js';
import {
  checkFiles,
  manifestOf,
  readArchive,
  type DeliveryFile,
  type DeliveryLimits,
} from './delivery-files.js';
import { quotedName } from './delivery-names.js';
import { checkQuota, hasQuota, lockQuota, type QuotaCandidate } from './quota.js';
import { createSubmissionStore, type CollectionDetails, type Delivery } from './store.js';

export interface SubmissionServiceDeps {
  db: Database;
  objects: ObjectStore;
  limits: DeliveryLimits;
  /** The clock for deliveries made now (tests may fix it). */
  now?: () => Date;
}

export interface DeliverInput {
  collectionId: string;
  userId: string;
  /** Loose files; or `archive`. */
  files?: DeliveryFile[];
  /** With `files`: folders that may hold none (an imported folder's), checked, counted, not kept. */
  folders?: string[];
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

/** Builds the submission service over its database (events go to its outbox) and object store. */
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

  /** Stores one file; a name the store itself refuses (the disk store reserves a few) is the
   * delivery's fault, so it is refused like any other name, not an internal error. */
  async function putFile(prefix: string, file: DeliveryFile): Promise<void> {
    try {
      await deps.objects.put(prefix + file.path, file.content);
    } catch (err) {
      const name = (err as Error).name;
      if (name !== 'UnsafeKey' && name !== 'ObjectKeyConflict') throw err;
      throw new DeliveryRejectedError(
        `${quotedName(file.path)}: zinc's object store reserves this name or cannot hold it`,
      );
    }
  }

  return {
    store,
    /** The limits every delivery is checked against (imports check folders with them early). */
    limits: deps.limits,

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
        if (input.files || input.folders)
          throw new DeliveryRejectedError('give either files or an archive, not both');
        files = await readArchive(input.archive.name, input.archive.content, deps.limits);
      } else {
        files = checkFiles(input.files ?? [], deps.limits, input.folders);
      }
      const { manifest, sha256, totalSize } = manifestOf(files);
      const quota: QuotaCandidate | null =
        staff || !hasQuota(deps.limits)
          ? null
          : {
              collectionId: collection.id,
              collectionName: collection.name,
              userId: input.userId,
              submittedAt,
              sha256,
              totalSize,
            };
      // Refused before a byte is stored; checked again, locked, where the row is recorded.
      if (quota) await checkQuota(deps.db, deps.limits, quota);

      const id = newId('dlv');
      const prefix = deliveryPrefix(collection.id, id);
      let result: DeliverResult;
      try {
        for (const file of files) await putFile(prefix, file);
        const row = {
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
        };
        // The row and its `submission.received` event commit together, or neither does.
        result = await deps.db.transaction(async (tx) => {
          if (quota) {
            await lockQuota(tx, collection.id, input.userId);
            await checkQuota(tx, deps.limits, quota);
          }
          const inserted = await createSubmissionStore(tx).insertDelivery(row);
          if (inserted.inserted) {
            await recordEvent(tx, {
              subject: 'submission.received',
              id: eventId('submission.received', id),
              data: {
                deliveryId: id,
                collectionId: collection.id,
                userId: input.userId,
                submittedAt: inserted.delivery.submittedAt,
                late,
                isTest: staff,
                totalSize,
              },
            });
          }
          return inserted;
        });
      } catch (err) {
        await deps.objects.deletePrefix(prefix).catch(() => undefined);
        throw err;
      }
      if (!result.inserted) await deps.objects.deletePrefix(prefix);
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

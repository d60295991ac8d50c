// The submission extension's answer to "where is this delivery?": its collection, its course's
// code and the prefix its files are stored under, derived from the IDs in the database row
// (never from a caller's key). The composition root hands it to the pipeline extension.
import { deliveryPrefix } from './service.js';
import type { SubmissionStore } from './store.js';

/** Locates deliveries by ID through the submission store. */
export function createDeliveryLocator(
  store: Pick<SubmissionStore, 'getDelivery' | 'getDeliveries' | 'getCollection'>,
) {
  // A collection never moves to another course, so its course code is read once per process.
  const courseCodes = new Map<string, string>();
  const courseCodeOf = async (collectionId: string): Promise<string | undefined> => {
    const known = courseCodes.get(collectionId);
    if (known !== undefined) return known;
    const code = (await store.getCollection(collectionId))?.course.code;
    if (code !== undefined) courseCodes.set(collectionId, code);
    return code;
  };
  type Location = {
    collectionId: string;
    userId: string;
    filesPrefix: string;
    courseCode?: string;
  };
  const locationOf = async (delivery: {
    id: string;
    collectionId: string;
    userId: string;
  }): Promise<Location> => {
    const courseCode = await courseCodeOf(delivery.collectionId);
    return {
      collectionId: delivery.collectionId,
      userId: delivery.userId,
      filesPrefix: deliveryPrefix(delivery.collectionId, delivery.id),
      ...(courseCode !== undefined ? { courseCode } : {}),
    };
  };
  return {
    /** Several deliveries at once (one read), by ID; those that do not exist are left out. */
    async locateMany(deliveryIds: readonly string[]): Promise<Map<string, Location>> {
      const found = new Map<string, Location>();
      for (const delivery of await store.getDeliveries(deliveryIds)) {
        found.set(delivery.id, await locationOf(delivery));
      }
      return found;
    },
    /** The delivery's collection, course code and files prefix; null when no delivery has this ID. */
    async locate(deliveryId: string): Promise<{
      collectionId: string;
      userId: string;
      filesPrefix: string;
      courseCode?: string;
    } | null> {
      const delivery = await store.getDelivery(deliveryId);
      return delivery ? locationOf(delivery) : null;
    },
  };
}

export type DeliveryLocatorService = ReturnType<typeof createDeliveryLocator>;

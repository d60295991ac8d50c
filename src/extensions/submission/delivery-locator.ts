// The submission extension's answer to "where is this delivery?": its collection and the prefix
// its files are stored under, derived from the IDs in the database row (never from a caller's
// key). The composition root hands it to the pipeline extension.
import { deliveryPrefix } from './service.js';
import type { SubmissionStore } from './store.js';

/** Locates deliveries by ID through the submission store. */
export function createDeliveryLocator(store: Pick<SubmissionStore, 'getDelivery'>) {
  return {
    /** The delivery's collection and files prefix; null when no delivery has this ID. */
    async locate(
      deliveryId: string,
    ): Promise<{ collectionId: string; filesPrefix: string } | null> {
      const delivery = await store.getDelivery(deliveryId);
      if (!delivery) return null;
      return {
        collectionId: delivery.collectionId,
        filesPrefix: deliveryPrefix(delivery.collectionId, delivery.id),
      };
    },
  };
}

export type DeliveryLocatorService = ReturnType<typeof createDeliveryLocator>;

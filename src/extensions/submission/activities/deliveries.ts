// GetCollectionLatestDeliveries: a page of a collection's latest deliveries, for batch grading.
import { isFailure } from '../../../failures.js';
import { activityFailure } from '../../../temporal/failures.js';
import {
  MAX_LATEST_DELIVERIES_PAGE_SIZE,
  type CollectionDescription,
  type DescribeCollectionInput,
  type GetCollectionLatestDeliveriesInput,
  type LatestDeliveriesPage,
  type LatestDeliveryIdsPage,
} from '../constants.js';
import type { SubmissionStore } from '../store.js';

export interface DeliveryActivityDeps {
  store: SubmissionStore;
}

/** Error types the caller must not retry: bad input, never a passing outage. */
export const NON_RETRYABLE_SUBMISSION_ERRORS = ['CollectionNotFound', 'InvalidSubmissionInput'];

/** The submission extension's delivery activities, closed over the store. */
export function createDeliveryActivities({ store }: DeliveryActivityDeps) {
  return {
    /**
     * One page (at most 1,000) of the latest delivery of each student; an unknown collection
     * is a non-retryable `CollectionNotFound`; a database outage is thrown and retried. With
     * `idsOnly` (batches from v5) the page holds delivery IDs and a cursor naming no student.
     */
    async GetCollectionLatestDeliveries(
      input: GetCollectionLatestDeliveriesInput,
    ): Promise<LatestDeliveriesPage | LatestDeliveryIdsPage> {
      const pageSize = input.pageSize ?? MAX_LATEST_DELIVERIES_PAGE_SIZE;
      if (
        !Number.isInteger(pageSize) ||
        pageSize < 1 ||
        pageSize > MAX_LATEST_DELIVERIES_PAGE_SIZE
      ) {
        throw activityFailure(
          'InvalidSubmissionInput',
          `pageSize must be a whole number from 1 to ${MAX_LATEST_DELIVERIES_PAGE_SIZE}, got ${pageSize}`,
        );
      }
      let page: LatestDeliveriesPage | null;
      try {
        page = await store.latestDeliveriesPage(input.collectionId, {
          after: input.cursor,
          limit: pageSize,
          includeTest: input.includeTest ?? false,
          deliveryCursor: input.idsOnly === true,
        });
      } catch (err) {
        if (isFailure(err, 'InvalidSubmissionInput')) {
          throw activityFailure('InvalidSubmissionInput', (err as Error).message);
        }
        throw err; // DatabaseUnavailable and the like: retried with backoff
      }
      if (page === null) {
        throw activityFailure(
          'CollectionNotFound',
          `collection ${input.collectionId} does not exist`,
        );
      }
      if (input.idsOnly === true) {
        return { deliveryIds: page.deliveries.map((d) => d.id), nextCursor: page.nextCursor };
      }
      return page;
    },

    /**
     * What a batch checks before grading: the collection, its course, the asking user's role
     * there (the RFD's activity-level authorisation), and how many deliveries it would grade.
     */
    async DescribeCollection(input: DescribeCollectionInput): Promise<CollectionDescription> {
      const collection = await store.getCollection(input.collectionId);
      if (!collection) {
        throw activityFailure(
          'CollectionNotFound',
          `collection ${input.collectionId} does not exist`,
        );
      }
      return {
        collectionId: collection.id,
        courseId: collection.course.id,
        courseCode: collection.course.code,
        activityName: collection.activity.name,
        collectionName: collection.name,
        userRole: await store.getMemberRole(collection.course.id, input.userId),
        latestCount: await store.countLatestDeliveries(collection.id, input.includeTest ?? false),
      };
    },
  };
}

export type DeliveryActivities = ReturnType<typeof createDeliveryActivities>;

// The submission extension's storage: parameterised SQL over the platform database, the same
// on PGlite and PostgreSQL. Give it a transaction's `tx` to run several calls atomically.
import type { Queryable } from '../../platform/database.js';
import type { LatestDeliveriesPage } from './constants.js';
import { countLatestDeliveries, latestDeliveriesPage } from './latest-deliveries.js';
import type { LatestDeliveriesOptions } from './latest-deliveries.js';
import { createCourseStore } from './store-courses.js';
import { createDeliveryStore } from './store-deliveries.js';

export type { LatestDeliveriesOptions } from './latest-deliveries.js';
export * from './store-types.js';

/** Builds the submission store over a database (or a transaction of one). */
export function createSubmissionStore(db: Queryable) {
  return {
    ...createCourseStore(db),
    ...createDeliveryStore(db),
    /**
     * The latest delivery of each user of the collection (max submitted_at, ties to the
     * greatest delivery ID), one page in user-ID order; test deliveries only with
     * `includeTest`. Null when the collection does not exist.
     */
    latestDeliveriesPage: (
      collectionId: string,
      options?: LatestDeliveriesOptions,
    ): Promise<LatestDeliveriesPage | null> => latestDeliveriesPage(db, collectionId, options),
    /** How many users have a (non-test, unless asked) delivery in the collection. */
    countLatestDeliveries: (collectionId: string, includeTest = false): Promise<number> =>
      countLatestDeliveries(db, collectionId, includeTest),
  };
}

export type SubmissionStore = ReturnType<typeof createSubmissionStore>;

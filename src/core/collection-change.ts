// A staff change to a collection's settings (its window, live feedback): who asks is checked
// first, then the change is made; a refusal changes nothing and, where the caller audits (the
// CLI; the API audits through its request hook), leaves one audit row saying why.
import { CollectionNotFoundError, failureSpec } from '../failures.js';
import type { CollectionDetails } from '../extensions/submission/index.js';
import type { Action, AccessControl } from './auth.js';
import type { AuditEntry } from './batch-store.js';

export interface CollectionChangeDeps {
  access: Pick<AccessControl, 'collection'>;
  /** Where audit rows go (the CLI); the API audits through its request hook instead. */
  audit?: (entry: AuditEntry) => Promise<void>;
}

/**
 * Checks the input (`validate`), then that `requestedBy` may do `action` on the collection, then
 * `apply`s the change (null: no such collection); returns the change and the collection.
 */
export async function changeCollection<T>(
  deps: CollectionChangeDeps,
  request: { collectionId: string; requestedBy: string },
  action: Action,
  steps: { validate?: () => void; apply: () => Promise<T | null> },
): Promise<{ change: T; collection: CollectionDetails }> {
  let collection: CollectionDetails | undefined;
  try {
    steps.validate?.();
    await deps.access.collection(
      request.requestedBy,
      request.collectionId,
      action,
      (c) => (collection = c),
    );
    const change = await steps.apply();
    if (!change) throw new CollectionNotFoundError(request.collectionId);
    return { change, collection: collection! };
  } catch (err) {
    const kind = err instanceof Error ? failureSpec(err.name)?.kind : undefined;
    if (deps.audit && kind === 'request') {
      await deps.audit({
        actor: request.requestedBy,
        action,
        target: request.collectionId,
        outcome: `refused: ${(err as Error).message}`,
        details: { failure: (err as Error).name },
        courseId: collection?.course.id ?? null,
        collectionId: collection?.id ?? null,
      });
    }
    throw err;
  }
}

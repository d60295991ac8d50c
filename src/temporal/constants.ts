// Task-queue suffixes and names owned by the core; no imports, so workflows may use it.

/** The core's task queue suffix: top-level workflows and batch bookkeeping activities. */
export const CORE_TASK_QUEUE = 'core-default';

/** zinc's custom search attributes, all of type Keyword. */
export const SEARCH_ATTRIBUTES = [
  'ZincCollectionId',
  'ZincConfigId',
  'ZincBatchStatus',
  'ZincRequestedBy',
] as const;

export type ZincSearchAttribute = (typeof SEARCH_ATTRIBUTES)[number];

/** Activity every zinc worker serves on its queue, answering which process serves it. */
export const WORKER_INFO_ACTIVITY = 'zincWorkerInfo';

export interface WorkerInfo {
  taskQueue: string;
  pid: number;
  hostname: string;
  activities: string[];
}

/** Search-attribute keys for typed upserts (all Keyword). */
export const SEARCH_ATTRIBUTE_KEYS = {
  collectionId: { name: 'ZincCollectionId', type: 'KEYWORD' },
  configId: { name: 'ZincConfigId', type: 'KEYWORD' },
  batchStatus: { name: 'ZincBatchStatus', type: 'KEYWORD' },
  requestedBy: { name: 'ZincRequestedBy', type: 'KEYWORD' },
} as const;

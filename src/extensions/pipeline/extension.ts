// The pipeline extension's descriptor: its task queue and the activities its worker serves.
import { defineExtension } from '../../temporal/registration.js';
import {
  createPipelineActivities,
  type PipelineActivityDeps,
} from './activities/execute-pipeline.js';
import { createBatchSupportActivities } from './activities/batch-support.js';
import { PIPELINE_TASK_QUEUE } from './constants.js';
import type { Queryable } from '../../platform/database.js';

export const pipelineExtension = defineExtension({
  name: 'pipeline',
  taskQueue: PIPELINE_TASK_QUEUE,
  createActivities: (deps: PipelineActivityDeps & { db: Queryable }) => ({
    ...createPipelineActivities(deps),
    ...createBatchSupportActivities(deps),
  }),
});

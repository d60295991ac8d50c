// LiveGrading: grades one delivery at once, for a collection with live feedback on (issue 12,
// point 3). Started by the API's upload route with the workflow ID `live-<deliveryId>`, never
// reused, so one delivery cannot start two. It resolves the collection's
// active config and runs ExecutePipeline on the pipeline queue with a task-queue priority key
// ahead of batch work (1; batches use the server's default, 3). The report is stored like any
// other, under the batch ID `live`, which no batch has: a live grading never counts as a batch
// result. No patches yet: this is its first version.
import { proxyActivities } from '@temporalio/workflow';
import type {
  BatchSupportActivities,
  PipelineActivities,
} from '../../extensions/pipeline/index.js';
import { NON_RETRYABLE_FAILURES } from '../../failures.js';
import { LIVE_BATCH_ID, type LiveGradingInput, type LiveGradingResult } from './live-types.js';
import { headlineVerdict } from './verdicts.js';

/** Grades one delivery with its collection's newest config, ahead of batch work. */
export async function liveGradingWorkflow(input: LiveGradingInput): Promise<LiveGradingResult> {
  const priority = { priorityKey: input.priorityKey };
  const retry = {
    initialInterval: `${input.retry.initialIntervalSecs}s`,
    backoffCoefficient: 2,
    maximumInterval: `${input.retry.maxIntervalSecs}s`,
    nonRetryableErrorTypes: [...NON_RETRYABLE_FAILURES],
  };
  const support = proxyActivities<BatchSupportActivities>({
    taskQueue: input.pipelineTaskQueue,
    startToCloseTimeout: '60s',
    retry,
    priority,
  });
  const config = await support.DescribeConfig({ collectionId: input.collectionId });
  const pipeline = proxyActivities<PipelineActivities>({
    taskQueue: input.pipelineTaskQueue,
    startToCloseTimeout: `${config.worstCaseSecs + input.retry.slackSecs}s`,
    heartbeatTimeout: `${input.retry.heartbeatTimeoutSecs}s`,
    retry: { ...retry, maximumAttempts: input.retry.maxAttempts },
    priority,
  });
  const outcome = await pipeline.ExecutePipeline({
    batchId: LIVE_BATCH_ID,
    collectionId: input.collectionId,
    deliveryId: input.deliveryId,
    configVersion: config.configVersion,
  });
  return {
    deliveryId: input.deliveryId,
    configVersion: config.configVersion,
    reportKey: outcome.reportKey,
    verdict: headlineVerdict(outcome.verdicts),
  };
}

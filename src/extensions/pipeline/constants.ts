// The pipeline extension's public constants and I/O types; no imports, so workflows may use it.

/** Task-queue suffix served by the pipeline extension's worker. */
export const PIPELINE_TASK_QUEUE = 'pipeline-default';

// The submission extension's public constants and I/O types; no imports, so workflows may use it.

/** Task-queue suffix served by the submission extension's worker. */
export const SUBMISSION_TASK_QUEUE = 'submission-default';

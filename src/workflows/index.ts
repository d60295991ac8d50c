// The one workflow bundle entry: every top-level workflow zinc runs on its core task queue.
export { healthCheckWorkflow } from './health/health-check.js';
export { batchGradingWorkflow } from './grading/batch-grading.js';
export { batchAdmissionWorkflow } from './grading/batch-admission.js';
export { terminationCheckWorkflow } from './grading/termination-check.js';
export { scheduledGradingWorkflow } from './grading/scheduled-grading.js';
export { liveGradingWorkflow } from './grading/live-grading.js';

// The pipeline extension's grading engine: run a config's stages on one delivery in the sandbox.
export { runPipeline } from './run-pipeline.js';
export type { RunPipelineInput } from './run-pipeline.js';
export type { PipelineFile } from './workspace.js';
export { HEARTBEAT_INTERVAL_MS } from './heartbeat.js';
export { COMMAND_DEFAULTS } from './limits.js';

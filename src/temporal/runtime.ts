// The Temporal SDK runtime of a zinc process: its log and signals left to zinc. The SDK's own
// messages, workflow code's `log` and activities' `Context.log` all reach the runtime's logger,
// which zinc points at its structured log (src/platform/logger.ts): servers (`zinc up`, `zinc
// worker`) log to stderr, which is their log; a CLI command's terminal is the user's, so its
// log goes to a file instead. A serving process also has the SDK export its metrics (task
// latencies, schedule-to-start, slots, sticky cache) over Prometheus on an internal loopback
// address, which zinc's /metrics appends.
import { Runtime, type LogLevel, type LogMetadata, type Logger } from '@temporalio/worker';
import { createLogger, type ZincLogger, type LoggerOptions } from '../platform/logger.js';

let installed: ZincLogger | undefined;
let sdkMetricsAddress: string | undefined;

export interface RuntimeLogOptions {
  /** The lowest level written; default info. */
  level?: LoggerOptions['level'];
  /** json, text, or auto (text on a terminal); default auto. */
  format?: LoggerOptions['format'];
  /** A file to append to instead of stderr (a CLI command's log). */
  file?: string;
  /** Fields every line carries (which zinc process wrote it). */
  base?: Record<string, string>;
  /** host:port for the SDK's own Prometheus exporter (loopback, internal); absent: no SDK metrics. */
  sdkMetricsAddress?: string;
}

/** The name BatchGrading runs under: its workflow ID is the batch ID. */
const BATCH_WORKFLOW_TYPE = 'batchGradingWorkflow';

const PINO_LEVEL = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
} as const satisfies Record<LogLevel, string>;

/** The SDK's logger interface over zinc's: SDK metadata become fields, plus the batch ID. */
function sdkLogger(log: ZincLogger): Logger {
  const write = (level: LogLevel, message: string, meta?: LogMetadata): void => {
    // Activity-only workers (the extensions') are normal in zinc, not worth a warning.
    if (message.startsWith('No workflows registered')) return;
    const fields: Record<string, unknown> = { ...meta };
    if (fields.workflowType === BATCH_WORKFLOW_TYPE && fields.batchId === undefined) {
      fields.batchId = fields.workflowId;
    }
    log[PINO_LEVEL[level]](fields, message);
  };
  return {
    log: write,
    trace: (message, meta) => write('TRACE', message, meta),
    debug: (message, meta) => write('DEBUG', message, meta),
    info: (message, meta) => write('INFO', message, meta),
    warn: (message, meta) => write('WARN', message, meta),
    error: (message, meta) => write('ERROR', message, meta),
  };
}

/**
 * Installs the SDK runtime once per process, before any worker connection, and returns the
 * process's logger: lines at `level` and above to stderr or `file`, and no SDK signal handlers
 * (zinc's own runUntilSignal shuts workers down).
 */
export function installRuntime(options: RuntimeLogOptions = {}): ZincLogger {
  if (installed) return installed;
  const log = createLogger({
    level: options.level ?? 'info',
    format: options.format ?? 'auto',
    ...(options.file !== undefined ? { file: options.file } : {}),
    ...(options.base !== undefined ? { base: options.base } : {}),
  });
  const metrics = options.sdkMetricsAddress
    ? {
        metrics: {
          // Seconds, as Prometheus (and zinc's own histograms) measure durations.
          prometheus: { bindAddress: options.sdkMetricsAddress, useSecondsForDurations: true },
        },
      }
    : {};
  // The SDK core's own messages (Rust) go straight to the console: errors only, so a benign
  // race (an activity completing after its batch was terminated) prints nothing into a
  // command's output. (Forwarding them to zinc's log would keep every CLI process alive: the
  // forwarding buffer's timer never lets the event loop end.)
  Runtime.install({
    logger: sdkLogger(log),
    shutdownSignals: [],
    telemetryOptions: { ...metrics, logging: { filter: { core: 'ERROR', other: 'ERROR' } } },
  });
  installed = log;
  sdkMetricsAddress = options.sdkMetricsAddress;
  return log;
}

/** The URL of the SDK's metrics this process's runtime exports; undefined when it exports none. */
export function sdkMetricsUrl(): string | undefined {
  return sdkMetricsAddress === undefined ? undefined : `http://${sdkMetricsAddress}/metrics`;
}

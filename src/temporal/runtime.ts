// The Temporal SDK runtime of a zinc process: where its log goes, at which level, and signals
// left to zinc. Servers (`zinc up`, `zinc worker`) log to stderr, which is their log; a CLI
// command's terminal is the user's, so its SDK messages go to a log file instead. A serving
// process also has the SDK export its metrics (task latencies, schedule-to-start, slots, sticky
// cache) over Prometheus on an internal loopback address, which zinc's /metrics appends.
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DefaultLogger, Runtime, type LogEntry, type LogLevel } from '@temporalio/worker';

let installed = false;
let sdkMetricsAddress: string | undefined;

export interface RuntimeLogOptions {
  /** The lowest level written; default WARN. */
  level?: LogLevel;
  /** A file to append to instead of stderr (a CLI command's log). */
  file?: string;
  /** host:port for the SDK's own Prometheus exporter (loopback, internal); absent: no SDK metrics. */
  sdkMetricsAddress?: string;
}

function formatEntry(entry: LogEntry): string {
  const meta =
    entry.meta && Object.keys(entry.meta).length > 0 ? ` ${JSON.stringify(entry.meta)}` : '';
  const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
  return `${time} [${entry.level}] ${entry.message}${meta}\n`;
}

/**
 * Installs the SDK runtime once per process, before any worker connection: SDK logs at `level`
 * to stderr or `file`, and no SDK signal handlers (zinc's own runUntilSignal shuts workers down).
 */
export function installRuntime(options: RuntimeLogOptions = {}): void {
  if (installed) return;
  const { file } = options;
  if (file !== undefined) mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const logger = new DefaultLogger(options.level ?? 'WARN', (entry: LogEntry) => {
    // Activity-only workers (the extensions') are normal in zinc, not worth a warning.
    if (entry.message.startsWith('No workflows registered')) return;
    const line = formatEntry(entry);
    if (file === undefined) {
      process.stderr.write(line);
      return;
    }
    try {
      appendFileSync(file, line, { mode: 0o600 });
    } catch {
      // A log that cannot be written must not break the command.
    }
  });
  const metrics = options.sdkMetricsAddress
    ? {
        metrics: {
          // Seconds, as Prometheus (and zinc's own histograms) measure durations.
          prometheus: { bindAddress: options.sdkMetricsAddress, useSecondsForDurations: true },
        },
      }
    : {};
  Runtime.install({ logger, shutdownSignals: [], telemetryOptions: metrics });
  installed = true;
  sdkMetricsAddress = options.sdkMetricsAddress;
}

/** The URL of the SDK's metrics this process's runtime exports; undefined when it exports none. */
export function sdkMetricsUrl(): string | undefined {
  return sdkMetricsAddress === undefined ? undefined : `http://${sdkMetricsAddress}/metrics`;
}

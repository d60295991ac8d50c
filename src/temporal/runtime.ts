// The Temporal SDK runtime of a zinc process: its log level, and signals left to zinc.
import { DefaultLogger, Runtime, type LogEntry, type LogLevel } from '@temporalio/worker';

let installed = false;

/**
 * Installs the SDK runtime once per process, before any worker connection: SDK logs at
 * `level`, and no SDK signal handlers (zinc's own runUntilSignal shuts workers down).
 */
export function installRuntime(level: LogLevel = 'WARN'): void {
  if (installed) return;
  const logger = new DefaultLogger(level, (entry: LogEntry) => {
    // Activity-only workers (the extensions') are normal in zinc, not worth a warning.
    if (entry.message.startsWith('No workflows registered')) return;
    process.stderr.write(
      `${new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString()} [${entry.level}] ${entry.message}${entry.meta && Object.keys(entry.meta).length > 0 ? ` ${JSON.stringify(entry.meta)}` : ''}\n`,
    );
  });
  Runtime.install({ logger, shutdownSignals: [] });
  installed = true;
}

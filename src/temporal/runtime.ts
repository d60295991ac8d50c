// The Temporal SDK runtime of a zinc process: its log level, and signals left to zinc.
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';

let installed = false;

/**
 * Installs the SDK runtime once per process, before any worker connection: SDK logs at
 * `level`, and no SDK signal handlers (zinc's own runUntilSignal shuts workers down).
 */
export function installRuntime(level: LogLevel = 'WARN'): void {
  if (installed) return;
  Runtime.install({ logger: new DefaultLogger(level), shutdownSignals: [] });
  installed = true;
}

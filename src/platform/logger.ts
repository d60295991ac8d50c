// zinc's log: structured lines (pino), JSON for machines and readable lines on a terminal.
// Secrets never reach it: fields that may hold one are censored wherever they appear, and
// callers log IDs (batch, delivery, workflow, run, course), never names, file contents or test
// data. The Temporal SDK's own messages and the workflow and activity loggers come here too
// (src/temporal/runtime.ts), with the SDK's workflow and activity IDs.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { pino, type DestinationStream, type Level, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type ZincLogger = Logger;
export type ZincLogLevel = Extract<Level, 'debug' | 'info' | 'warn' | 'error'>;

export interface LoggerOptions {
  /** The lowest level written. */
  level: ZincLogLevel;
  /** json: one object per line; text: readable lines; auto: text on a terminal, else json. */
  format: 'auto' | 'json' | 'text';
  /** A file to append to (always JSON) instead of stderr: a CLI command's log. */
  file?: string;
  /** Fields every line carries, e.g. which zinc process wrote it. */
  base?: Record<string, string>;
}

/** Field names whose value is never logged, at the top level or one level down. */
const SECRET_FIELDS = [
  'token',
  'authorization',
  'cookie',
  'password',
  'secret',
  'api_key',
  'apiKey',
  'secret_access_key',
  'secretAccessKey',
  'key',
];

const REDACT_PATHS = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((field) => `*.${field}`),
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
];

/** Where the lines go: a file (JSON, owner-only), or stderr as JSON or readable text. */
function destination(options: LoggerOptions): DestinationStream {
  if (options.file !== undefined) {
    mkdirSync(dirname(options.file), { recursive: true, mode: 0o700 });
    return pino.destination({ dest: options.file, sync: true, append: true, mode: 0o600 });
  }
  const text =
    options.format === 'text' || (options.format === 'auto' && process.stderr.isTTY === true);
  if (!text) return pino.destination({ dest: 2, sync: true });
  return pretty({
    destination: 2,
    sync: true,
    colorize: process.stderr.isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,process',
    singleLine: true,
  });
}

/** A logger at `level` writing JSON or readable lines; secret fields are censored. */
export function createLogger(options: LoggerOptions): ZincLogger {
  return pino(
    {
      level: options.level,
      base: { pid: process.pid, ...options.base },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    },
    destination(options),
  );
}

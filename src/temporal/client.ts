// The Temporal client wrapper: connects with retries, knows the namespace and task-queue prefix.
import { TemporalConnectionError } from '../failures.js';
import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import type { TLSConfig } from '@temporalio/client';
import pRetry from 'p-retry';
import type { TemporalConfig } from './config.js';
import { formatTaskQueue } from './task-queue.js';
import { activeTracing } from '../platform/tracing.js';
import { clientTracingInterceptors } from './tracing.js';
import { clientDataConverter } from './codec.js';

/** What both the client `Connection` and the worker `NativeConnection` take to reach a server. */
export interface ConnectionTarget {
  address: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
}

/** Resolves the address, mTLS files and API key of a configuration into connection options. */
export function connectionTarget(config: TemporalConfig, address: string): ConnectionTarget {
  const target: ConnectionTarget = { address };
  if (config.tls) {
    const read = (what: string, file: string): Buffer => {
      try {
        return readFileSync(file);
      } catch (err) {
        throw new TemporalConnectionError(
          `temporal.tls.${what}: cannot read ${file}: ${(err as Error).message}`,
        );
      }
    };
    target.tls = {
      ...(config.tls.server_name ? { serverNameOverride: config.tls.server_name } : {}),
      ...(config.tls.ca ? { serverRootCACertificate: read('ca', config.tls.ca) } : {}),
      clientCertPair: { crt: read('cert', config.tls.cert), key: read('key', config.tls.key) },
    };
  } else if (config.api_key) {
    target.tls = true;
  }
  if (config.api_key) target.apiKey = config.api_key;
  return target;
}

export interface RetryOptions {
  attempts: number;
  minDelayMs?: number;
  maxDelayMs?: number;
  onRetry?: (attempt: number, error: Error) => void;
}

/** Runs `fn` with exponential backoff; after the last attempt, throws what `describe` says. */
export async function withConnectRetry<T>(
  fn: () => Promise<T>,
  retry: RetryOptions,
  describe: (cause: Error, attempts: number) => Error,
): Promise<T> {
  try {
    return await pRetry(fn, {
      retries: Math.max(0, retry.attempts - 1),
      minTimeout: retry.minDelayMs ?? 250,
      maxTimeout: retry.maxDelayMs ?? 5_000,
      factor: 2,
      onFailedAttempt: ({ error, attemptNumber }) => retry.onRetry?.(attemptNumber, error),
    });
  } catch (err) {
    throw describe(err as Error, retry.attempts);
  }
}

/** A connected Temporal client that knows zinc's namespace and task-queue prefix. */
export interface ZincTemporalClient {
  readonly client: Client;
  readonly connection: Connection;
  readonly address: string;
  readonly namespace: string;
  readonly taskQueuePrefix: string;
  /** `{prefix}-{suffix}`, the one way zinc names task queues. */
  formatTaskQueue(suffix: string): string;
  close(): Promise<void>;
}

/** Connects to Temporal at `address` (retrying with backoff) and checks the namespace exists. */
export async function connectTemporalClient(
  config: TemporalConfig,
  address: string,
  retry: Partial<RetryOptions> = {},
): Promise<ZincTemporalClient> {
  const target = connectionTarget(config, address);
  const connection = await withConnectRetry(
    async () => {
      const conn = await Connection.connect({ ...target, connectTimeout: '5s' });
      try {
        await conn.workflowService.describeNamespace({ namespace: config.namespace });
      } catch (err) {
        await conn.close();
        throw err;
      }
      return conn;
    },
    { attempts: config.connect_attempts, ...retry },
    (cause, attempts) =>
      new TemporalConnectionError(
        `cannot reach Temporal at ${address} (namespace ${config.namespace}) after ${attempts} attempt(s): ${cause.message}`,
        { cause },
      ),
  );
  const dataConverter = clientDataConverter(config.encryption);
  const client = new Client({
    connection,
    namespace: config.namespace,
    ...(dataConverter ? { dataConverter } : {}),
    interceptors: clientTracingInterceptors(activeTracing()),
  });
  return {
    client,
    connection,
    address,
    namespace: config.namespace,
    taskQueuePrefix: config.task_queue_prefix,
    formatTaskQueue: (suffix) => formatTaskQueue(config.task_queue_prefix, suffix),
    close: () => connection.close(),
  };
}

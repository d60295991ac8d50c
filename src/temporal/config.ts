// The Temporal part of zinc's configuration: connection, namespace, task queues, workers.
import { z } from 'zod';

const hostPort = z
  .string()
  .regex(
    /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/,
    'expected host:port, e.g. localhost:7233',
  );

const name = z
  .string()
  .min(1, 'expected a non-empty name')
  .max(200)
  .regex(/^[A-Za-z0-9._-]+$/, 'expected letters, digits, ".", "_" or "-"');

const port = z.coerce
  .number()
  .int('expected a whole number')
  .min(1, 'expected a port between 1 and 65535')
  .max(65535, 'expected a port between 1 and 65535');

/** Mutual TLS to a Temporal cluster: PEM file paths and the server name to verify. */
export const temporalTlsSchema = z.strictObject({
  ca: z.string().min(1).optional(),
  cert: z.string().min(1),
  key: z.string().min(1),
  server_name: z.string().min(1).optional(),
});

/** One payload-encryption key: 32 bytes, base64, inline or in a file (`openssl rand -base64 32`). */
const encryptionKeySchema = z
  .strictObject({
    /** Written into every payload it encrypts; never reuse an ID for other key material. */
    id: name,
    key: z.string().min(1).optional(),
    file: z.string().min(1).optional(),
  })
  .refine((k) => (k.key === undefined) !== (k.file === undefined), {
    message: 'give either key (base64) or file (a file holding it), not both',
  });

/**
 * Payload encryption (AES-256-GCM) for everything zinc's clients and workers send to Temporal.
 * The first key encrypts; every listed key decrypts. Rotate by putting a new key first and
 * keeping the old ones until no history that needs them is retained.
 */
export const encryptionSchema = z
  .strictObject({ keys: z.array(encryptionKeySchema).min(1, 'expected at least one key') })
  .refine((e) => new Set(e.keys.map((k) => k.id)).size === e.keys.length, {
    message: 'key ids must be unique',
    path: ['keys'],
  });

export type EncryptionConfig = z.infer<typeof encryptionSchema>;

/** The embedded dev server's ports; free ones are picked when unset. */
export const devServerSchema = z.strictObject({
  port: port.optional(),
  ui_port: port.optional(),
  ui: z.boolean().default(true),
  log_level: z.enum(['debug', 'info', 'warn', 'error']).default('warn'),
  start_timeout_secs: z.coerce.number().positive().default(60),
});

export const temporalConfigSchema = z.strictObject({
  /** Absent: zinc starts the embedded dev server in its data directory. */
  host_port: hostPort.optional(),
  namespace: name.default('zinc-dev'),
  task_queue_prefix: name.default('zinc'),
  tls: temporalTlsSchema.optional(),
  api_key: z.string().min(1).optional(),
  /** Absent: payloads go to Temporal in clear (JSON). */
  encryption: encryptionSchema.optional(),
  connect_attempts: z.coerce.number().int().min(1).max(100).default(8),
  dev_server: devServerSchema.default(devServerSchema.parse({})),
});

export const workerConfigSchema = z.strictObject({
  max_concurrent_activities: z.coerce.number().int().min(1).default(20),
  /**
   * Activity slots of a pipeline worker's live queue (`pipeline-live`), beside the batch queue's
   * max_concurrent_activities: live gradings never wait for a slot that batch work holds.
   */
  live_slots: z.coerce
    .number()
    .int('expected a whole number of slots')
    .min(1, 'expected at least 1 slot')
    .default(2),
  max_concurrent_workflow_tasks: z.coerce.number().int().min(2).default(10),
  /** Activities per second this worker starts; unset: no limit. */
  max_activities_per_second: z.coerce.number().positive().optional(),
  /** Activities per second across every worker of a queue; unset: no limit. */
  max_task_queue_activities_per_second: z.coerce.number().positive().optional(),
  /** How long in-flight activities may run on after SIGINT/SIGTERM before they are cancelled. */
  shutdown_grace_secs: z.coerce.number().min(0).default(30),
});

export type TemporalConfig = z.infer<typeof temporalConfigSchema>;
export type WorkerConfig = z.infer<typeof workerConfigSchema>;

/** The `temporal` section: its schema and the environment variables that set its fields. */
export const temporalSection = {
  key: 'temporal',
  schema: temporalConfigSchema,
  env: {
    ZINC_TEMPORAL_HOST_PORT: ['host_port'],
    ZINC_TEMPORAL_NAMESPACE: ['namespace'],
    ZINC_TEMPORAL_TASK_QUEUE_PREFIX: ['task_queue_prefix'],
    ZINC_TEMPORAL_API_KEY: ['api_key'],
    ZINC_TEMPORAL_TLS_CA: ['tls', 'ca'],
    ZINC_TEMPORAL_TLS_CERT: ['tls', 'cert'],
    ZINC_TEMPORAL_TLS_KEY: ['tls', 'key'],
    ZINC_TEMPORAL_TLS_SERVER_NAME: ['tls', 'server_name'],
    ZINC_TEMPORAL_PORT: ['dev_server', 'port'],
    ZINC_TEMPORAL_UI_PORT: ['dev_server', 'ui_port'],
  },
} as const;

/** The `worker` section: how much one process's workers take on. */
export const workerSection = {
  key: 'worker',
  schema: workerConfigSchema,
  env: {
    ZINC_WORKER_MAX_CONCURRENT_ACTIVITIES: ['max_concurrent_activities'],
    ZINC_WORKER_LIVE_SLOTS: ['live_slots'],
    ZINC_WORKER_SHUTDOWN_GRACE_SECS: ['shutdown_grace_secs'],
  },
} as const;

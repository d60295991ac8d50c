// The `telemetry` section of zinc's configuration: where a process serves its Prometheus
// metrics, where it sends its traces (OTLP), and how it logs.
import { z } from 'zod';

/** The default metrics address of a serving process (`zinc up`, `zinc worker`, `zinc api`). */
export const METRICS_DEFAULT_ADDRESS = '127.0.0.1:9464';

const hostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/, 'expected host:port, e.g. 127.0.0.1:9464');

export const telemetryConfigSchema = z.strictObject({
  metrics: z
    .strictObject({
      /** host:port of `/metrics` (Prometheus text); port 0 picks a free one (printed at start). */
      address: hostPort.default(METRICS_DEFAULT_ADDRESS),
      /** false: serve no metrics endpoint. */
      enabled: z
        .union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')])
        .default(true),
    })
    .default({ address: METRICS_DEFAULT_ADDRESS, enabled: true }),
  tracing: z
    .strictObject({
      /** OTLP/HTTP traces endpoint, e.g. http://localhost:4318/v1/traces; absent: no traces. */
      otlp_endpoint: z
        .url({ error: 'expected a URL, e.g. http://localhost:4318/v1/traces' })
        .optional(),
      /** The `service.name` of this process's spans. */
      service_name: z.string().min(1).default('zinc'),
    })
    .default({ service_name: 'zinc' }),
  logs: z
    .strictObject({
      /** The lowest level written. */
      level: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
      /** json: one JSON object per line; text: readable lines; auto: text on a terminal, else json. */
      format: z.enum(['auto', 'json', 'text']).default('auto'),
    })
    .default({ level: 'info', format: 'auto' }),
});

export type TelemetryConfig = z.infer<typeof telemetryConfigSchema>;

/** The `telemetry` section: metrics endpoint, trace export and logs. */
export const telemetrySection = {
  key: 'telemetry',
  schema: telemetryConfigSchema,
  env: {
    ZINC_METRICS_ADDRESS: ['metrics', 'address'],
    ZINC_METRICS_ENABLED: ['metrics', 'enabled'],
    ZINC_OTLP_ENDPOINT: ['tracing', 'otlp_endpoint'],
    ZINC_LOG_LEVEL: ['logs', 'level'],
    ZINC_LOG_FORMAT: ['logs', 'format'],
  },
} as const;

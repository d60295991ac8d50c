// The `api` section of zinc's configuration: where the HTTP API listens and how much it reads.
import { z } from 'zod';

/** Where the HTTP API listens; loopback unless configured otherwise. */
export const apiConfigSchema = z.strictObject({
  /** 0 picks a free port (printed at start-up). */
  port: z.coerce
    .number()
    .int('expected a whole number')
    .min(0, 'expected a port between 0 and 65535')
    .max(65535, 'expected a port between 0 and 65535')
    .default(8080),
  /** 127.0.0.1 keeps the API on this machine; 0.0.0.0 (or an address) opens it to others. */
  host: z.string().min(1, 'expected a host name or address').default('127.0.0.1'),
  /** The largest JSON request body, in KiB (uploads are bounded by `submission.limits`). */
  json_body_limit_kb: z.coerce.number().int().min(1).max(10_240).default(64),
});

export type ApiConfig = z.infer<typeof apiConfigSchema>;

/** The `api` section: where the HTTP API listens. */
export const apiSection = {
  key: 'api',
  schema: apiConfigSchema,
  env: { ZINC_API_PORT: ['port'], ZINC_API_HOST: ['host'] },
} as const;

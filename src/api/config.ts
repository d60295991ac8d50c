// The `api` section of zinc's configuration: where the HTTP API listens and how much it reads.
import { z } from 'zod';

const perMinute = z.coerce.number().int('expected a whole number').min(0).max(1_000_000);

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
  /** Requests per minute one API token, and one client address, may make (0: no limit); over
   * it the API answers 429 with Retry-After. Health checks are never limited. */
  rate_limit: z
    .strictObject({
      per_token_per_minute: perMinute.default(600),
      per_address_per_minute: perMinute.default(1200),
    })
    .default({ per_token_per_minute: 600, per_address_per_minute: 1200 }),
  /** Requests refused for want of a valid token are counted (the metric
   * zinc_api_unauthenticated_requests_total); only this sample of them is kept as audit rows. */
  audit_unauthenticated: z
    .strictObject({
      /** Audit rows of refused requests per client address per minute. */
      per_address_per_minute: perMinute.default(10),
      /** Audit rows of refused requests per minute over every address (per API process). */
      per_minute: perMinute.default(100),
    })
    .default({ per_address_per_minute: 10, per_minute: 100 }),
  /** The codec endpoint (/api/codec) for Temporal's Web UI, served when temporal.encryption is set. */
  codec: z
    .strictObject({
      /** Origins (scheme://host:port) whose pages may call it: a Temporal Web UI's. `zinc up`
       * adds the embedded dev server's Web UI itself. */
      cors_origins: z
        .array(z.url({ error: 'expected an origin such as https://temporal-ui.example.edu' }))
        .default([]),
    })
    .default({ cors_origins: [] }),
});

export type ApiConfig = z.infer<typeof apiConfigSchema>;

/** The `api` section: where the HTTP API listens. */
export const apiSection = {
  key: 'api',
  schema: apiConfigSchema,
  env: { ZINC_API_PORT: ['port'], ZINC_API_HOST: ['host'] },
} as const;

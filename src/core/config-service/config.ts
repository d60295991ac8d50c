// The `config_service` section of zinc's configuration: where the core serves the extension
// configuration service (gRPC) to workers started with `--core`.
import { z } from 'zod';

/** The default port of the configuration service (the API's is 8080). */
export const CONFIG_SERVICE_DEFAULT_PORT = 7350;

/** A certificate and key (PEM file paths) to serve over TLS; workers then use https://host:port. */
export const configServiceTlsSchema = z.strictObject({
  cert: z.string().min(1),
  key: z.string().min(1),
});

export const configServiceConfigSchema = z.strictObject({
  /** 127.0.0.1 keeps it on this machine; workers elsewhere need an address they can reach. */
  host: z.string().min(1, 'expected a host name or address').default('127.0.0.1'),
  /** 0 picks a free port (printed at start-up). */
  port: z.coerce
    .number()
    .int('expected a whole number')
    .min(0, 'expected a port between 0 and 65535')
    .max(65535, 'expected a port between 0 and 65535')
    .default(CONFIG_SERVICE_DEFAULT_PORT),
  /** Absent: cleartext HTTP/2, for loopback or a network you trust (the sections hold secrets). */
  tls: configServiceTlsSchema.optional(),
});

export type ConfigServiceConfig = z.infer<typeof configServiceConfigSchema>;

/** The `config_service` section: where the core serves workers their configuration. */
export const configServiceSection = {
  key: 'config_service',
  schema: configServiceConfigSchema,
  env: {
    ZINC_CONFIG_SERVICE_HOST: ['host'],
    ZINC_CONFIG_SERVICE_PORT: ['port'],
    ZINC_CONFIG_SERVICE_TLS_CERT: ['tls', 'cert'],
    ZINC_CONFIG_SERVICE_TLS_KEY: ['tls', 'key'],
  },
} as const;

// The `events` section of zinc's configuration: NATS when `events.nats.url` is set, else the
// in-process bus; and how often the core's relay looks at the outbox.
import { z } from 'zod';
import { redactNatsUrl, type EventBus } from './events.js';
import { createInProcessEventBus } from './in-process-events.js';
import type { NatsEventsOptions } from './nats-events.js';

const int = (min: number, max: number) =>
  z.coerce.number().int('expected a whole number').min(min).max(max);

export const eventsConfigSchema = z.strictObject({
  nats: z
    .strictObject({
      /** e.g. nats://127.0.0.1:4222; absent: the in-process bus (no other process hears it). */
      url: z
        .string()
        .regex(
          /^(nats|tls):\/\/\S+$/,
          'expected a nats:// or tls:// URL, e.g. nats://127.0.0.1:4222',
        )
        .optional(),
      /** The JetStream stream of zinc's events (created by the relay when missing). */
      stream: z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected a stream name: letters, digits, "_" or "-"')
        .default('ZINC'),
    })
    .default({ stream: 'ZINC' }),
  relay: z
    .strictObject({
      /** How often the relay looks for new outbox rows when it has nothing to send. */
      interval_ms: int(10, 60_000).default(500),
    })
    .default({ interval_ms: 500 }),
});

export type EventsConfig = z.infer<typeof eventsConfigSchema>;

/** The `events` section: its schema and the environment variables that set its fields. */
export const eventsSection = {
  key: 'events',
  schema: eventsConfigSchema,
  env: {
    ZINC_NATS_URL: ['nats', 'url'],
    ZINC_NATS_STREAM: ['nats', 'stream'],
    ZINC_EVENTS_RELAY_INTERVAL_MS: ['relay', 'interval_ms'],
  },
} as const;

/** The NATS options of the section, or undefined when NATS is not configured. */
export function natsOptions(config: EventsConfig): NatsEventsOptions | undefined {
  const url = config.nats.url;
  return url === undefined ? undefined : { url, stream: config.nats.stream };
}

/** The configured bus: NATS (connecting on first use) or the in-process one. */
export function openEventBus(config: EventsConfig): EventBus {
  const nats = natsOptions(config);
  return nats === undefined ? createInProcessEventBus() : lazyNatsBus(nats);
}

/** The NATS bus, its client loaded on first use (most commands never publish or subscribe). */
function lazyNatsBus(options: NatsEventsOptions): EventBus {
  let bus: Promise<EventBus> | undefined;
  const get = (): Promise<EventBus> =>
    (bus ??= import('./nats-events.js').then((m) => m.createNatsEventBus(options)));
  return {
    describe: `NATS ${redactNatsUrl(options.url)}, JetStream stream ${options.stream}`,
    async publish(event) {
      await (await get()).publish(event);
    },
    subscribe(subject, handler) {
      let off: (() => void) | undefined;
      let cancelled = false;
      void get().then((loaded) => {
        if (!cancelled) off = loaded.subscribe(subject, handler);
      });
      return () => {
        cancelled = true;
        off?.();
      };
    },
    async close() {
      if (bus) await (await bus).close();
    },
  };
}

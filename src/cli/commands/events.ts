// `zinc events tail [--subject <s>]`: zinc's events as NATS holds them, one line each (or JSON),
// until Ctrl-C or --count. Each event ID is printed once, however often it was delivered.
import type { Command } from 'commander';
import { ConfigError } from '../../failures.js';
import { natsOptions } from '../../platform/events-config.js';
import {
  EVENT_SUBJECTS,
  isEventSubject,
  redactNatsUrl,
  type ZincEvent,
} from '../../platform/events.js';
import { configFrom } from '../context.js';
import { parseTimeSpec } from '../time-spec.js';

interface TailOptions {
  subject?: string;
  since?: string;
  all?: boolean;
  count?: string;
  json?: boolean;
}

/** `key=value` for each field of the event's data (objects as compact JSON). */
export function formatEventLine(event: ZincEvent): string {
  const fields = Object.entries(event.data).map(
    ([key, value]) =>
      `${key}=${typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)}`,
  );
  return [event.time, event.subject, event.id, ...fields].join('  ');
}

/** Registers `zinc events tail`. */
export function registerEventsCommands(program: Command): void {
  const events = program
    .command('events')
    .description("zinc's events on NATS (submission.received, grading.completed, batch.completed)");
  events
    .command('tail')
    .description(
      'print events as they arrive, one line each, until Ctrl-C (needs events.nats.url / ZINC_NATS_URL)',
    )
    .option('--subject <subject>', `only this subject: ${EVENT_SUBJECTS.join(', ')}`)
    .option('--since <time>', 'start at this time (ISO 8601, or a span back such as 1h)')
    .option('--all', 'start with the oldest event the stream keeps')
    .option('--count <n>', 'stop after n events')
    .option('--json', 'one JSON object per line')
    .action(async (opts: TailOptions, command: Command) => {
      if (opts.subject !== undefined && !isEventSubject(opts.subject)) {
        command.error(
          `zinc events tail: --subject "${opts.subject}" is not one of zinc's subjects (${EVENT_SUBJECTS.join(', ')})`,
        );
      }
      if (opts.all && opts.since !== undefined) {
        command.error('zinc events tail: --all and --since go alone: choose one');
      }
      const count = opts.count === undefined ? undefined : Number(opts.count);
      if (count !== undefined && !(Number.isInteger(count) && count > 0)) {
        command.error(`zinc events tail: --count "${opts.count}" must be a whole number above 0`);
      }
      const from = opts.all
        ? 'all'
        : opts.since !== undefined
          ? parseTimeSpec(opts.since, '--since', -1)
          : 'new';
      const nats = natsOptions(configFrom(command).events);
      if (nats === undefined) {
        throw new ConfigError(
          'zinc events tail reads from NATS, which is not configured: set events.nats.url in zinc.yaml or ZINC_NATS_URL (e.g. nats://127.0.0.1:4222)',
        );
      }
      const { readNatsEvents } = await import('../../platform/nats-events.js');
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      let printed = 0;
      try {
        await readNatsEvents(nats, {
          ...(opts.subject !== undefined ? { subject: opts.subject } : {}),
          from,
          signal: stop.signal,
          onReady: () =>
            process.stderr.write(
              `Reading ${opts.subject ?? 'every subject'} from NATS ${redactNatsUrl(nats.url)}, stream ${nats.stream}. Press Ctrl-C to stop.\n`,
            ),
          onEvent: (event) => {
            process.stdout.write(`${opts.json ? JSON.stringify(event) : formatEventLine(event)}\n`);
            printed += 1;
            if (count !== undefined && printed >= count) stop.abort();
          },
        });
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}

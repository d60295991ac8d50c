// Times on the command line: an ISO-8601 time, or a span from now such as 90d, 12h, 30m, 2w.
import { TimeSpecError } from '../failures.js';

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/** `value` as a span such as 10m, 2h or 30s, in seconds; TimeSpecError naming `flag` otherwise. */
export function parseSpanSecs(value: string, flag: string): number {
  const span = /^(\d+)\s*([smhdw])$/i.exec(value.trim());
  if (!span) {
    throw new TimeSpecError(`${flag}: "${value}" is not a span such as 10m, 2h or 30s`);
  }
  return (Number(span[1]) * UNIT_MS[span[2]!.toLowerCase()]!) / 1000;
}

/**
 * `value` as a time: ISO-8601 as given, or a span (`90d`) counted from `now` into the future
 * (`direction: 1`, e.g. an expiry) or the past (`-1`, e.g. --since).
 */
export function parseTimeSpec(
  value: string,
  flag: string,
  direction: 1 | -1,
  now = new Date(),
): Date {
  const span = /^(\d+)\s*([smhdw])$/i.exec(value.trim());
  if (span) {
    return new Date(now.getTime() + direction * Number(span[1]) * UNIT_MS[span[2]!.toLowerCase()]!);
  }
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(date.getTime())) {
    throw new TimeSpecError(
      `${flag}: "${value}" is neither an ISO-8601 time such as 2026-09-01T00:00:00Z nor a span such as 90d, 12h or 30m`,
    );
  }
  return date;
}

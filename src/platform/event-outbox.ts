// The transactional outbox: an event is a row written in the same transaction as the change it
// announces (so a rolled-back change announces nothing), read back by the relay after commit.
import { fileURLToPath } from 'node:url';
import type { Database, Queryable } from './database.js';
import type { EventSubject, ZincEvent } from './events.js';
import { migrate } from './migrations.js';

/** The component under which the outbox's schema is recorded in schema_migrations. */
export const EVENTS_COMPONENT = 'events';
export const EVENTS_MIGRATIONS_DIR = fileURLToPath(
  new URL('./outbox/migrations/', import.meta.url),
);

/** Brings the outbox's schema up to date (every process that records events needs it). */
export function migrateEventsSchema(db: Database): Promise<{ applied: string[] }> {
  return migrate(db, EVENTS_COMPONENT, EVENTS_MIGRATIONS_DIR);
}

/** The ID of the fact `subject` announces about `parts` (e.g. a batch and a delivery ID). */
export function eventId(subject: EventSubject, ...parts: string[]): string {
  return [subject, ...parts].join(':');
}

/**
 * Records `event` in `tx`: it leaves when `tx` commits, and not at all if it rolls back. A
 * second record of the same ID (a retried activity) changes nothing: the first stands.
 */
export async function recordEvent(
  tx: Queryable,
  event: { subject: EventSubject; id: string; data: Record<string, unknown> },
): Promise<void> {
  await tx.query(
    `INSERT INTO event_outbox (id, subject, data) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`,
    [event.id, event.subject, JSON.stringify(event.data)],
  );
}

/** Records several events in `tx` with one statement, as recordEvent does each. */
export async function recordEvents(
  tx: Queryable,
  events: ReadonlyArray<{ subject: EventSubject; id: string; data: Record<string, unknown> }>,
): Promise<void> {
  if (events.length === 0) return;
  await tx.query(
    `INSERT INTO event_outbox (id, subject, data)
     SELECT e.id, e.subject, e.data::jsonb FROM unnest($1::text[], $2::text[], $3::text[]) AS e(id, subject, data)
     ON CONFLICT (id) DO NOTHING`,
    [
      events.map((e) => e.id),
      events.map((e) => e.subject),
      events.map((e) => JSON.stringify(e.data)),
    ],
  );
}

/** An outbox row not yet acknowledged by the bus. */
export interface PendingEvent extends ZincEvent {
  seq: number;
}

interface OutboxRow {
  seq: number;
  id: string;
  subject: EventSubject;
  data: Record<string, unknown>;
  created_at: Date | string;
}

/** Up to `limit` unsent events, oldest first. */
export async function pendingEvents(db: Queryable, limit: number): Promise<PendingEvent[]> {
  const { rows } = await db.query<OutboxRow>(
    `SELECT seq, id, subject, data, created_at FROM event_outbox
     WHERE sent_at IS NULL ORDER BY seq LIMIT $1`,
    [limit],
  );
  return rows.map((row) => ({
    seq: Number(row.seq),
    id: row.id,
    subject: row.subject,
    time: new Date(row.created_at).toISOString(),
    data: row.data,
  }));
}

/** Marks the events `seqs` as acknowledged by the bus. */
export async function markSent(db: Queryable, seqs: readonly number[]): Promise<void> {
  if (seqs.length === 0) return;
  await db.query('UPDATE event_outbox SET sent_at = now() WHERE seq = ANY($1::bigint[])', [seqs]);
}

/** How many events wait for the bus. */
export async function countPending(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM event_outbox WHERE sent_at IS NULL',
  );
  return Number(rows[0]?.n ?? 0);
}

/** Deletes events sent more than `days` days ago; returns how many. */
export async function pruneSent(db: Queryable, days: number): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM event_outbox WHERE sent_at < now() - make_interval(days => $1)`,
    [days],
  );
  return rowCount;
}

-- The transactional outbox: each event is written in the transaction of the change it
-- announces, and the relay publishes it after commit (src/platform/event-relay.ts).

CREATE TABLE event_outbox (
  -- the order events were recorded in (the relay sends the oldest first)
  seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- one per fact, e.g. grading.completed:<batch>:<delivery>; a retry records nothing new
  id         text NOT NULL UNIQUE,
  subject    text NOT NULL,
  data       jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- when the bus acknowledged it; null: still to send
  sent_at    timestamptz
);
CREATE INDEX event_outbox_pending_idx ON event_outbox (seq) WHERE sent_at IS NULL;
CREATE INDEX event_outbox_sent_idx ON event_outbox (sent_at) WHERE sent_at IS NOT NULL;

-- The core's schema: batch records, the deliveries a batch could not grade, and the audit log.

CREATE TABLE batches (
  -- the workflow ID: batch-<collection>-<config or "default">-<n>
  id              text PRIMARY KEY,
  collection_id   text NOT NULL,
  config_version  text,
  requested_by    text NOT NULL,
  -- running | paused | completed | cancelled | failed
  status          text NOT NULL,
  -- the batch whose ERRORED deliveries this one regrades, if any
  source_batch_id text,
  concurrency     integer NOT NULL,
  include_test    boolean NOT NULL DEFAULT false,
  total           integer NOT NULL DEFAULT 0,
  done            integer NOT NULL DEFAULT 0,
  errored         integer NOT NULL DEFAULT 0,
  -- deliveries by headline verdict, e.g. {"PASSED": 40, "COMPILE_ERROR": 3}
  counts          jsonb NOT NULL DEFAULT '{}'::jsonb,
  summary_key     text,
  failure_reason  text,
  started_at      timestamptz NOT NULL,
  finished_at     timestamptz,
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX batches_collection_idx ON batches (collection_id, started_at DESC);

CREATE TABLE batch_failures (
  batch_id     text NOT NULL REFERENCES batches (id),
  delivery_id  text NOT NULL,
  delivery_key text NOT NULL,
  user_id      text NOT NULL,
  reason       text NOT NULL,
  recorded_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (batch_id, delivery_id)
);

CREATE TABLE audit_log (
  id      bigserial PRIMARY KEY,
  at      timestamptz NOT NULL DEFAULT now(),
  actor   text NOT NULL,
  action  text NOT NULL,
  target  text NOT NULL,
  outcome text NOT NULL,
  details jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_at_idx ON audit_log (at);

-- The pipeline extension's schema: immutable grading-config versions and one report row per
-- (batch, delivery). Collections and deliveries belong to the submission extension: they are
-- referred to by ID only, with no foreign keys across extensions.

CREATE TABLE grading_configs (
  -- content address: configVersionId(yaml, assets)
  id            text PRIMARY KEY,
  yaml          text NOT NULL,
  -- [{"path": "...", "sha256": "...", "size": 123}], sorted by path
  assets        jsonb NOT NULL CHECK (jsonb_typeof(assets) = 'array'),
  -- objects: <object_prefix>config.yaml and <object_prefix>assets/<path>
  object_prefix text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);

-- Which config versions a collection is graded with; the newest is its default.
CREATE TABLE collection_configs (
  collection_id text NOT NULL,
  config_id     text NOT NULL REFERENCES grading_configs (id),
  added_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (collection_id, config_id)
);
CREATE INDEX collection_configs_latest_idx ON collection_configs (collection_id, added_at DESC);

CREATE TABLE reports (
  batch_id       text NOT NULL,
  delivery_id    text NOT NULL,
  config_id      text NOT NULL REFERENCES grading_configs (id),
  score          double precision NOT NULL,
  max_score      double precision NOT NULL,
  -- {"PASSED": 3, "WRONG_OUTPUT": 1, ...}
  verdicts       jsonb NOT NULL,
  pipeline_error text,
  report_key     text NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (batch_id, delivery_id)
);
CREATE INDEX reports_delivery_idx ON reports (delivery_id, created_at DESC);

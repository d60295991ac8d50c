-- Grade releases: staff release a finished batch's grades to the students of its collection
-- (`zinc batch release`, POST /api/batches/:id/release). One release per collection is current;
-- releasing another batch of the collection supersedes it. Old rows are kept as history.

CREATE TABLE grade_releases (
  id            bigserial PRIMARY KEY,
  collection_id text NOT NULL,
  -- the released batch (a completed batch of collection_id)
  batch_id      text NOT NULL REFERENCES batches (id),
  released_by   text NOT NULL,
  released_at   timestamptz NOT NULL DEFAULT now(),
  -- set when a later release of the collection replaces this one
  superseded_at timestamptz,
  -- the batch whose release replaced this one
  superseded_by text
);
-- At most one current release per collection.
CREATE UNIQUE INDEX grade_releases_current_idx ON grade_releases (collection_id)
  WHERE superseded_at IS NULL;
CREATE INDEX grade_releases_batch_idx ON grade_releases (batch_id);

-- Running slots of batches (grading.max_running_batches, overall and per course): a batch claims
-- a slot after it is recorded and waits, queued, until the core grants one. Grants follow the
-- queue's order (request time, then arrival), so no batch is passed by a later one of its course.

CREATE TABLE batch_slots (
  -- the batch's workflow ID (batches.id)
  batch_id     text PRIMARY KEY,
  -- the course of the batch's collection: the per-course limit counts these
  course_id    text NOT NULL,
  -- when the batch was requested: the queue's order
  requested_at timestamptz NOT NULL,
  -- arrival order among batches requested at the same instant
  seq          bigserial,
  -- queued | running | released
  state        text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'released')),
  granted_at   timestamptz,
  released_at  timestamptz
);
CREATE INDEX batch_slots_open_idx ON batch_slots (requested_at, seq) WHERE state <> 'released';

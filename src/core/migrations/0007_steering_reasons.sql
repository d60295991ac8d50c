-- Why staff paused, resumed, cancelled or terminated a batch, in their own words. Batches from
-- v5 of the workflow get only the row's ID in their steering signal, so the words stay out of
-- the Temporal history; the audit log and the batch's end reason read them from here.

CREATE TABLE steering_reasons (
  id         text PRIMARY KEY,
  batch_id   text NOT NULL,
  actor      text NOT NULL,
  reason     text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX steering_reasons_batch_idx ON steering_reasons (batch_id);

-- API tokens (only their sha256 is kept) and the course and collection of each audit row, so
-- staff can read the audit rows of their own courses.

CREATE TABLE api_tokens (
  -- tok_<random>: names the token in listings and audit rows; not a secret
  id          text PRIMARY KEY,
  -- sha256 of the whole token, lowercase hex; the token itself is shown once and never stored
  token_hash  text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
  -- the user the token acts for (a user of the submission extension; no cross-component key)
  user_id     text NOT NULL CHECK (user_id <> ''),
  description text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  -- null: never expires
  expires_at  timestamptz,
  -- null: not revoked
  revoked_at  timestamptz
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

ALTER TABLE audit_log ADD COLUMN course_id text;
ALTER TABLE audit_log ADD COLUMN collection_id text;
CREATE INDEX audit_log_collection_idx ON audit_log (collection_id, at);
CREATE INDEX audit_log_course_idx ON audit_log (course_id, at);

-- Retried bookkeeping looks for an earlier row of the same action on the same target.
CREATE INDEX audit_log_target_idx ON audit_log (target, action);

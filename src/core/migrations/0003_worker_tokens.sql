-- Worker tokens: what a worker started with `zinc worker <component> --core <address>` shows the
-- extension configuration service. Only their sha256 is kept. They are not API tokens: the HTTP
-- API never looks here, and the configuration service never looks in api_tokens.

CREATE TABLE worker_tokens (
  -- wtk_<random>: names the token in listings; not a secret
  id          text PRIMARY KEY,
  -- sha256 of the whole token, lowercase hex; the token itself is shown once and never stored
  token_hash  text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
  -- the component whose configuration sections the token may read
  component   text NOT NULL CHECK (component IN ('core', 'submission', 'pipeline')),
  description text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  -- null: never expires
  expires_at  timestamptz,
  -- null: not revoked
  revoked_at  timestamptz
);

-- Sessions of the web app: a browser signs in once with an API token and then carries a random
-- session secret in an HttpOnly cookie. Only the secret's sha256 is kept; the session ends when it
-- expires, when the user signs out, or when the token it was opened with is revoked or expires.

CREATE TABLE web_sessions (
  -- sha256 of the session secret, lowercase hex; the secret itself lives only in the cookie
  session_hash text PRIMARY KEY CHECK (session_hash ~ '^[0-9a-f]{64}$'),
  -- the user the session acts for, and the API token it was opened with (api_tokens.id)
  user_id      text NOT NULL CHECK (user_id <> ''),
  token_id     text NOT NULL REFERENCES api_tokens (id),
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL
);
CREATE INDEX web_sessions_expiry_idx ON web_sessions (expires_at);

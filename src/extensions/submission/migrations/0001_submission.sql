-- The submission extension's schema: courses, people, activities, collections, deliveries.
-- Runs unchanged on PGlite and PostgreSQL 15+. IDs are made by zinc (prefix + random), not here.
-- User IDs use the "C" collation so they sort bytewise, the same on every server and locale:
-- pages of latest deliveries are ordered and cut by user ID.

CREATE TABLE courses (
  id         text PRIMARY KEY,
  code       text NOT NULL UNIQUE,
  name       text NOT NULL,
  term       text,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id           text COLLATE "C" PRIMARY KEY,
  display_name text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  CHECK (id <> '')
);

CREATE TABLE course_members (
  course_id text NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
  user_id   text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role      text NOT NULL CHECK (role IN ('student', 'staff')),
  PRIMARY KEY (course_id, user_id)
);
CREATE INDEX course_members_user_idx ON course_members (user_id);

CREATE TABLE activities (
  id         text PRIMARY KEY,
  course_id  text NOT NULL REFERENCES courses (id),
  name       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (course_id, name)
);

CREATE TABLE collections (
  id          text PRIMARY KEY,
  activity_id text NOT NULL REFERENCES activities (id),
  name        text NOT NULL,
  start_at    timestamptz NOT NULL,
  stop_at     timestamptz NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (activity_id, name),
  CONSTRAINT collections_window CHECK (stop_at > start_at)
);

CREATE TABLE deliveries (
  id            text PRIMARY KEY,
  collection_id text NOT NULL REFERENCES collections (id),
  user_id       text COLLATE "C" NOT NULL REFERENCES users (id),
  submitted_at  timestamptz NOT NULL,
  -- [{"path": "...", "size": 123, "sha256": "..."}], one entry per file of the delivery
  manifest      jsonb NOT NULL CHECK (jsonb_typeof(manifest) = 'array'),
  total_size    bigint NOT NULL CHECK (total_size >= 0),
  -- of the whole delivery (its archive), lowercase hex
  sha256        text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  late          boolean NOT NULL DEFAULT false,
  -- made by staff to try the pipeline; left out of batches unless asked for
  is_test       boolean NOT NULL DEFAULT false,
  object_key    text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  -- importing the same delivery twice adds nothing
  CONSTRAINT deliveries_import_key UNIQUE (collection_id, user_id, submitted_at, sha256)
);

-- The latest delivery of each user: pages walk this index in (user, newest first) order, so a
-- page reads only its own users' rows, never the whole collection.
CREATE INDEX deliveries_latest_idx
  ON deliveries (collection_id, user_id, submitted_at DESC, id DESC);
CREATE INDEX deliveries_user_idx ON deliveries (user_id);

-- plays and the on_play fan-out (../shared/spec/schema-triggers-challenges.md §1.1–1.6, §2).
-- Production runs on_play FOR EACH ROW; a block with thousands of plays of one track then builds a chain of
-- row versions of one counter row (quadratic). Here on_play runs FOR EACH STATEMENT over the transition
-- table, aggregating per track / month-country / user, with the same observable results: milestone rows
-- and notifications carry the slot/timestamp of exactly the play that reached the threshold (plays of a
-- track ranked by id, i.e. insert order, as the row trigger would see them).

CREATE TABLE IF NOT EXISTS plays (
  id serial PRIMARY KEY,
  user_id integer,
  source varchar,
  play_item_id integer NOT NULL,
  created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  slot integer,
  signature varchar,
  city varchar,
  region varchar,
  country varchar
);
CREATE INDEX IF NOT EXISTS ix_plays_created_at ON plays (created_at);
CREATE INDEX IF NOT EXISTS ix_plays_slot ON plays (slot);
CREATE INDEX IF NOT EXISTS ix_plays_sol_signature ON plays (signature);
CREATE INDEX IF NOT EXISTS ix_plays_user_track_date ON plays (user_id, play_item_id, created_at) WHERE user_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS ix_plays_user_hour ON plays (user_id, date_trunc('hour', created_at)) WHERE user_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS ix_plays_play_item_user_date ON plays (play_item_id, user_id, created_at) WHERE user_id IS NOT NULL;
-- Our natural key for the bridge: the play itself, not the writer's slot numbering. ON CONFLICT targets it.
CREATE UNIQUE INDEX IF NOT EXISTS plays_natural_key_uniq ON plays (play_item_id, created_at, signature, user_id) NULLS NOT DISTINCT;

CREATE TABLE IF NOT EXISTS aggregate_plays (
  play_item_id integer NOT NULL,
  count bigint,
  CONSTRAINT play_item_id_pkey PRIMARY KEY (play_item_id)
);

CREATE TABLE IF NOT EXISTS aggregate_monthly_plays (
  play_item_id integer NOT NULL,
  "timestamp" date NOT NULL DEFAULT CURRENT_TIMESTAMP,
  count integer NOT NULL,
  country text NOT NULL DEFAULT '',
  PRIMARY KEY (play_item_id, "timestamp", country)
);

CREATE TABLE IF NOT EXISTS milestones (
  id integer NOT NULL,
  name varchar NOT NULL,
  threshold integer NOT NULL,
  blocknumber integer,
  slot integer,
  "timestamp" timestamp NOT NULL,
  PRIMARY KEY (id, name, threshold)
);
CREATE INDEX IF NOT EXISTS milestones_name_idx ON milestones (name, id);

CREATE TABLE IF NOT EXISTS notification (
  id serial PRIMARY KEY,
  specifier varchar NOT NULL,
  group_id varchar NOT NULL,
  type varchar NOT NULL,
  slot integer,
  blocknumber integer,
  "timestamp" timestamp NOT NULL,
  data jsonb,
  user_ids integer[],
  type_v2 varchar,
  CONSTRAINT uq_notification UNIQUE (group_id, specifier)
);
-- fastupdate=off keeps the GIN pending list empty, so plans do not depend on when VACUUM last ran.
CREATE INDEX IF NOT EXISTS ix_notification ON notification USING gin (user_ids) WITH (fastupdate = off);
CREATE INDEX IF NOT EXISTS ix_announcement ON notification (type, "timestamp") WHERE type = 'announcement';
CREATE INDEX IF NOT EXISTS ix_notification_cooldown_user_ids ON notification USING gin (user_ids)
  WITH (fastupdate = off) WHERE type = 'reward_in_cooldown';

CREATE TABLE IF NOT EXISTS user_distinct_play_hours (
  user_id integer PRIMARY KEY,
  hours_with_play integer NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS user_distinct_play_tracks (
  user_id integer PRIMARY KEY,
  track_count integer NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS user_score_features (
  user_id integer PRIMARY KEY,
  challenge_count integer DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE OR REPLACE FUNCTION handle_play_statement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- 1–4. aggregate_plays, milestones and the owner's milestone notification, one upsert per track.
  WITH per_track AS (
    SELECT play_item_id, count(*) AS n FROM new_plays GROUP BY play_item_id
  ), counted AS (
    INSERT INTO aggregate_plays AS a (play_item_id, count)
    SELECT play_item_id, n FROM per_track
    ON CONFLICT (play_item_id) DO UPDATE SET count = coalesce(a.count, 0) + excluded.count
    RETURNING a.play_item_id, a.count AS total
  ), ranked AS (
    SELECT id, play_item_id, slot, created_at,
           row_number() OVER (PARTITION BY play_item_id ORDER BY id) AS rn
    FROM new_plays
  ), crossed AS (
    SELECT r.play_item_id, (c.total - p.n + r.rn)::int AS threshold, r.slot, r.created_at
    FROM ranked r
    JOIN per_track p USING (play_item_id)
    JOIN counted c USING (play_item_id)
    WHERE (c.total - p.n + r.rn) IN (10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000,
                                     100000, 250000, 500000, 1000000)
  ), ms AS (
    INSERT INTO milestones (id, name, threshold, slot, "timestamp")
    SELECT play_item_id, 'LISTEN_COUNT', threshold, slot, created_at FROM crossed
    ON CONFLICT DO NOTHING
  )
  INSERT INTO notification (specifier, group_id, type, slot, blocknumber, "timestamp", data, user_ids)
  SELECT t.owner_id::text,
         'milestone:LISTEN_COUNT:id:' || x.play_item_id || ':threshold:' || x.threshold,
         'milestone', x.slot, NULL, x.created_at,
         jsonb_build_object('type', 'LISTEN_COUNT', 'track_id', x.play_item_id, 'threshold', x.threshold),
         ARRAY[t.owner_id]
  FROM crossed x
  JOIN tracks t ON t.track_id = x.play_item_id AND t.is_current
  ON CONFLICT ON CONSTRAINT uq_notification DO NOTHING;

  -- 2. aggregate_monthly_plays per (track, month, country).
  INSERT INTO aggregate_monthly_plays AS m (play_item_id, "timestamp", country, count)
  SELECT play_item_id, date_trunc('month', created_at)::date, coalesce(country, ''), count(*)
  FROM new_plays GROUP BY 1, 2, 3
  ON CONFLICT (play_item_id, "timestamp", country) DO UPDATE SET count = m.count + excluded.count;

  -- 5a. user_distinct_play_hours: a "new later hour" counter, evaluated in insert order. A play counts
  -- when its hour is later than every earlier hour seen for the user (stored row, then earlier rows).
  WITH p AS (
    SELECT id, user_id, created_at, date_trunc('hour', created_at) AS h FROM new_plays WHERE user_id IS NOT NULL
  ), prior AS (
    SELECT p.*, date_trunc('hour', d.updated_at::timestamp) AS stored_h, d.user_id IS NOT NULL AS has_row,
           max(p.h) OVER (PARTITION BY p.user_id ORDER BY p.id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS batch_h,
           row_number() OVER (PARTITION BY p.user_id ORDER BY p.id) AS rn
    FROM p LEFT JOIN user_distinct_play_hours d USING (user_id)
  ), counted AS (
    SELECT user_id, rn, created_at, h,
           -- The first play of a user without a row inserts (1, its hour); later plays compare with the
           -- running maximum of stored and earlier hours.
           CASE WHEN NOT has_row AND rn = 1 THEN true
                ELSE h > greatest(coalesce(stored_h, '-infinity'::timestamp), coalesce(batch_h, '-infinity'::timestamp))
           END AS bumps,
           has_row
    FROM prior
  ), summary AS (
    SELECT user_id, bool_or(has_row) AS has_row, count(*) FILTER (WHERE bumps) AS bumps,
           (array_agg(CASE WHEN NOT has_row AND rn = 1 THEN h ELSE created_at END ORDER BY rn DESC)
              FILTER (WHERE bumps))[1] AS last_bump_at
    FROM counted GROUP BY user_id
  )
  INSERT INTO user_distinct_play_hours AS d (user_id, hours_with_play, updated_at)
  SELECT user_id, bumps, last_bump_at FROM summary WHERE bumps > 0
  ON CONFLICT (user_id) DO UPDATE
    SET hours_with_play = d.hours_with_play + excluded.hours_with_play, updated_at = excluded.updated_at;

  -- 5b. user_distinct_play_tracks: the row trigger's statement-visibility quirk — a play counts only if no
  -- OTHER plays row (including rows of this same statement) has the same user and track.
  WITH p AS (
    SELECT id, user_id, play_item_id, created_at FROM new_plays WHERE user_id IS NOT NULL
  ), flagged AS (
    SELECT p.*, row_number() OVER (PARTITION BY p.user_id ORDER BY p.id) AS rn,
           NOT EXISTS (SELECT 1 FROM plays o WHERE o.user_id = p.user_id AND o.play_item_id = p.play_item_id AND o.id <> p.id) AS fresh
    FROM p
  ), summary AS (
    SELECT f.user_id, d.user_id IS NOT NULL AS has_row,
           count(*) FILTER (WHERE f.fresh AND (d.user_id IS NOT NULL OR f.rn > 1)) AS adds,
           (array_agg(f.created_at ORDER BY f.rn DESC))[1] AS last_at
    FROM flagged f LEFT JOIN user_distinct_play_tracks d USING (user_id)
    GROUP BY f.user_id, d.user_id
  )
  INSERT INTO user_distinct_play_tracks AS d (user_id, track_count, updated_at)
  SELECT user_id, CASE WHEN has_row THEN adds ELSE 1 + adds END, last_at FROM summary
  ON CONFLICT (user_id) DO UPDATE
    SET track_count = d.track_count + excluded.track_count, updated_at = excluded.updated_at;

  RETURN NULL;
END;
$$;

DROP TRIGGER IF EXISTS on_play ON plays;
CREATE TRIGGER on_play AFTER INSERT ON plays REFERENCING NEW TABLE AS new_plays
  FOR EACH STATEMENT EXECUTE FUNCTION handle_play_statement();

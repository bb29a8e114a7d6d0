-- Playlists, routes, stems/remixes, downloads, mutes and the social graph (follows, saves, reposts,
-- subscriptions, shares) with their aggregate counters. Production names; every statement idempotent.

DO $$ BEGIN CREATE TYPE savetype AS ENUM ('track', 'playlist', 'album'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;
DO $$ BEGIN CREATE TYPE reposttype AS ENUM ('track', 'playlist', 'album'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;
DO $$ BEGIN CREATE TYPE sharetype AS ENUM ('track', 'playlist', 'album'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;

CREATE TABLE IF NOT EXISTS playlists (
  blockhash varchar,
  blocknumber integer,
  txhash varchar NOT NULL DEFAULT '',
  slot integer,
  playlist_id integer NOT NULL,
  playlist_owner_id integer NOT NULL,
  is_album boolean NOT NULL DEFAULT false,
  is_private boolean NOT NULL DEFAULT false,
  playlist_name varchar,
  playlist_contents jsonb NOT NULL DEFAULT '{"track_ids": []}',
  playlist_image_multihash varchar,
  playlist_image_sizes_multihash varchar,
  description varchar,
  upc varchar,
  is_current boolean NOT NULL,
  is_delete boolean NOT NULL DEFAULT false,
  last_added_to timestamp,
  is_stream_gated boolean NOT NULL DEFAULT false,
  stream_conditions jsonb,
  is_scheduled_release boolean NOT NULL DEFAULT false,
  release_date timestamp,
  ddex_app varchar,
  created_at timestamp NOT NULL,
  updated_at timestamp NOT NULL,
  PRIMARY KEY (playlist_id, txhash)
);
CREATE UNIQUE INDEX IF NOT EXISTS playlists_current_uniq ON playlists (playlist_id) WHERE is_current;
CREATE INDEX IF NOT EXISTS playlists_owner_idx ON playlists (playlist_owner_id) WHERE is_current;
CREATE INDEX IF NOT EXISTS playlists_blocknumber_idx ON playlists (blocknumber);

CREATE TABLE IF NOT EXISTS playlist_tracks (
  playlist_id integer NOT NULL,
  track_id integer NOT NULL,
  is_removed boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (playlist_id, track_id)
);

CREATE TABLE IF NOT EXISTS track_routes (
  slug varchar NOT NULL,
  title_slug varchar NOT NULL,
  collision_id integer NOT NULL,
  owner_id integer NOT NULL,
  track_id integer NOT NULL,
  is_current boolean NOT NULL,
  blockhash varchar NOT NULL,
  blocknumber integer NOT NULL,
  txhash varchar NOT NULL,
  PRIMARY KEY (owner_id, slug)
);
CREATE INDEX IF NOT EXISTS track_routes_track_idx ON track_routes (track_id, is_current);
CREATE INDEX IF NOT EXISTS track_routes_title_slug_idx ON track_routes (owner_id, title_slug);

CREATE TABLE IF NOT EXISTS playlist_routes (
  slug varchar NOT NULL,
  title_slug varchar NOT NULL,
  collision_id integer NOT NULL,
  owner_id integer NOT NULL,
  playlist_id integer NOT NULL,
  is_current boolean NOT NULL,
  blockhash varchar NOT NULL,
  blocknumber integer NOT NULL,
  txhash varchar NOT NULL,
  PRIMARY KEY (owner_id, slug)
);
CREATE INDEX IF NOT EXISTS playlist_routes_playlist_idx ON playlist_routes (playlist_id, is_current);
CREATE INDEX IF NOT EXISTS playlist_routes_title_slug_idx ON playlist_routes (owner_id, title_slug);

CREATE TABLE IF NOT EXISTS stems (
  parent_track_id integer NOT NULL,
  child_track_id integer NOT NULL,
  PRIMARY KEY (parent_track_id, child_track_id)
);
CREATE TABLE IF NOT EXISTS remixes (
  parent_track_id integer NOT NULL,
  child_track_id integer NOT NULL,
  PRIMARY KEY (parent_track_id, child_track_id)
);

CREATE TABLE IF NOT EXISTS track_collaborators (
  track_id integer NOT NULL,
  collaborator_user_id integer NOT NULL,
  status varchar NOT NULL DEFAULT 'pending',
  blocknumber integer,
  txhash varchar NOT NULL DEFAULT '',
  created_at timestamp NOT NULL,
  updated_at timestamp NOT NULL,
  PRIMARY KEY (track_id, collaborator_user_id)
);

CREATE TABLE IF NOT EXISTS track_downloads (
  txhash varchar NOT NULL,
  blocknumber integer NOT NULL,
  parent_track_id integer NOT NULL,
  track_id integer NOT NULL,
  user_id integer,
  city varchar,
  region varchar,
  country varchar,
  created_at timestamp NOT NULL,
  PRIMARY KEY (parent_track_id, track_id, txhash)
);

CREATE TABLE IF NOT EXISTS muted_users (
  muted_user_id integer NOT NULL,
  user_id integer NOT NULL,
  is_delete boolean NOT NULL DEFAULT false,
  created_at timestamp NOT NULL,
  updated_at timestamp NOT NULL,
  txhash varchar NOT NULL DEFAULT '',
  blockhash varchar,
  blocknumber integer,
  PRIMARY KEY (muted_user_id, user_id)
);

CREATE TABLE IF NOT EXISTS comment_notification_settings (
  user_id integer NOT NULL,
  entity_id integer NOT NULL,
  entity_type varchar NOT NULL,
  is_muted boolean NOT NULL DEFAULT false,
  created_at timestamp NOT NULL,
  updated_at timestamp NOT NULL,
  PRIMARY KEY (user_id, entity_id, entity_type)
);

CREATE TABLE IF NOT EXISTS follows (
  blockhash varchar,
  blocknumber integer,
  txhash varchar NOT NULL DEFAULT '',
  slot integer,
  follower_user_id integer NOT NULL,
  followee_user_id integer NOT NULL,
  is_current boolean NOT NULL,
  is_delete boolean NOT NULL,
  created_at timestamp NOT NULL,
  PRIMARY KEY (follower_user_id, followee_user_id, is_current, txhash)
);
CREATE UNIQUE INDEX IF NOT EXISTS follows_current_uniq ON follows (follower_user_id, followee_user_id) WHERE is_current;
CREATE INDEX IF NOT EXISTS follows_followee_idx ON follows (followee_user_id) WHERE is_current AND NOT is_delete;
CREATE INDEX IF NOT EXISTS follows_blocknumber_idx ON follows (blocknumber);

CREATE TABLE IF NOT EXISTS saves (
  blockhash varchar,
  blocknumber integer,
  txhash varchar NOT NULL DEFAULT '',
  slot integer,
  user_id integer NOT NULL,
  save_item_id integer NOT NULL,
  save_type savetype NOT NULL,
  is_current boolean NOT NULL,
  is_delete boolean NOT NULL,
  is_save_of_repost boolean NOT NULL DEFAULT false,
  created_at timestamp NOT NULL,
  PRIMARY KEY (user_id, save_item_id, save_type, is_current, txhash)
);
CREATE UNIQUE INDEX IF NOT EXISTS saves_current_uniq ON saves (user_id, save_item_id, save_type) WHERE is_current;
CREATE INDEX IF NOT EXISTS saves_item_idx ON saves (save_item_id, save_type) WHERE is_current AND NOT is_delete;
CREATE INDEX IF NOT EXISTS saves_blocknumber_idx ON saves (blocknumber);

CREATE TABLE IF NOT EXISTS reposts (
  blockhash varchar,
  blocknumber integer,
  txhash varchar NOT NULL DEFAULT '',
  slot integer,
  user_id integer NOT NULL,
  repost_item_id integer NOT NULL,
  repost_type reposttype NOT NULL,
  is_current boolean NOT NULL,
  is_delete boolean NOT NULL,
  is_repost_of_repost boolean NOT NULL DEFAULT false,
  created_at timestamp NOT NULL,
  PRIMARY KEY (user_id, repost_item_id, repost_type, is_current, txhash)
);
CREATE UNIQUE INDEX IF NOT EXISTS reposts_current_uniq ON reposts (user_id, repost_item_id, repost_type) WHERE is_current;
CREATE INDEX IF NOT EXISTS reposts_item_idx ON reposts (repost_item_id, repost_type) WHERE is_current AND NOT is_delete;
CREATE INDEX IF NOT EXISTS reposts_blocknumber_idx ON reposts (blocknumber);

-- Production had no unique constraint here (#200: duplicate current subscriptions from two writers).
CREATE TABLE IF NOT EXISTS subscriptions (
  blockhash varchar,
  blocknumber integer,
  txhash varchar NOT NULL DEFAULT '',
  subscriber_id integer NOT NULL,
  user_id integer NOT NULL,
  entity_type text NOT NULL DEFAULT 'User',
  entity_id integer,
  is_current boolean NOT NULL,
  is_delete boolean NOT NULL,
  created_at timestamp NOT NULL,
  PRIMARY KEY (subscriber_id, user_id, txhash)
);
CREATE UNIQUE INDEX IF NOT EXISTS subscriptions_current_uniq ON subscriptions (subscriber_id, user_id, entity_type) WHERE is_current;

CREATE TABLE IF NOT EXISTS shares (
  blockhash varchar,
  blocknumber integer,
  txhash varchar NOT NULL DEFAULT '',
  user_id integer NOT NULL,
  share_item_id integer NOT NULL,
  share_type sharetype NOT NULL,
  created_at timestamp NOT NULL,
  PRIMARY KEY (user_id, share_item_id, share_type, txhash)
);

CREATE TABLE IF NOT EXISTS aggregate_user (
  user_id integer PRIMARY KEY,
  track_count bigint NOT NULL DEFAULT 0,
  playlist_count bigint NOT NULL DEFAULT 0,
  album_count bigint NOT NULL DEFAULT 0,
  follower_count bigint NOT NULL DEFAULT 0,
  following_count bigint NOT NULL DEFAULT 0,
  repost_count bigint NOT NULL DEFAULT 0,
  track_save_count bigint NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS ix_au_user_follows ON aggregate_user (user_id) INCLUDE (follower_count, following_count);

CREATE TABLE IF NOT EXISTS aggregate_track (
  track_id integer PRIMARY KEY,
  repost_count bigint NOT NULL DEFAULT 0,
  save_count bigint NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS aggregate_playlist (
  playlist_id integer PRIMARY KEY,
  is_album boolean NOT NULL DEFAULT false,
  repost_count bigint NOT NULL DEFAULT 0,
  save_count bigint NOT NULL DEFAULT 0
);

-- Transition-aware O(1) counters: the delta is active(new) − active(old), where active = current and not
-- deleted. Each handler writes one row per tx, so these row triggers touch each counter once per tx.
CREATE OR REPLACE FUNCTION metronome_active(is_current boolean, is_delete boolean) RETURNS integer
  LANGUAGE sql IMMUTABLE AS $$ SELECT CASE WHEN is_current AND NOT is_delete THEN 1 ELSE 0 END $$;

CREATE OR REPLACE FUNCTION handle_follow_counts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  delta integer := metronome_active(NEW.is_current, NEW.is_delete)
                   - CASE WHEN TG_OP = 'UPDATE' THEN metronome_active(OLD.is_current, OLD.is_delete) ELSE 0 END;
BEGIN
  IF delta <> 0 THEN
    INSERT INTO aggregate_user AS a (user_id, follower_count) VALUES (NEW.followee_user_id, delta)
      ON CONFLICT (user_id) DO UPDATE SET follower_count = a.follower_count + delta;
    INSERT INTO aggregate_user AS a (user_id, following_count) VALUES (NEW.follower_user_id, delta)
      ON CONFLICT (user_id) DO UPDATE SET following_count = a.following_count + delta;
  END IF;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS trg_follow_counts ON follows;
CREATE TRIGGER trg_follow_counts AFTER INSERT OR UPDATE ON follows FOR EACH ROW EXECUTE FUNCTION handle_follow_counts();

CREATE OR REPLACE FUNCTION handle_save_counts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  delta integer := metronome_active(NEW.is_current, NEW.is_delete)
                   - CASE WHEN TG_OP = 'UPDATE' THEN metronome_active(OLD.is_current, OLD.is_delete) ELSE 0 END;
BEGIN
  IF delta = 0 THEN RETURN NULL; END IF;
  IF NEW.save_type = 'track' THEN
    INSERT INTO aggregate_track AS a (track_id, save_count) VALUES (NEW.save_item_id, delta)
      ON CONFLICT (track_id) DO UPDATE SET save_count = a.save_count + delta;
    INSERT INTO aggregate_user AS a (user_id, track_save_count) VALUES (NEW.user_id, delta)
      ON CONFLICT (user_id) DO UPDATE SET track_save_count = a.track_save_count + delta;
  ELSE
    INSERT INTO aggregate_playlist AS a (playlist_id, save_count) VALUES (NEW.save_item_id, delta)
      ON CONFLICT (playlist_id) DO UPDATE SET save_count = a.save_count + delta;
  END IF;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS trg_save_counts ON saves;
CREATE TRIGGER trg_save_counts AFTER INSERT OR UPDATE ON saves FOR EACH ROW EXECUTE FUNCTION handle_save_counts();

CREATE OR REPLACE FUNCTION handle_repost_counts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  delta integer := metronome_active(NEW.is_current, NEW.is_delete)
                   - CASE WHEN TG_OP = 'UPDATE' THEN metronome_active(OLD.is_current, OLD.is_delete) ELSE 0 END;
BEGIN
  IF delta = 0 THEN RETURN NULL; END IF;
  IF NEW.repost_type = 'track' THEN
    INSERT INTO aggregate_track AS a (track_id, repost_count) VALUES (NEW.repost_item_id, delta)
      ON CONFLICT (track_id) DO UPDATE SET repost_count = a.repost_count + delta;
  ELSE
    INSERT INTO aggregate_playlist AS a (playlist_id, repost_count) VALUES (NEW.repost_item_id, delta)
      ON CONFLICT (playlist_id) DO UPDATE SET repost_count = a.repost_count + delta;
  END IF;
  INSERT INTO aggregate_user AS a (user_id, repost_count) VALUES (NEW.user_id, delta)
    ON CONFLICT (user_id) DO UPDATE SET repost_count = a.repost_count + delta;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS trg_repost_counts ON reposts;
CREATE TRIGGER trg_repost_counts AFTER INSERT OR UPDATE ON reposts FOR EACH ROW EXECUTE FUNCTION handle_repost_counts();

-- Track and playlist counts per owner follow the current, non-deleted rows.
CREATE OR REPLACE FUNCTION handle_track_counts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  delta integer := metronome_active(NEW.is_current, NEW.is_delete)
                   - CASE WHEN TG_OP = 'UPDATE' THEN metronome_active(OLD.is_current, OLD.is_delete) ELSE 0 END;
BEGIN
  IF delta <> 0 THEN
    INSERT INTO aggregate_user AS a (user_id, track_count) VALUES (NEW.owner_id, delta)
      ON CONFLICT (user_id) DO UPDATE SET track_count = a.track_count + delta;
  END IF;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS trg_track_counts ON tracks;
CREATE TRIGGER trg_track_counts AFTER INSERT OR UPDATE ON tracks FOR EACH ROW EXECUTE FUNCTION handle_track_counts();

CREATE OR REPLACE FUNCTION handle_playlist_counts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  was integer := CASE WHEN TG_OP = 'UPDATE' THEN metronome_active(OLD.is_current, OLD.is_delete) ELSE 0 END;
  now_ integer := metronome_active(NEW.is_current, NEW.is_delete);
BEGIN
  IF TG_OP = 'UPDATE' AND was = 1 THEN
    UPDATE aggregate_user SET playlist_count = playlist_count - CASE WHEN OLD.is_album THEN 0 ELSE 1 END,
                              album_count = album_count - CASE WHEN OLD.is_album THEN 1 ELSE 0 END
    WHERE user_id = OLD.playlist_owner_id;
  END IF;
  IF now_ = 1 THEN
    INSERT INTO aggregate_user AS a (user_id, playlist_count, album_count)
    VALUES (NEW.playlist_owner_id, CASE WHEN NEW.is_album THEN 0 ELSE 1 END, CASE WHEN NEW.is_album THEN 1 ELSE 0 END)
    ON CONFLICT (user_id) DO UPDATE SET playlist_count = a.playlist_count + excluded.playlist_count,
                                        album_count = a.album_count + excluded.album_count;
  END IF;
  INSERT INTO aggregate_playlist AS a (playlist_id, is_album) VALUES (NEW.playlist_id, NEW.is_album)
    ON CONFLICT (playlist_id) DO UPDATE SET is_album = excluded.is_album;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS trg_playlist_counts ON playlists;
CREATE TRIGGER trg_playlist_counts AFTER INSERT OR UPDATE ON playlists FOR EACH ROW EXECUTE FUNCTION handle_playlist_counts();

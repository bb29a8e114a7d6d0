-- Apps' redirect URIs, seen markers, comments, events, emails, wallets, tips. Production names and keys;
-- every statement idempotent. Notification lookups are written GIN-eligible (`user_ids @> ARRAY[…]`).

CREATE TABLE IF NOT EXISTS oauth_redirect_uris (
  client_id varchar NOT NULL,
  redirect_uri varchar NOT NULL,
  created_at timestamp NOT NULL,
  PRIMARY KEY (client_id, redirect_uri)
);

CREATE TABLE IF NOT EXISTS notification_seen (
  user_id integer NOT NULL,
  seen_at timestamp NOT NULL,
  blocknumber integer,
  blockhash varchar,
  txhash varchar,
  PRIMARY KEY (user_id, seen_at)
);

CREATE TABLE IF NOT EXISTS playlist_seen (
  user_id integer NOT NULL,
  playlist_id integer NOT NULL,
  seen_at timestamp NOT NULL,
  is_current boolean NOT NULL,
  blocknumber integer,
  blockhash varchar,
  txhash varchar,
  PRIMARY KEY (is_current, user_id, playlist_id, seen_at)
);

CREATE TABLE IF NOT EXISTS comments (
  comment_id integer PRIMARY KEY,
  text text NOT NULL,
  user_id integer NOT NULL,
  entity_id integer NOT NULL,
  entity_type text NOT NULL DEFAULT 'Track',
  track_timestamp_s integer,
  is_delete boolean NOT NULL DEFAULT false,
  is_visible boolean NOT NULL DEFAULT true,
  is_edited boolean NOT NULL DEFAULT false,
  is_members_only boolean NOT NULL DEFAULT false,
  video_url text,
  created_at timestamp NOT NULL,
  updated_at timestamp NOT NULL,
  txhash text NOT NULL,
  blockhash text,
  blocknumber integer NOT NULL
);
CREATE INDEX IF NOT EXISTS comments_entity_idx ON comments (entity_id, entity_type);
CREATE INDEX IF NOT EXISTS comments_blocknumber_idx ON comments (blocknumber);

CREATE TABLE IF NOT EXISTS comment_reactions (
  comment_id integer NOT NULL,
  user_id integer NOT NULL,
  is_delete boolean NOT NULL DEFAULT false,
  created_at timestamp NOT NULL,
  updated_at timestamp NOT NULL,
  txhash text NOT NULL,
  blockhash text,
  blocknumber integer,
  PRIMARY KEY (comment_id, user_id)
);

CREATE TABLE IF NOT EXISTS comment_reports (
  comment_id integer NOT NULL,
  user_id integer NOT NULL,
  is_delete boolean NOT NULL DEFAULT false,
  created_at timestamp NOT NULL,
  updated_at timestamp NOT NULL,
  txhash text NOT NULL,
  blockhash text,
  blocknumber integer,
  PRIMARY KEY (comment_id, user_id)
);

CREATE TABLE IF NOT EXISTS comment_mentions (
  comment_id integer NOT NULL,
  user_id integer NOT NULL,
  is_delete boolean NOT NULL DEFAULT false,
  created_at timestamp NOT NULL,
  updated_at timestamp NOT NULL,
  txhash text NOT NULL,
  blockhash text,
  blocknumber integer,
  PRIMARY KEY (comment_id, user_id)
);

CREATE TABLE IF NOT EXISTS comment_threads (
  parent_comment_id integer NOT NULL,
  comment_id integer NOT NULL,
  PRIMARY KEY (parent_comment_id, comment_id)
);

CREATE TABLE IF NOT EXISTS events (
  event_id integer PRIMARY KEY,
  event_type text NOT NULL,
  user_id integer NOT NULL,
  entity_type text,
  entity_id integer,
  end_date timestamp,
  event_data jsonb,
  is_deleted boolean NOT NULL DEFAULT false,
  created_at timestamp NOT NULL,
  updated_at timestamp NOT NULL,
  txhash text NOT NULL,
  blockhash text NOT NULL,
  blocknumber integer
);
CREATE INDEX IF NOT EXISTS events_entity_idx ON events (entity_id) WHERE NOT is_deleted;

CREATE TABLE IF NOT EXISTS encrypted_emails (
  id serial PRIMARY KEY,
  email_owner_user_id integer NOT NULL UNIQUE,
  encrypted_email text NOT NULL,
  created_at timestamp NOT NULL,
  updated_at timestamp NOT NULL
);

CREATE TABLE IF NOT EXISTS email_access (
  id serial PRIMARY KEY,
  email_owner_user_id integer NOT NULL,
  receiving_user_id integer NOT NULL,
  grantor_user_id integer NOT NULL,
  encrypted_key text NOT NULL,
  is_initial boolean NOT NULL DEFAULT false,
  created_at timestamp NOT NULL,
  updated_at timestamp NOT NULL,
  UNIQUE (email_owner_user_id, receiving_user_id, grantor_user_id)
);

CREATE TABLE IF NOT EXISTS associated_wallets (
  id serial PRIMARY KEY,
  user_id integer NOT NULL,
  wallet varchar NOT NULL,
  chain varchar NOT NULL,
  is_current boolean NOT NULL,
  is_delete boolean NOT NULL DEFAULT false,
  blockhash varchar NOT NULL,
  blocknumber integer NOT NULL,
  created_at timestamp NOT NULL,
  updated_at timestamp NOT NULL
);
CREATE INDEX IF NOT EXISTS associated_wallets_wallet_idx ON associated_wallets (wallet, chain) WHERE is_current;
CREATE INDEX IF NOT EXISTS associated_wallets_user_idx ON associated_wallets (user_id) WHERE is_current;

CREATE TABLE IF NOT EXISTS dashboard_wallet_users (
  wallet varchar PRIMARY KEY,
  user_id integer NOT NULL,
  is_delete boolean NOT NULL DEFAULT false,
  txhash varchar NOT NULL,
  blockhash varchar,
  blocknumber integer,
  created_at timestamp NOT NULL,
  updated_at timestamp NOT NULL
);

CREATE TABLE IF NOT EXISTS user_tips (
  slot integer NOT NULL,
  signature varchar NOT NULL PRIMARY KEY,
  sender_user_id integer NOT NULL,
  receiver_user_id integer NOT NULL,
  amount bigint NOT NULL,
  created_at timestamp NOT NULL
);

CREATE TABLE IF NOT EXISTS reactions (
  id serial PRIMARY KEY,
  reaction_value integer NOT NULL,
  sender_wallet varchar NOT NULL,
  reaction_type varchar NOT NULL,
  reacted_to varchar NOT NULL,
  "timestamp" timestamp NOT NULL,
  blocknumber integer
);
CREATE INDEX IF NOT EXISTS reactions_reacted_to_idx ON reactions (reacted_to, reaction_type);

-- Notifications for comments, reactions and mentions. Recipients are written as user_ids; every lookup
-- by recipient is `user_ids @> ARRAY[…]` so the GIN serves it.
CREATE OR REPLACE FUNCTION handle_comment_notifications() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE owner integer;
BEGIN
  IF NEW.entity_type = 'Track' THEN
    SELECT owner_id INTO owner FROM tracks WHERE track_id = NEW.entity_id AND is_current;
    IF owner IS NOT NULL AND owner <> NEW.user_id AND NOT EXISTS (
      SELECT 1 FROM comment_notification_settings s
      WHERE s.user_id = owner AND s.entity_id = NEW.entity_id AND s.entity_type = 'Track' AND s.is_muted) THEN
      INSERT INTO notification (specifier, group_id, type, blocknumber, "timestamp", data, user_ids)
      VALUES (NEW.user_id::text, 'comment:' || NEW.entity_id || ':type:' || NEW.entity_type, 'comment', NEW.blocknumber,
              NEW.created_at, jsonb_build_object('type', NEW.entity_type, 'entity_id', NEW.entity_id, 'comment_user_id', NEW.user_id, 'comment_id', NEW.comment_id),
              ARRAY[owner])
      ON CONFLICT ON CONSTRAINT uq_notification DO NOTHING;
    END IF;
  END IF;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS trg_comment_notifications ON comments;
CREATE TRIGGER trg_comment_notifications AFTER INSERT ON comments FOR EACH ROW EXECUTE FUNCTION handle_comment_notifications();

CREATE OR REPLACE FUNCTION handle_comment_reaction_notifications() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE author integer;
BEGIN
  IF NEW.is_delete THEN RETURN NULL; END IF;
  SELECT user_id INTO author FROM comments WHERE comment_id = NEW.comment_id;
  IF author IS NOT NULL AND author <> NEW.user_id THEN
    INSERT INTO notification (specifier, group_id, type, blocknumber, "timestamp", data, user_ids)
    VALUES (NEW.user_id::text, 'comment_reaction:' || NEW.comment_id, 'comment_reaction', NEW.blocknumber, NEW.created_at,
            jsonb_build_object('comment_id', NEW.comment_id, 'reacter_user_id', NEW.user_id), ARRAY[author])
    ON CONFLICT ON CONSTRAINT uq_notification DO NOTHING;
  END IF;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS trg_comment_reaction_notifications ON comment_reactions;
CREATE TRIGGER trg_comment_reaction_notifications AFTER INSERT OR UPDATE ON comment_reactions FOR EACH ROW EXECUTE FUNCTION handle_comment_reaction_notifications();

CREATE OR REPLACE FUNCTION handle_comment_mention_notifications() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE c comments%ROWTYPE;
BEGIN
  IF NEW.is_delete THEN RETURN NULL; END IF;
  SELECT * INTO c FROM comments WHERE comment_id = NEW.comment_id;
  IF c.user_id IS NOT NULL AND c.user_id <> NEW.user_id THEN
    INSERT INTO notification (specifier, group_id, type, blocknumber, "timestamp", data, user_ids)
    VALUES (c.user_id::text, 'comment_mention:' || NEW.comment_id, 'comment_mention', NEW.blocknumber, NEW.created_at,
            jsonb_build_object('comment_id', NEW.comment_id, 'comment_user_id', c.user_id, 'entity_id', c.entity_id), ARRAY[NEW.user_id])
    ON CONFLICT ON CONSTRAINT uq_notification DO NOTHING;
  END IF;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS trg_comment_mention_notifications ON comment_mentions;
CREATE TRIGGER trg_comment_mention_notifications AFTER INSERT OR UPDATE ON comment_mentions FOR EACH ROW EXECUTE FUNCTION handle_comment_mention_notifications();

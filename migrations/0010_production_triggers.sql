-- Production's trigger jobs on the tables we write, under production's trigger and function names, so that
-- on a production database these replace production's (DROP TRIGGER IF EXISTS + CREATE with the same
-- name) and never fire beside them; our older triggers from 0004/0005 doing the same jobs are dropped.
-- Written for our write pattern: a re-follow, unsave, comment delete… is an UPDATE of the current row
-- (production's legacy writer inserted a new row), so counters move by the activation delta of each row
-- change (O(1), no recount), and notifications fire on activation. docs/triggers.md lists every
-- deliberate difference from production's functions, and test/production/triggers-oracle.test.ts proves
-- the rest equal on simulated chains. Recipient lookups use `user_ids @> ARRAY[…]`; every lookup on a
-- trigger path is an index probe; timestamps come from the row, never now().

-- Counter columns production's API reads; trigger-owned, so they are defined here.
ALTER TABLE aggregate_user ADD COLUMN IF NOT EXISTS supporter_count integer NOT NULL DEFAULT 0;
ALTER TABLE aggregate_user ADD COLUMN IF NOT EXISTS supporting_count integer NOT NULL DEFAULT 0;
ALTER TABLE aggregate_user ADD COLUMN IF NOT EXISTS dominant_genre varchar;
ALTER TABLE aggregate_user ADD COLUMN IF NOT EXISTS dominant_genre_count integer DEFAULT 0;
ALTER TABLE aggregate_user ADD COLUMN IF NOT EXISTS score integer DEFAULT 0;
ALTER TABLE aggregate_user ADD COLUMN IF NOT EXISTS total_track_count integer DEFAULT 0;
ALTER TABLE aggregate_user ADD COLUMN IF NOT EXISTS track_share_count integer DEFAULT 0;
ALTER TABLE aggregate_track ADD COLUMN IF NOT EXISTS comment_count integer DEFAULT 0;
ALTER TABLE aggregate_track ADD COLUMN IF NOT EXISTS share_count integer DEFAULT 0;
ALTER TABLE aggregate_playlist ADD COLUMN IF NOT EXISTS share_count integer DEFAULT 0;

-- Index probes the trigger paths need (without them: a scan of the table per row).
-- 'create' fan-out: subscribers of a user.
CREATE INDEX IF NOT EXISTS subscriptions_user_active_idx ON subscriptions (user_id, entity_type)
  WHERE is_current AND NOT is_delete;
-- Is this comment a reply? (the primary key leads with parent_comment_id).
CREATE INDEX IF NOT EXISTS comment_threads_comment_idx ON comment_threads (comment_id);
-- Savers of a track, reposts by a user.
CREATE INDEX IF NOT EXISTS reposts_user_active_idx ON reposts (user_id) WHERE is_current AND NOT is_delete;
-- Remix contests by parent track.
CREATE INDEX IF NOT EXISTS events_contest_entity_idx ON events (entity_id, event_type) WHERE NOT is_deleted;

-- Retired: the same jobs now run under production's names below.
DROP TRIGGER IF EXISTS trg_follow_counts ON follows;
DROP TRIGGER IF EXISTS trg_save_counts ON saves;
DROP TRIGGER IF EXISTS trg_repost_counts ON reposts;
DROP TRIGGER IF EXISTS trg_track_counts ON tracks;
DROP TRIGGER IF EXISTS trg_playlist_counts ON playlists;
DROP TRIGGER IF EXISTS trg_comment_notifications ON comments;
DROP TRIGGER IF EXISTS trg_comment_reaction_notifications ON comment_reactions;
DROP TRIGGER IF EXISTS trg_comment_mention_notifications ON comment_mentions;
DROP FUNCTION IF EXISTS handle_follow_counts();
DROP FUNCTION IF EXISTS handle_save_counts();
DROP FUNCTION IF EXISTS handle_repost_counts();
DROP FUNCTION IF EXISTS handle_track_counts();
DROP FUNCTION IF EXISTS handle_playlist_counts();
DROP FUNCTION IF EXISTS handle_comment_notifications();
DROP FUNCTION IF EXISTS handle_comment_reaction_notifications();
DROP FUNCTION IF EXISTS handle_comment_mention_notifications();

-- ---------------------------------------------------------------------------------------------------
-- Shared predicates. PL/pgSQL, not SQL: PostgreSQL 15 plans a non-inlinable SQL function's body on every
-- call, a PL/pgSQL statement once per session (measured: 3–10× the per-row cost, docs/triggers.md).

-- Notifications and milestones are withheld for an actor whose score is negative (or unknown), as in
-- production.
CREATE OR REPLACE FUNCTION metronome_may_notify(actor integer) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
DECLARE ok boolean;
BEGIN
  SELECT a.score >= 0 INTO ok FROM aggregate_user a WHERE a.user_id = actor;
  RETURN coalesce(ok, false);
END $$;

-- A track counted in total_track_count (track_count also requires it to be listed).
CREATE OR REPLACE FUNCTION metronome_track_counted(is_current boolean, is_delete boolean, is_available boolean,
                                                   stem_of jsonb, access_authorities text[]) RETURNS boolean
  LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(is_current AND NOT is_delete AND is_available AND stem_of IS NULL AND access_authorities IS NULL, false)
$$;

-- Who owns the thing a comment is on (Track: its owner; Event: its host; FanClub: the artist).
CREATE OR REPLACE FUNCTION metronome_comment_entity_owner(p_kind text, p_id integer) RETURNS integer
  LANGUAGE plpgsql STABLE AS $$
DECLARE owner integer;
BEGIN
  IF p_kind = 'Track' THEN
    SELECT t.owner_id INTO owner FROM tracks t WHERE t.track_id = p_id AND t.is_current LIMIT 1;
  ELSIF p_kind = 'Event' THEN
    SELECT e.user_id INTO owner FROM events e WHERE e.event_id = p_id AND NOT e.is_deleted LIMIT 1;
  ELSIF p_kind = 'FanClub' THEN
    owner := p_id;
  END IF;
  RETURN owner;
END $$;

-- recipient muted actor, or muted notifications on (kind, id).
CREATE OR REPLACE FUNCTION metronome_muted(p_recipient integer, p_actor integer, p_kind text, p_id integer)
  RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN EXISTS (SELECT 1 FROM comment_notification_settings s
                 WHERE s.user_id = p_recipient AND s.entity_type = p_kind AND s.entity_id = p_id AND s.is_muted)
      OR EXISTS (SELECT 1 FROM muted_users m
                 WHERE m.user_id = p_recipient AND m.muted_user_id = p_actor AND NOT m.is_delete);
END $$;

-- The parent of a remix (production reads only the first entry of remix_of.tracks).
-- A value that is not a JSON number in int4 range gives NULL (no parent), never an error: the metadata is
-- the chain's, and the handler already skipped such parents (a cast error here would fail the tx).
CREATE OR REPLACE FUNCTION metronome_remix_parent(remix_of jsonb) RETURNS integer
  LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN jsonb_typeof(v) = 'number' AND (v #>> '{}')::numeric BETWEEN -2147483648 AND 2147483647
              THEN trunc((v #>> '{}')::numeric)::int END
  FROM (SELECT remix_of -> 'tracks' -> 0 -> 'parent_track_id' AS v) AS x $$;

-- Subscribers of a user, ascending (production's array order is unspecified). Production does not filter
-- on entity_type here; neither do we (docs/triggers.md).
CREATE OR REPLACE FUNCTION metronome_subscribers(uid integer) RETURNS integer[] LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN (SELECT coalesce(array_agg(s.subscriber_id ORDER BY s.subscriber_id), '{}')
          FROM subscriptions s WHERE s.user_id = uid AND s.is_current AND NOT s.is_delete);
END $$;

-- Followees of `actor` who reposted `item` within the month before `at` (repost_of_repost,
-- save_of_repost). `kind` NULL: any repost type.
CREATE OR REPLACE FUNCTION metronome_followee_reposters(actor integer, item integer, kind text, at timestamp)
  RETURNS integer[] LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN (SELECT coalesce(array_agg(DISTINCT r.user_id ORDER BY r.user_id), '{}')
          FROM reposts r
          WHERE r.repost_item_id = item AND r.is_current AND NOT r.is_delete
            AND (kind IS NULL OR r.repost_type::text = kind)
            AND r.created_at > at - interval '1 month' AND r.created_at < at
            AND EXISTS (SELECT 1 FROM follows f
                        WHERE f.follower_user_id = actor AND f.followee_user_id = r.user_id
                          AND f.is_current AND NOT f.is_delete));
END $$;

-- Whether `buyer` purchased the content. usdc_purchases is written by the Solana indexer, not by us: on
-- a database without it nothing was purchased.
CREATE OR REPLACE FUNCTION metronome_purchased(buyer integer, item integer, kind text) RETURNS boolean
  LANGUAGE plpgsql STABLE AS $$
DECLARE hit boolean := false;
BEGIN
  IF to_regclass('usdc_purchases') IS NULL THEN RETURN false; END IF;
  IF kind = 'track' THEN
    EXECUTE 'SELECT EXISTS (SELECT 1 FROM usdc_purchases WHERE content_type = ''track'' AND content_id = $1 AND buyer_user_id = $2)'
      INTO hit USING item, buyer;
  ELSIF kind = 'album_of_track' THEN
    EXECUTE 'SELECT EXISTS (SELECT 1 FROM usdc_purchases u JOIN playlist_tracks pt ON u.content_id = pt.playlist_id
                            WHERE pt.track_id = $1 AND u.buyer_user_id = $2)'
      INTO hit USING item, buyer;
  ELSE
    EXECUTE 'SELECT EXISTS (SELECT 1 FROM usdc_purchases WHERE content_type = ''album'' AND content_id = $1 AND buyer_user_id = $2)'
      INTO hit USING item, buyer;
  END IF;
  RETURN hit;
END $$;

-- One notification row; the unique (group_id, specifier) makes a repeat a no-op.
CREATE OR REPLACE FUNCTION metronome_notify(kind text, recipients integer[], spec text, grp text, bn integer,
                                            at timestamp, payload jsonb) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO notification (type, user_ids, specifier, group_id, blocknumber, "timestamp", data)
  VALUES (kind, recipients, spec, grp, bn, at, payload)
  ON CONFLICT (group_id, specifier) DO NOTHING;
END $$;

-- A milestone and its notification for the owner of what crossed the threshold.
CREATE OR REPLACE FUNCTION metronome_milestone(name text, item integer, threshold integer, bn integer, sl integer,
                                               at timestamp, kind text, recipient integer, payload jsonb) RETURNS void
  LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO milestones (id, name, threshold, blocknumber, slot, "timestamp")
  VALUES (item, name, threshold, bn, sl, at) ON CONFLICT DO NOTHING;
  IF recipient IS NOT NULL THEN
    PERFORM metronome_notify(kind, ARRAY[recipient], recipient::text,
                             'milestone:' || name || ':id:' || item || ':threshold:' || threshold, bn, at, payload);
  END IF;
END $$;

-- ---------------------------------------------------------------------------------------------------
-- follows: follower/following counts, FOLLOWER_COUNT milestones, 'follow'.
CREATE OR REPLACE FUNCTION handle_follow() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  d integer := metronome_active(NEW.is_current, NEW.is_delete)
               - CASE WHEN TG_OP = 'UPDATE' THEN metronome_active(OLD.is_current, OLD.is_delete) ELSE 0 END;
  followers bigint;
BEGIN
  INSERT INTO aggregate_user AS a (user_id, following_count) VALUES (NEW.follower_user_id, greatest(d, 0))
    ON CONFLICT (user_id) DO UPDATE SET following_count = a.following_count + d WHERE d <> 0;
  INSERT INTO aggregate_user AS a (user_id, follower_count) VALUES (NEW.followee_user_id, greatest(d, 0))
    ON CONFLICT (user_id) DO UPDATE SET follower_count = a.follower_count + d WHERE d <> 0;
  IF d <> 1 OR NOT metronome_may_notify(NEW.follower_user_id) THEN RETURN NULL; END IF;

  SELECT a.follower_count INTO followers FROM aggregate_user a WHERE a.user_id = NEW.followee_user_id;
  IF followers IN (10, 25, 50, 100, 250, 500, 1000, 5000, 10000, 20000, 50000, 100000, 1000000) THEN
    PERFORM metronome_milestone('FOLLOWER_COUNT', NEW.followee_user_id, followers::int, NEW.blocknumber, NEW.slot,
      NEW.created_at, 'milestone_follower_count', NEW.followee_user_id,
      jsonb_build_object('type', 'FOLLOWER_COUNT', 'user_id', NEW.followee_user_id, 'threshold', followers));
  END IF;
  PERFORM metronome_notify('follow', ARRAY[NEW.followee_user_id], NEW.follower_user_id::text,
    'follow:' || NEW.followee_user_id, NEW.blocknumber, NEW.created_at,
    jsonb_build_object('followee_user_id', NEW.followee_user_id, 'follower_user_id', NEW.follower_user_id));
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS on_follow ON follows;
CREATE TRIGGER on_follow AFTER INSERT OR UPDATE ON follows FOR EACH ROW EXECUTE FUNCTION handle_follow();

-- ---------------------------------------------------------------------------------------------------
-- Shared tail of saves and reposts once a row became active: milestone, the owner's notification, the
-- *_of_repost fan-out to followees, and the remix cosign.
CREATE OR REPLACE FUNCTION metronome_social_fanout(verb text, actor integer, item integer, item_type text,
                                                   total bigint, is_album boolean, of_repost boolean,
                                                   purchased boolean, in_purchased_album boolean,
                                                   bn integer, sl integer, at timestamp) RETURNS void
  LANGUAGE plpgsql AS $$
DECLARE
  owner integer;
  v_remix jsonb;
  parent integer;
  ms_name text := upper(CASE WHEN item_type = 'track' THEN 'track' ELSE 'playlist' END || '_' || verb || '_count');
  fans integer[];
BEGIN
  IF item_type = 'track' THEN
    SELECT t.owner_id, t.remix_of INTO owner, v_remix FROM tracks t WHERE t.track_id = item AND t.is_current LIMIT 1;
  ELSE
    SELECT p.playlist_owner_id INTO owner FROM playlists p WHERE p.playlist_id = item AND p.is_current LIMIT 1;
  END IF;

  IF total IN (10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000)
     AND (owner IS NOT NULL OR verb = 'save') THEN
    PERFORM metronome_milestone(ms_name, item, total::int, bn, sl, at, 'milestone', owner,
      CASE WHEN item_type = 'track'
        THEN jsonb_build_object('type', ms_name, 'track_id', item, 'threshold', total)
        ELSE jsonb_build_object('type', ms_name, 'playlist_id', item, 'threshold', total, 'is_album', is_album) END);
  END IF;

  IF NOT purchased THEN
    PERFORM metronome_notify(verb, ARRAY[owner], actor::text, verb || ':' || item || ':type:' || item_type, bn, at,
      jsonb_build_object(verb || '_item_id', item, 'user_id', actor, 'type', item_type));
  END IF;

  IF of_repost AND NOT in_purchased_album THEN
    fans := metronome_followee_reposters(actor, item, CASE WHEN verb = 'save' THEN item_type END, at);
    IF cardinality(fans) > 0 THEN
      PERFORM metronome_notify(verb || '_of_repost', fans, actor::text,
        verb || '_of_repost:' || item || ':type:' || item_type, bn, at,
        jsonb_build_object(verb || '_of_repost_item_id', item, 'user_id', actor,
                           'type', CASE WHEN is_album THEN 'album' ELSE item_type END));
    END IF;
  END IF;

  parent := metronome_remix_parent(v_remix);
  IF item_type = 'track' AND parent IS NOT NULL
     AND EXISTS (SELECT 1 FROM tracks t WHERE t.track_id = parent AND t.is_current AND t.owner_id = actor) THEN
    PERFORM metronome_notify('cosign', ARRAY[owner], actor::text,
      'cosign:parent_track' || parent || ':original_track:' || item, bn, at,
      jsonb_build_object('parent_track_id', parent, 'track_id', item, 'track_owner_id', owner));
  END IF;
END $$;

-- saves: save counts, *_SAVE_COUNT milestones, 'save', 'save_of_repost', 'cosign'.
CREATE OR REPLACE FUNCTION handle_save() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  d integer := metronome_active(NEW.is_current, NEW.is_delete)
               - CASE WHEN TG_OP = 'UPDATE' THEN metronome_active(OLD.is_current, OLD.is_delete) ELSE 0 END;
  total bigint;
  album boolean;
  purchased boolean := false;
  in_album boolean := false;
BEGIN
  IF NEW.save_type = 'track' THEN
    INSERT INTO aggregate_user AS a (user_id, track_save_count) VALUES (NEW.user_id, greatest(d, 0))
      ON CONFLICT (user_id) DO UPDATE SET track_save_count = a.track_save_count + d WHERE d <> 0;
    INSERT INTO aggregate_track AS a (track_id, save_count) VALUES (NEW.save_item_id, greatest(d, 0))
      ON CONFLICT (track_id) DO UPDATE SET save_count = a.save_count + d WHERE d <> 0;
  ELSE
    INSERT INTO aggregate_user (user_id) VALUES (NEW.user_id) ON CONFLICT DO NOTHING;
    -- Production keeps no aggregate row for a playlist that is not current.
    INSERT INTO aggregate_playlist (playlist_id, is_album)
      SELECT p.playlist_id, p.is_album FROM playlists p WHERE p.playlist_id = NEW.save_item_id AND p.is_current
      ON CONFLICT DO NOTHING;
    IF d <> 0 THEN
      UPDATE aggregate_playlist SET save_count = save_count + d WHERE playlist_id = NEW.save_item_id;
    END IF;
  END IF;
  IF d <> 1 OR NOT metronome_may_notify(NEW.user_id) THEN RETURN NULL; END IF;

  IF NEW.save_type = 'track' THEN
    SELECT a.save_count INTO total FROM aggregate_track a WHERE a.track_id = NEW.save_item_id;
    in_album := metronome_purchased(NEW.user_id, NEW.save_item_id, 'album_of_track');
    purchased := in_album OR metronome_purchased(NEW.user_id, NEW.save_item_id, 'track');
  ELSE
    SELECT a.save_count, a.is_album INTO total, album FROM aggregate_playlist a WHERE a.playlist_id = NEW.save_item_id;
    purchased := metronome_purchased(NEW.user_id, NEW.save_item_id, 'album');
  END IF;
  PERFORM metronome_social_fanout('save', NEW.user_id, NEW.save_item_id, NEW.save_type::text, total, album,
    NEW.is_save_of_repost, purchased, in_album, NEW.blocknumber, NEW.slot, NEW.created_at);
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS on_save ON saves;
CREATE TRIGGER on_save AFTER INSERT OR UPDATE ON saves FOR EACH ROW EXECUTE FUNCTION handle_save();

-- reposts: repost counts, *_REPOST_COUNT milestones, 'repost', 'repost_of_repost', 'cosign'.
CREATE OR REPLACE FUNCTION handle_repost() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  d integer := metronome_active(NEW.is_current, NEW.is_delete)
               - CASE WHEN TG_OP = 'UPDATE' THEN metronome_active(OLD.is_current, OLD.is_delete) ELSE 0 END;
  total bigint;
  album boolean;
BEGIN
  INSERT INTO aggregate_user AS a (user_id, repost_count) VALUES (NEW.user_id, greatest(d, 0))
    ON CONFLICT (user_id) DO UPDATE SET repost_count = a.repost_count + d WHERE d <> 0;
  IF NEW.repost_type = 'track' THEN
    INSERT INTO aggregate_track AS a (track_id, repost_count) VALUES (NEW.repost_item_id, greatest(d, 0))
      ON CONFLICT (track_id) DO UPDATE SET repost_count = a.repost_count + d WHERE d <> 0;
  ELSE
    INSERT INTO aggregate_playlist (playlist_id, is_album)
      SELECT p.playlist_id, p.is_album FROM playlists p WHERE p.playlist_id = NEW.repost_item_id AND p.is_current
      ON CONFLICT DO NOTHING;
    IF d <> 0 THEN
      UPDATE aggregate_playlist SET repost_count = repost_count + d WHERE playlist_id = NEW.repost_item_id;
    END IF;
  END IF;
  IF d <> 1 OR NOT metronome_may_notify(NEW.user_id) THEN RETURN NULL; END IF;

  IF NEW.repost_type = 'track' THEN
    SELECT a.repost_count INTO total FROM aggregate_track a WHERE a.track_id = NEW.repost_item_id;
  ELSE
    SELECT a.repost_count, a.is_album INTO total, album FROM aggregate_playlist a WHERE a.playlist_id = NEW.repost_item_id;
  END IF;
  PERFORM metronome_social_fanout('repost', NEW.user_id, NEW.repost_item_id, NEW.repost_type::text, total, album,
    NEW.is_repost_of_repost, false, false, NEW.blocknumber, NEW.slot, NEW.created_at);
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS on_repost ON reposts;
CREATE TRIGGER on_repost AFTER INSERT OR UPDATE ON reposts FOR EACH ROW EXECUTE FUNCTION handle_repost();

-- shares: share counts (insert-only rows; every row counts).
CREATE OR REPLACE FUNCTION handle_share() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.share_type = 'track' THEN
    INSERT INTO aggregate_user AS a (user_id, track_share_count) VALUES (NEW.user_id, 1)
      ON CONFLICT (user_id) DO UPDATE SET track_share_count = coalesce(a.track_share_count, 0) + 1;
    INSERT INTO aggregate_track AS a (track_id, share_count) VALUES (NEW.share_item_id, 1)
      ON CONFLICT (track_id) DO UPDATE SET share_count = coalesce(a.share_count, 0) + 1;
  ELSE
    INSERT INTO aggregate_user (user_id) VALUES (NEW.user_id) ON CONFLICT DO NOTHING;
    INSERT INTO aggregate_playlist (playlist_id, is_album)
      SELECT p.playlist_id, p.is_album FROM playlists p WHERE p.playlist_id = NEW.share_item_id AND p.is_current
      ON CONFLICT DO NOTHING;
    UPDATE aggregate_playlist SET share_count = coalesce(share_count, 0) + 1 WHERE playlist_id = NEW.share_item_id;
  END IF;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS on_share ON shares;
CREATE TRIGGER on_share AFTER INSERT ON shares FOR EACH ROW EXECUTE FUNCTION handle_share();

-- ---------------------------------------------------------------------------------------------------
-- users: every user has an aggregate_user row.
CREATE OR REPLACE FUNCTION handle_user() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO aggregate_user (user_id) VALUES (NEW.user_id) ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS on_user ON users;
CREATE TRIGGER on_user AFTER INSERT ON users FOR EACH ROW EXECUTE FUNCTION handle_user();

-- ---------------------------------------------------------------------------------------------------
-- tracks: track_count (listed) and total_track_count per owner; 'create' to subscribers, 'remix',
-- remix-contest submissions, and 'fan_remix_contest_started' when a contest track goes public.
CREATE OR REPLACE FUNCTION handle_track() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  was_counted boolean := TG_OP = 'UPDATE'
    AND metronome_track_counted(OLD.is_current, OLD.is_delete, OLD.is_available, OLD.stem_of, OLD.access_authorities);
  is_counted boolean :=
    metronome_track_counted(NEW.is_current, NEW.is_delete, NEW.is_available, NEW.stem_of, NEW.access_authorities);
  was_public boolean := was_counted AND NOT OLD.is_unlisted;
  is_public boolean := is_counted AND NOT NEW.is_unlisted;
  -- is_playlist_upload is read through jsonb so this runs with or without that column.
  playlist_upload boolean := coalesce((to_jsonb(NEW) ->> 'is_playlist_upload')::boolean, false);
  parent integer := metronome_remix_parent(NEW.remix_of);
  fans integer[];
  parent_owner integer;
  contest record;
  submissions integer;
BEGIN
  INSERT INTO aggregate_track (track_id) VALUES (NEW.track_id) ON CONFLICT DO NOTHING;
  IF TG_OP = 'UPDATE' AND OLD.owner_id <> NEW.owner_id AND was_counted THEN
    UPDATE aggregate_user SET track_count = track_count - was_public::int, total_track_count = total_track_count - 1
    WHERE user_id = OLD.owner_id;
    was_counted := false; was_public := false;
  END IF;
  INSERT INTO aggregate_user AS a (user_id, track_count, total_track_count)
    VALUES (NEW.owner_id, is_public::int, is_counted::int)
    ON CONFLICT (user_id) DO UPDATE
      SET track_count = a.track_count + (is_public::int - was_public::int),
          total_track_count = coalesce(a.total_track_count, 0) + (is_counted::int - was_counted::int)
      WHERE is_public IS DISTINCT FROM was_public OR is_counted IS DISTINCT FROM was_counted;

  -- A contest track leaving unlisted announces its open contests (production keys this on the unlisted
  -- flag alone, not on full publicity).
  IF TG_OP = 'UPDATE' AND OLD.is_unlisted AND NOT NEW.is_unlisted THEN
    PERFORM metronome_contest_started(e.event_id, e.user_id, NEW.track_id, NEW.owner_id, NEW.blocknumber, NEW.updated_at)
    FROM events e
    WHERE e.entity_id = NEW.track_id AND e.event_type = 'remix_contest' AND NOT e.is_deleted
      AND (e.end_date IS NULL OR e.end_date > NEW.updated_at);
  END IF;

  -- The rest only when the track becomes public (created public, or published later).
  IF NOT is_public OR was_public THEN RETURN NULL; END IF;

  IF NOT playlist_upload THEN
    fans := metronome_subscribers(NEW.owner_id);
    IF cardinality(fans) > 0 THEN
      PERFORM metronome_notify('create', fans, NEW.track_id::text, 'create:track:user_id:' || NEW.owner_id,
        NEW.blocknumber, NEW.updated_at, jsonb_build_object('track_id', NEW.track_id));
    END IF;
  END IF;

  IF parent IS NOT NULL THEN
    SELECT t.owner_id INTO parent_owner FROM tracks t WHERE t.track_id = parent AND t.is_current LIMIT 1;
    IF parent_owner IS NOT NULL THEN
      PERFORM metronome_notify('remix', ARRAY[parent_owner], NEW.owner_id::text,
        'remix:track:' || NEW.track_id || ':parent_track:' || parent, NEW.blocknumber, NEW.updated_at,
        jsonb_build_object('track_id', NEW.track_id, 'parent_track_id', parent));
    END IF;

    -- An open contest on the parent: judged at the row's time, not now() (docs/triggers.md).
    SELECT e.event_id, e.user_id, e.created_at INTO contest FROM events e
    WHERE e.entity_id = parent AND e.event_type = 'remix_contest' AND NOT e.is_deleted
      AND (e.end_date IS NULL OR e.end_date > NEW.updated_at)
    ORDER BY e.event_id LIMIT 1;
    IF contest.event_id IS NOT NULL THEN
      -- Candidates come from remixes (indexed by parent); the JSON test keeps production's definition.
      SELECT count(*) INTO submissions FROM remixes r JOIN tracks t ON t.track_id = r.child_track_id AND t.is_current
      WHERE r.parent_track_id = parent AND NOT t.is_delete AND metronome_remix_parent(t.remix_of) = parent
        AND t.created_at >= contest.created_at;
      IF submissions IN (1, 10, 50) THEN
        PERFORM metronome_notify('artist_remix_contest_submissions', ARRAY[contest.user_id],
          submissions || ':' || contest.event_id,
          'artist_remix_contest_submissions:' || contest.event_id || ':' || submissions, NEW.blocknumber,
          NEW.updated_at, jsonb_build_object('event_id', contest.event_id, 'milestone', submissions, 'entity_id', parent));
      END IF;
      INSERT INTO notification (type, user_ids, specifier, group_id, blocknumber, "timestamp", data)
      SELECT 'fan_remix_contest_submission', ARRAY[r.uid], r.uid::text,
             'fan_remix_contest_submission:' || contest.event_id || ':submission:' || NEW.track_id,
             NEW.blocknumber, NEW.updated_at,
             jsonb_build_object('event_id', contest.event_id, 'entity_id', parent, 'entity_user_id', contest.user_id,
                                'submission_track_id', NEW.track_id, 'submitter_user_id', NEW.owner_id)
      FROM (SELECT s.subscriber_id AS uid FROM subscriptions s
            WHERE s.user_id = contest.event_id AND s.entity_type = 'Event' AND s.is_current AND NOT s.is_delete
            UNION SELECT contest.user_id) r
      WHERE r.uid <> NEW.owner_id
      ON CONFLICT (group_id, specifier) DO NOTHING;
    END IF;
  END IF;

  RETURN NULL;
END $$;

-- 'fan_remix_contest_started' to the host's followers, the track's savers and the contest's subscribers.
CREATE OR REPLACE FUNCTION metronome_contest_started(p_event integer, p_host integer, p_track integer,
                                                     p_owner integer, p_bn integer, p_at timestamp) RETURNS void
  LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO notification (type, user_ids, specifier, group_id, blocknumber, "timestamp", data)
  SELECT 'fan_remix_contest_started', ARRAY[u.uid], u.uid::text,
         'fan_remix_contest_started:' || p_track || ':user:' || p_host, p_bn, p_at,
         jsonb_build_object('entity_user_id', p_owner, 'entity_id', p_track)
  FROM (SELECT f.follower_user_id AS uid FROM follows f
        WHERE f.followee_user_id = p_host AND f.is_current AND NOT f.is_delete
        UNION SELECT s.user_id FROM saves s
        WHERE s.save_item_id = p_track AND s.save_type = 'track' AND s.is_current AND NOT s.is_delete
        UNION SELECT sub.subscriber_id FROM subscriptions sub
        WHERE sub.user_id = p_event AND sub.entity_type = 'Event' AND sub.is_current AND NOT sub.is_delete) u
  ON CONFLICT (group_id, specifier) DO NOTHING;
END $$;

DROP TRIGGER IF EXISTS on_track ON tracks;
CREATE TRIGGER on_track AFTER INSERT OR UPDATE ON tracks FOR EACH ROW EXECUTE FUNCTION handle_track();

-- events: a public remix contest announces itself ('fan_remix_contest_started').
CREATE OR REPLACE FUNCTION handle_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  owner integer;
  listed boolean;
BEGIN
  IF NEW.event_type <> 'remix_contest' OR NEW.is_deleted THEN RETURN NULL; END IF;
  SELECT t.owner_id, NOT t.is_unlisted INTO owner, listed FROM tracks t
  WHERE t.track_id = NEW.entity_id AND t.is_current LIMIT 1;
  IF listed THEN
    -- Production names the track's owner as entity_user_id here, the host in the group id.
    INSERT INTO notification (type, user_ids, specifier, group_id, blocknumber, "timestamp", data)
    SELECT 'fan_remix_contest_started', ARRAY[u.uid], u.uid::text,
           'fan_remix_contest_started:' || NEW.entity_id || ':user:' || NEW.user_id, NEW.blocknumber, NEW.created_at,
           jsonb_build_object('entity_user_id', owner, 'entity_id', NEW.entity_id)
    FROM (SELECT f.follower_user_id AS uid FROM follows f
          WHERE f.followee_user_id = NEW.user_id AND f.is_current AND NOT f.is_delete
          UNION SELECT s.user_id FROM saves s
          WHERE s.save_item_id = NEW.entity_id AND s.save_type = 'track' AND s.is_current AND NOT s.is_delete
          UNION SELECT sub.subscriber_id FROM subscriptions sub
          WHERE sub.user_id = NEW.event_id AND sub.entity_type = 'Event' AND sub.is_current AND NOT sub.is_delete) u
    ON CONFLICT (group_id, specifier) DO NOTHING;
  END IF;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS on_event ON events;
CREATE TRIGGER on_event AFTER INSERT ON events FOR EACH ROW EXECUTE FUNCTION handle_event();

-- ---------------------------------------------------------------------------------------------------
-- playlists: playlist/album counts (public, not deleted), 'create' to subscribers when a playlist
-- becomes public, 'track_added_to_playlist' for tracks added at this row's time.
CREATE OR REPLACE FUNCTION handle_playlist() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  was_listed boolean := TG_OP = 'UPDATE' AND OLD.is_current AND NOT OLD.is_delete AND NOT OLD.is_private;
  is_listed boolean := NEW.is_current AND NOT NEW.is_delete AND NOT NEW.is_private;
  fans integer[];
BEGIN
  INSERT INTO aggregate_playlist (playlist_id, is_album) VALUES (NEW.playlist_id, NEW.is_album) ON CONFLICT DO NOTHING;
  IF was_listed AND NOT (is_listed AND OLD.is_album = NEW.is_album AND OLD.playlist_owner_id = NEW.playlist_owner_id) THEN
    UPDATE aggregate_user SET album_count = album_count - OLD.is_album::int,
                              playlist_count = playlist_count - (NOT OLD.is_album)::int
    WHERE user_id = OLD.playlist_owner_id;
    was_listed := false;
  END IF;
  IF is_listed AND NOT was_listed THEN
    UPDATE aggregate_user SET album_count = album_count + NEW.is_album::int,
                              playlist_count = playlist_count + (NOT NEW.is_album)::int
    WHERE user_id = NEW.playlist_owner_id;
  END IF;

  IF NEW.is_private OR NEW.is_delete THEN RETURN NULL; END IF;

  IF (TG_OP = 'INSERT' AND NEW.created_at = NEW.updated_at) OR (TG_OP = 'UPDATE' AND OLD.is_private) THEN
    fans := metronome_subscribers(NEW.playlist_owner_id);
    IF cardinality(fans) > 0 THEN
      PERFORM metronome_notify('create', fans, NEW.playlist_owner_id::text, 'create:playlist_id:' || NEW.playlist_id,
        NEW.blocknumber, NEW.updated_at, jsonb_build_object('playlist_id', NEW.playlist_id, 'is_album', NEW.is_album));
    END IF;
  END IF;

  INSERT INTO notification (type, user_ids, specifier, group_id, blocknumber, "timestamp", data)
  SELECT 'track_added_to_playlist', ARRAY[t.owner_id], t.owner_id::text,
         'track_added_to_playlist:playlist_id:' || NEW.playlist_id || ':track_id:' || e.track,
         NEW.blocknumber, NEW.updated_at,
         jsonb_build_object('track_id', e.track, 'playlist_id', NEW.playlist_id, 'playlist_owner_id', NEW.playlist_owner_id)
  -- Contents come from the chain: a track that is not an int4 or a time that is not a number matches
  -- nothing (metronome_int4 from 0008 gives NULL), never a cast error that would fail the tx.
  FROM (SELECT metronome_int4(x ->> 'track') AS track,
               CASE WHEN jsonb_typeof(x -> 'time') = 'number' THEN round((x ->> 'time')::double precision) END AS added
        FROM jsonb_array_elements(CASE WHEN jsonb_typeof(NEW.playlist_contents -> 'track_ids') = 'array'
                                       THEN NEW.playlist_contents -> 'track_ids' ELSE '[]' END) x) e
  JOIN LATERAL (SELECT t.owner_id FROM tracks t WHERE t.track_id = e.track AND t.is_current LIMIT 1) t ON true
  WHERE e.added >= round(extract(epoch FROM NEW.updated_at)) AND t.owner_id <> NEW.playlist_owner_id
  ON CONFLICT (group_id, specifier) DO NOTHING;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS on_playlist ON playlists;
CREATE TRIGGER on_playlist AFTER INSERT OR UPDATE ON playlists FOR EACH ROW EXECUTE FUNCTION handle_playlist();

-- playlist_tracks: buyers of a purchasable album hear about a new track (needs usdc_purchases).
CREATE OR REPLACE FUNCTION handle_playlist_track() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE pl record;
BEGIN
  IF to_regclass('usdc_purchases') IS NULL THEN RETURN NULL; END IF;
  SELECT p.blocknumber, p.playlist_owner_id, p.is_stream_gated, p.stream_conditions INTO pl
  FROM playlists p WHERE p.playlist_id = NEW.playlist_id ORDER BY p.is_current DESC LIMIT 1;
  IF pl.is_stream_gated AND pl.stream_conditions ? 'usdc_purchase' THEN
    EXECUTE $q$
      INSERT INTO notification (type, user_ids, specifier, group_id, blocknumber, "timestamp", data)
      SELECT DISTINCT 'track_added_to_purchased_album', ARRAY[u.buyer_user_id], u.buyer_user_id::text,
             'track_added_to_purchased_album:playlist_id:' || $1 || ':track_id:' || $2, $3, $4,
             jsonb_build_object('track_id', $2, 'playlist_id', $1, 'playlist_owner_id', $5)
      FROM usdc_purchases u WHERE u.content_id = $1 AND u.content_type = 'album'
      ON CONFLICT (group_id, specifier) DO NOTHING $q$
      USING NEW.playlist_id, NEW.track_id, pl.blocknumber, NEW.updated_at::timestamp, pl.playlist_owner_id;
  END IF;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS on_playlist_track ON playlist_tracks;
CREATE TRIGGER on_playlist_track AFTER INSERT ON playlist_tracks FOR EACH ROW EXECUTE FUNCTION handle_playlist_track();

-- ---------------------------------------------------------------------------------------------------
-- comments: comment_count of tracks (visible, not deleted).
CREATE OR REPLACE FUNCTION handle_comment() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  was integer := CASE WHEN TG_OP = 'UPDATE' AND OLD.entity_type = 'Track' AND NOT OLD.is_delete AND OLD.is_visible
                      THEN 1 ELSE 0 END;
  now_ integer := CASE WHEN NEW.entity_type = 'Track' AND NOT NEW.is_delete AND NEW.is_visible THEN 1 ELSE 0 END;
BEGIN
  IF NEW.entity_type = 'Track' THEN
    INSERT INTO aggregate_track AS a (track_id, comment_count) VALUES (NEW.entity_id, now_ - was)
      ON CONFLICT (track_id) DO UPDATE SET comment_count = coalesce(a.comment_count, 0) + (now_ - was)
      WHERE now_ <> was;
  END IF;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS on_comment ON comments;
CREATE TRIGGER on_comment AFTER INSERT OR UPDATE ON comments FOR EACH ROW EXECUTE FUNCTION handle_comment();

-- The three comment fan-outs run at commit (deferred), when the block's threads and mentions exist.
-- 'comment' to the entity owner: not for replies, not when the owner is mentioned or muted it.
CREATE OR REPLACE FUNCTION handle_comment_notification() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE owner integer;
BEGIN
  IF NEW.is_delete OR NOT NEW.is_visible OR NEW.entity_type NOT IN ('Track', 'Event', 'FanClub') THEN RETURN NULL; END IF;
  owner := metronome_comment_entity_owner(NEW.entity_type, NEW.entity_id);
  IF owner IS NULL OR owner = NEW.user_id
     OR EXISTS (SELECT 1 FROM comment_threads ct WHERE ct.comment_id = NEW.comment_id)
     OR EXISTS (SELECT 1 FROM comment_mentions m
                WHERE m.comment_id = NEW.comment_id AND m.user_id = owner AND NOT m.is_delete)
     OR metronome_muted(owner, NEW.user_id, NEW.entity_type, NEW.entity_id) THEN
    RETURN NULL;
  END IF;
  PERFORM metronome_notify('comment', ARRAY[owner], NEW.comment_id::text,
    'comment:' || NEW.entity_id || ':type:' || NEW.entity_type, NEW.blocknumber, NEW.created_at,
    jsonb_build_object('type', NEW.entity_type, 'entity_id', NEW.entity_id, 'comment_user_id', NEW.user_id,
                       'comment_id', NEW.comment_id));
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS on_comment_notification ON comments;
CREATE CONSTRAINT TRIGGER on_comment_notification AFTER INSERT ON comments DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION handle_comment_notification();

-- 'remix_contest_update' to a contest's subscribers when its host posts (not a reply) on the event.
CREATE OR REPLACE FUNCTION handle_comment_remix_contest_update() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE ev record;
BEGIN
  IF NEW.entity_type <> 'Event' OR NEW.is_delete OR NOT NEW.is_visible
     OR EXISTS (SELECT 1 FROM comment_threads ct WHERE ct.comment_id = NEW.comment_id) THEN
    RETURN NULL;
  END IF;
  SELECT e.user_id, e.entity_id INTO ev FROM events e
  WHERE e.event_id = NEW.entity_id AND e.event_type = 'remix_contest' AND NOT e.is_deleted LIMIT 1;
  IF ev.user_id IS DISTINCT FROM NEW.user_id THEN RETURN NULL; END IF;
  INSERT INTO notification (type, user_ids, specifier, group_id, blocknumber, "timestamp", data)
  SELECT 'remix_contest_update', ARRAY[s.subscriber_id], s.subscriber_id::text,
         'remix_contest_update:' || NEW.comment_id || ':event:' || NEW.entity_id, NEW.blocknumber, NEW.created_at,
         jsonb_build_object('event_id', NEW.entity_id, 'entity_id', ev.entity_id, 'entity_user_id', ev.user_id,
                            'comment_id', NEW.comment_id)
  FROM subscriptions s
  WHERE s.user_id = NEW.entity_id AND s.entity_type = 'Event' AND s.is_current AND NOT s.is_delete
    AND s.subscriber_id <> ev.user_id
  ON CONFLICT (group_id, specifier) DO NOTHING;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS on_comment_remix_contest_update ON comments;
CREATE CONSTRAINT TRIGGER on_comment_remix_contest_update AFTER INSERT ON comments DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION handle_comment_remix_contest_update();

-- 'fan_club_text_post' to the artist's followers and coin holders when the artist posts in their fan club.
CREATE OR REPLACE FUNCTION handle_fan_club_text_post() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  grp text := 'fan_club_text_post:' || NEW.comment_id || ':user:' || NEW.entity_id;
  payload jsonb := jsonb_build_object('entity_user_id', NEW.entity_id, 'comment_id', NEW.comment_id);
BEGIN
  IF NEW.entity_type <> 'FanClub' OR NEW.is_delete OR NOT NEW.is_visible OR NEW.user_id <> NEW.entity_id
     OR EXISTS (SELECT 1 FROM comment_threads ct WHERE ct.comment_id = NEW.comment_id) THEN
    RETURN NULL;
  END IF;
  INSERT INTO notification (type, user_ids, specifier, group_id, blocknumber, "timestamp", data)
  SELECT 'fan_club_text_post', ARRAY[f.follower_user_id], f.follower_user_id::text, grp, NEW.blocknumber,
         NEW.created_at, payload
  FROM follows f
  WHERE f.followee_user_id = NEW.entity_id AND f.is_current AND NOT f.is_delete AND f.follower_user_id <> NEW.entity_id
  ON CONFLICT (group_id, specifier) DO NOTHING;
  -- Coin holders: artist_coins and sol_user_balances come from the Solana indexer; absent here.
  IF to_regclass('artist_coins') IS NOT NULL AND to_regclass('sol_user_balances') IS NOT NULL THEN
    EXECUTE $q$
      INSERT INTO notification (type, user_ids, specifier, group_id, blocknumber, "timestamp", data)
      SELECT DISTINCT 'fan_club_text_post', ARRAY[b.user_id], b.user_id::text, $1, $2, $3, $4
      FROM sol_user_balances b JOIN artist_coins c ON c.mint = b.mint
      WHERE c.user_id = $5 AND b.balance > 0 AND b.user_id <> $5
      ON CONFLICT (group_id, specifier) DO NOTHING $q$
      USING grp, NEW.blocknumber, NEW.created_at, payload, NEW.entity_id;
  END IF;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS on_fan_club_text_post ON comments;
CREATE CONSTRAINT TRIGGER on_fan_club_text_post AFTER INSERT ON comments DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION handle_fan_club_text_post();

-- comment_mentions: 'comment_mention' to the mentioned user.
CREATE OR REPLACE FUNCTION handle_comment_mention() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  c record;
  owner integer;
BEGIN
  IF NEW.is_delete THEN RETURN NULL; END IF;
  SELECT x.user_id, x.entity_type, x.entity_id, x.blocknumber, x.created_at, x.is_delete, x.is_visible INTO c
  FROM comments x WHERE x.comment_id = NEW.comment_id LIMIT 1;
  IF NOT FOUND OR c.is_delete OR NOT c.is_visible OR c.user_id = NEW.user_id
     OR c.entity_type NOT IN ('Track', 'Event', 'FanClub') THEN
    RETURN NULL;
  END IF;
  owner := metronome_comment_entity_owner(c.entity_type, c.entity_id);
  IF EXISTS (SELECT 1 FROM muted_users m WHERE m.user_id = NEW.user_id AND m.muted_user_id = c.user_id AND NOT m.is_delete)
     OR (owner = NEW.user_id AND metronome_muted(owner, c.user_id, c.entity_type, c.entity_id)) THEN
    RETURN NULL;
  END IF;
  PERFORM metronome_notify('comment_mention', ARRAY[NEW.user_id], NEW.user_id::text,
    'comment_mention:' || NEW.comment_id, c.blocknumber, c.created_at,
    jsonb_build_object('type', c.entity_type, 'entity_id', c.entity_id, 'entity_user_id', owner,
                       'comment_user_id', c.user_id, 'comment_id', NEW.comment_id));
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS on_comment_mention ON comment_mentions;
CREATE TRIGGER on_comment_mention AFTER INSERT ON comment_mentions FOR EACH ROW EXECUTE FUNCTION handle_comment_mention();

-- comment_reactions: 'comment_reaction' to the comment's author.
CREATE OR REPLACE FUNCTION handle_comment_reaction() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  c record;
  owner integer;
BEGIN
  IF NEW.is_delete THEN RETURN NULL; END IF;
  SELECT x.user_id, x.entity_type, x.entity_id, x.is_delete, x.is_visible INTO c
  FROM comments x WHERE x.comment_id = NEW.comment_id LIMIT 1;
  IF NOT FOUND OR c.is_delete OR NOT c.is_visible OR c.user_id = NEW.user_id THEN RETURN NULL; END IF;
  owner := metronome_comment_entity_owner(c.entity_type, c.entity_id);
  IF metronome_muted(c.user_id, NEW.user_id, 'Comment', NEW.comment_id)
     OR (owner = c.user_id AND metronome_muted(owner, NEW.user_id, c.entity_type, c.entity_id)) THEN
    RETURN NULL;
  END IF;
  PERFORM metronome_notify('comment_reaction', ARRAY[c.user_id], NEW.user_id::text,
    'comment_reaction:' || NEW.comment_id, NEW.blocknumber, NEW.created_at,
    jsonb_build_object('type', c.entity_type, 'entity_id', c.entity_id, 'entity_user_id', owner,
                       'comment_id', NEW.comment_id, 'reacter_user_id', NEW.user_id));
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS on_comment_reaction ON comment_reactions;
CREATE TRIGGER on_comment_reaction AFTER INSERT ON comment_reactions FOR EACH ROW EXECUTE FUNCTION handle_comment_reaction();

-- comment_threads: 'comment_thread' to the parent comment's author.
CREATE OR REPLACE FUNCTION handle_comment_thread() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  reply record;
  parent record;
  owner integer;
BEGIN
  SELECT x.user_id, x.blocknumber, x.created_at, x.is_delete, x.is_visible INTO reply
  FROM comments x WHERE x.comment_id = NEW.comment_id LIMIT 1;
  IF NOT FOUND OR reply.is_delete OR NOT reply.is_visible THEN RETURN NULL; END IF;
  SELECT x.user_id, x.entity_type, x.entity_id INTO parent FROM comments x WHERE x.comment_id = NEW.parent_comment_id LIMIT 1;
  IF NOT FOUND OR reply.user_id = parent.user_id
     OR metronome_muted(parent.user_id, reply.user_id, 'Comment', NEW.parent_comment_id) THEN
    RETURN NULL;
  END IF;
  owner := metronome_comment_entity_owner(parent.entity_type, parent.entity_id);
  PERFORM metronome_notify('comment_thread', ARRAY[parent.user_id], NEW.comment_id::text,
    'comment_thread:' || NEW.parent_comment_id, reply.blocknumber, reply.created_at,
    jsonb_build_object('type', parent.entity_type, 'entity_id', parent.entity_id, 'entity_user_id', owner,
                       'comment_user_id', reply.user_id, 'comment_id', NEW.comment_id));
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS on_comment_thread ON comment_threads;
CREATE TRIGGER on_comment_thread AFTER INSERT ON comment_threads FOR EACH ROW EXECUTE FUNCTION handle_comment_thread();

-- ---------------------------------------------------------------------------------------------------
-- reactions: a reaction to a tip tells the tipper ('reaction') and stamps the receiver's tip notification.
CREATE OR REPLACE FUNCTION handle_reaction() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE tip record;
BEGIN
  IF NEW.reaction_type <> 'tip' THEN RETURN NULL; END IF;
  SELECT ut.amount, ut.sender_user_id, ut.receiver_user_id INTO tip FROM user_tips ut WHERE ut.signature = NEW.reacted_to;
  IF tip.sender_user_id IS NULL OR tip.receiver_user_id IS NULL THEN RETURN NULL; END IF;
  IF NEW.reaction_value <> 0 THEN
    PERFORM metronome_notify('reaction', ARRAY[tip.sender_user_id], tip.receiver_user_id::text,
      'reaction:reaction_to:' || NEW.reacted_to || ':reaction_type:' || NEW.reaction_type || ':reaction_value:' || NEW.reaction_value,
      NULL, NEW."timestamp",
      jsonb_build_object('sender_wallet', NEW.sender_wallet, 'reaction_type', NEW.reaction_type,
                         'reacted_to', NEW.reacted_to, 'reaction_value', NEW.reaction_value,
                         'receiver_user_id', tip.receiver_user_id, 'sender_user_id', tip.sender_user_id,
                         'tip_amount', tip.amount::text));
  END IF;
  UPDATE notification SET data = jsonb_set(data, '{reaction_value}', to_jsonb(NEW.reaction_value))
  WHERE group_id = 'tip_receive:user_id:' || tip.receiver_user_id || ':signature:' || NEW.reacted_to;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS on_reaction ON reactions;
CREATE TRIGGER on_reaction AFTER INSERT ON reactions FOR EACH ROW EXECUTE FUNCTION handle_reaction();

-- ---------------------------------------------------------------------------------------------------
-- grants: 'request_manager' to the would-be manager, 'approve_manager_request' to the grantor.
-- Our versions are demote + insert; the demotion (is_current only) matches neither branch.
CREATE OR REPLACE FUNCTION process_grant_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE manager integer;
BEGIN
  SELECT u.user_id INTO manager FROM users u
  WHERE lower(u.wallet) = lower(NEW.grantee_address) AND u.is_current LIMIT 1;
  IF manager IS NULL OR NEW.is_revoked THEN RETURN NULL; END IF;
  IF NEW.is_approved IS NULL
     AND ((TG_OP = 'INSERT' AND NEW.created_at = NEW.updated_at) OR (TG_OP = 'UPDATE' AND OLD.is_revoked)) THEN
    PERFORM metronome_notify('request_manager', ARRAY[manager], NEW.user_id::text,
      'request_manager:grantee_user_id:' || manager || ':grantee_address:' || NEW.grantee_address
        || ':user_id:' || NEW.user_id || ':updated_at:' || NEW.updated_at || ':created_at:' || NEW.created_at,
      NEW.blocknumber, NEW.updated_at,
      jsonb_build_object('grantee_user_id', manager, 'grantee_address', NEW.grantee_address, 'user_id', NEW.user_id));
  ELSIF NEW.is_approved AND (TG_OP = 'INSERT' OR OLD.is_approved = false) THEN
    PERFORM metronome_notify('approve_manager_request', ARRAY[NEW.user_id], manager::text,
      'approve_manager_request:grantee_user_id:' || manager || ':grantee_address:' || NEW.grantee_address
        || ':user_id:' || NEW.user_id || ':created_at:' || NEW.created_at,
      NEW.blocknumber, NEW.updated_at,
      jsonb_build_object('grantee_user_id', manager, 'grantee_address', NEW.grantee_address, 'user_id', NEW.user_id));
  END IF;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS trigger_grant_change ON grants;
CREATE TRIGGER trigger_grant_change AFTER INSERT OR UPDATE ON grants FOR EACH ROW EXECUTE FUNCTION process_grant_change();

-- ---------------------------------------------------------------------------------------------------
-- pg_notify for production's push and cache listeners: channel = table name; tracks, users and playlists
-- send their keys, other tables the whole row.
CREATE OR REPLACE FUNCTION on_new_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Statements, not one CASE expression: each branch names columns only its own table has.
  IF TG_TABLE_NAME = 'tracks' THEN
    PERFORM pg_notify('tracks', json_build_object('track_id', NEW.track_id, 'updated_at', NEW.updated_at,
                                                  'created_at', NEW.created_at, 'blocknumber', NEW.blocknumber)::text);
  ELSIF TG_TABLE_NAME = 'users' THEN
    PERFORM pg_notify('users', json_build_object('user_id', NEW.user_id, 'blocknumber', NEW.blocknumber)::text);
  ELSIF TG_TABLE_NAME = 'playlists' THEN
    PERFORM pg_notify('playlists', json_build_object('playlist_id', NEW.playlist_id)::text);
  ELSE
    PERFORM pg_notify(TG_TABLE_NAME, to_json(NEW)::text);
  END IF;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS trg_follows ON follows;
CREATE TRIGGER trg_follows AFTER INSERT OR UPDATE ON follows FOR EACH ROW EXECUTE FUNCTION on_new_row();
DROP TRIGGER IF EXISTS trg_saves ON saves;
CREATE TRIGGER trg_saves AFTER INSERT OR UPDATE ON saves FOR EACH ROW EXECUTE FUNCTION on_new_row();
DROP TRIGGER IF EXISTS trg_reposts ON reposts;
CREATE TRIGGER trg_reposts AFTER INSERT OR UPDATE ON reposts FOR EACH ROW EXECUTE FUNCTION on_new_row();
DROP TRIGGER IF EXISTS trg_shares ON shares;
CREATE TRIGGER trg_shares AFTER INSERT OR UPDATE ON shares FOR EACH ROW EXECUTE FUNCTION on_new_row();
DROP TRIGGER IF EXISTS trg_tracks ON tracks;
CREATE TRIGGER trg_tracks AFTER INSERT OR UPDATE ON tracks FOR EACH ROW EXECUTE FUNCTION on_new_row();
DROP TRIGGER IF EXISTS trg_playlists ON playlists;
CREATE TRIGGER trg_playlists AFTER INSERT OR UPDATE ON playlists FOR EACH ROW EXECUTE FUNCTION on_new_row();
DROP TRIGGER IF EXISTS trg_users ON users;
CREATE TRIGGER trg_users AFTER INSERT OR UPDATE ON users FOR EACH ROW EXECUTE FUNCTION on_new_row();
DROP TRIGGER IF EXISTS trg_aggregate_user ON aggregate_user;
CREATE TRIGGER trg_aggregate_user AFTER INSERT OR UPDATE ON aggregate_user FOR EACH ROW EXECUTE FUNCTION on_new_row();
DROP TRIGGER IF EXISTS trg_aggregate_plays ON aggregate_plays;
CREATE TRIGGER trg_aggregate_plays AFTER INSERT OR UPDATE ON aggregate_plays FOR EACH ROW EXECUTE FUNCTION on_new_row();

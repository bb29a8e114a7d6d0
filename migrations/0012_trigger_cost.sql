-- Per-row cost of the social triggers (issue 16; docs/triggers.md, "Measured"). Same effects as 0010 —
-- the differential oracle holds them to production's, pg_notify payloads included — with fewer
-- statements per row. Measured (bench/trigger-cost.ts --profile): the time went to statement start-up
-- and index probes, not to one slow statement. So:
--  * a counter moves by a plain UPDATE … RETURNING (an INSERT … ON CONFLICT only when the row is
--    missing) instead of an upsert (speculative-insertion probe + row lock) followed by two SELECTs:
--    the RETURNING hands back the new count the milestone test needs and the actor's score for the
--    shadow-ban test;
--  * usdc_purchases is looked for once per row, not once per purchase question;
--  * the remix parent is an inlinable SQL expression (0010's had a FROM, so PostgreSQL planned the
--    function body on every call, on every save, repost and track row).
-- Every statement is idempotent (CREATE OR REPLACE).

-- The parent of a remix (production reads only the first entry of remix_of.tracks); NULL when the value
-- is not a JSON number in int4 range. One expression, no FROM: inlined where it is called.
CREATE OR REPLACE FUNCTION metronome_remix_parent(remix_of jsonb) RETURNS integer
  LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN jsonb_typeof(remix_of -> 'tracks' -> 0 -> 'parent_track_id') = 'number'
                   AND (remix_of #>> '{tracks,0,parent_track_id}')::numeric BETWEEN -2147483648 AND 2147483647
              THEN trunc((remix_of #>> '{tracks,0,parent_track_id}')::numeric)::int END $$;

-- ---------------------------------------------------------------------------------------------------
-- follows: follower/following counts, FOLLOWER_COUNT milestones, 'follow' (as 0010).
CREATE OR REPLACE FUNCTION handle_follow() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  d integer := metronome_active(NEW.is_current, NEW.is_delete)
               - CASE WHEN TG_OP = 'UPDATE' THEN metronome_active(OLD.is_current, OLD.is_delete) ELSE 0 END;
  actor_score integer;
  followers bigint;
BEGIN
  IF d = 0 THEN
    -- Nothing moves; both rows exist afterwards.
    INSERT INTO aggregate_user (user_id) VALUES (NEW.follower_user_id) ON CONFLICT DO NOTHING;
    INSERT INTO aggregate_user (user_id) VALUES (NEW.followee_user_id) ON CONFLICT DO NOTHING;
    RETURN NULL;
  END IF;
  UPDATE aggregate_user SET following_count = following_count + d WHERE user_id = NEW.follower_user_id
    RETURNING score INTO actor_score;
  IF NOT FOUND THEN
    INSERT INTO aggregate_user AS a (user_id, following_count) VALUES (NEW.follower_user_id, greatest(d, 0))
      ON CONFLICT (user_id) DO UPDATE SET following_count = a.following_count + d
      RETURNING a.score INTO actor_score;
  END IF;
  UPDATE aggregate_user SET follower_count = follower_count + d WHERE user_id = NEW.followee_user_id
    RETURNING follower_count INTO followers;
  IF NOT FOUND THEN
    INSERT INTO aggregate_user AS a (user_id, follower_count) VALUES (NEW.followee_user_id, greatest(d, 0))
      ON CONFLICT (user_id) DO UPDATE SET follower_count = a.follower_count + d
      RETURNING a.follower_count INTO followers;
  END IF;
  -- A self-follow moved the follower's row twice; its score did not change.
  IF d <> 1 OR NOT coalesce(actor_score >= 0, false) THEN RETURN NULL; END IF;

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

-- ---------------------------------------------------------------------------------------------------
-- saves: save counts, *_SAVE_COUNT milestones, 'save', 'save_of_repost', 'cosign' (as 0010).
CREATE OR REPLACE FUNCTION handle_save() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  d integer := metronome_active(NEW.is_current, NEW.is_delete)
               - CASE WHEN TG_OP = 'UPDATE' THEN metronome_active(OLD.is_current, OLD.is_delete) ELSE 0 END;
  total bigint;
  album boolean;
  actor_score integer;
  purchased boolean := false;
  in_album boolean := false;
BEGIN
  IF NEW.save_type = 'track' THEN
    IF d = 0 THEN
      INSERT INTO aggregate_user (user_id) VALUES (NEW.user_id) ON CONFLICT DO NOTHING;
      INSERT INTO aggregate_track (track_id) VALUES (NEW.save_item_id) ON CONFLICT DO NOTHING;
      RETURN NULL;
    END IF;
    UPDATE aggregate_user SET track_save_count = track_save_count + d WHERE user_id = NEW.user_id
      RETURNING score INTO actor_score;
    IF NOT FOUND THEN
      INSERT INTO aggregate_user AS a (user_id, track_save_count) VALUES (NEW.user_id, greatest(d, 0))
        ON CONFLICT (user_id) DO UPDATE SET track_save_count = a.track_save_count + d
        RETURNING a.score INTO actor_score;
    END IF;
    UPDATE aggregate_track SET save_count = save_count + d WHERE track_id = NEW.save_item_id
      RETURNING save_count INTO total;
    IF NOT FOUND THEN
      INSERT INTO aggregate_track AS a (track_id, save_count) VALUES (NEW.save_item_id, greatest(d, 0))
        ON CONFLICT (track_id) DO UPDATE SET save_count = a.save_count + d
        RETURNING a.save_count INTO total;
    END IF;
  ELSE
    INSERT INTO aggregate_user (user_id) VALUES (NEW.user_id) ON CONFLICT DO NOTHING;
    IF d <> 0 THEN
      UPDATE aggregate_playlist SET save_count = save_count + d WHERE playlist_id = NEW.save_item_id
        RETURNING save_count, is_album INTO total, album;
    END IF;
    IF d = 0 OR NOT FOUND THEN
      -- Production keeps no aggregate row for a playlist that is not current.
      INSERT INTO aggregate_playlist (playlist_id, is_album)
        SELECT p.playlist_id, p.is_album FROM playlists p WHERE p.playlist_id = NEW.save_item_id AND p.is_current
        ON CONFLICT DO NOTHING;
      IF d <> 0 THEN
        UPDATE aggregate_playlist SET save_count = save_count + d WHERE playlist_id = NEW.save_item_id
          RETURNING save_count, is_album INTO total, album;
      END IF;
    END IF;
    IF d = 1 THEN
      SELECT a.score INTO actor_score FROM aggregate_user a WHERE a.user_id = NEW.user_id;
    END IF;
  END IF;
  IF d <> 1 OR NOT coalesce(actor_score >= 0, false) THEN RETURN NULL; END IF;

  IF to_regclass('usdc_purchases') IS NOT NULL THEN
    IF NEW.save_type = 'track' THEN
      in_album := metronome_purchased(NEW.user_id, NEW.save_item_id, 'album_of_track');
      purchased := in_album OR metronome_purchased(NEW.user_id, NEW.save_item_id, 'track');
    ELSE
      purchased := metronome_purchased(NEW.user_id, NEW.save_item_id, 'album');
    END IF;
  END IF;
  PERFORM metronome_social_fanout('save', NEW.user_id, NEW.save_item_id, NEW.save_type::text, total, album,
    NEW.is_save_of_repost, purchased, in_album, NEW.blocknumber, NEW.slot, NEW.created_at);
  RETURN NULL;
END $$;

-- ---------------------------------------------------------------------------------------------------
-- reposts: repost counts, *_REPOST_COUNT milestones, 'repost', 'repost_of_repost', 'cosign' (as 0010).
CREATE OR REPLACE FUNCTION handle_repost() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  d integer := metronome_active(NEW.is_current, NEW.is_delete)
               - CASE WHEN TG_OP = 'UPDATE' THEN metronome_active(OLD.is_current, OLD.is_delete) ELSE 0 END;
  total bigint;
  album boolean;
  actor_score integer;
BEGIN
  IF d = 0 THEN
    INSERT INTO aggregate_user (user_id) VALUES (NEW.user_id) ON CONFLICT DO NOTHING;
    IF NEW.repost_type = 'track' THEN
      INSERT INTO aggregate_track (track_id) VALUES (NEW.repost_item_id) ON CONFLICT DO NOTHING;
    ELSE
      INSERT INTO aggregate_playlist (playlist_id, is_album)
        SELECT p.playlist_id, p.is_album FROM playlists p WHERE p.playlist_id = NEW.repost_item_id AND p.is_current
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
  END IF;
  UPDATE aggregate_user SET repost_count = repost_count + d WHERE user_id = NEW.user_id
    RETURNING score INTO actor_score;
  IF NOT FOUND THEN
    INSERT INTO aggregate_user AS a (user_id, repost_count) VALUES (NEW.user_id, greatest(d, 0))
      ON CONFLICT (user_id) DO UPDATE SET repost_count = a.repost_count + d
      RETURNING a.score INTO actor_score;
  END IF;
  IF NEW.repost_type = 'track' THEN
    UPDATE aggregate_track SET repost_count = repost_count + d WHERE track_id = NEW.repost_item_id
      RETURNING repost_count INTO total;
    IF NOT FOUND THEN
      INSERT INTO aggregate_track AS a (track_id, repost_count) VALUES (NEW.repost_item_id, greatest(d, 0))
        ON CONFLICT (track_id) DO UPDATE SET repost_count = a.repost_count + d
        RETURNING a.repost_count INTO total;
    END IF;
  ELSE
    UPDATE aggregate_playlist SET repost_count = repost_count + d WHERE playlist_id = NEW.repost_item_id
      RETURNING repost_count, is_album INTO total, album;
    IF NOT FOUND THEN
      INSERT INTO aggregate_playlist (playlist_id, is_album)
        SELECT p.playlist_id, p.is_album FROM playlists p WHERE p.playlist_id = NEW.repost_item_id AND p.is_current
        ON CONFLICT DO NOTHING;
      UPDATE aggregate_playlist SET repost_count = repost_count + d WHERE playlist_id = NEW.repost_item_id
        RETURNING repost_count, is_album INTO total, album;
    END IF;
  END IF;
  IF d <> 1 OR NOT coalesce(actor_score >= 0, false) THEN RETURN NULL; END IF;
  PERFORM metronome_social_fanout('repost', NEW.user_id, NEW.repost_item_id, NEW.repost_type::text, total, album,
    NEW.is_repost_of_repost, false, false, NEW.blocknumber, NEW.slot, NEW.created_at);
  RETURN NULL;
END $$;

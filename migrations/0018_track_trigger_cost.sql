-- Per-row cost of the track trigger, and an inlinable metronome_int4 (issue 19; docs/triggers.md,
-- "Measured: migration 0018"). Same rows as 0010 (the differential oracle holds them to production's):
--  * handle_track no longer turns the whole row into jsonb on every call to read is_playlist_upload
--    (0009 creates that column; production has it), and reads the remix parent only on the path that
--    needs it (a track becoming public);
--  * when a track's counted/public flags do not move (most updates: playlists_containing_track, metadata),
--    the owner's aggregate_user row is only made to exist (ON CONFLICT DO NOTHING: no row lock), instead of
--    an upsert whose DO UPDATE … WHERE false locked the row; when they move, a plain UPDATE, the upsert only
--    when the row is missing (as 0012 does for the social counters);
--  * metronome_int4 loses STRICT: a strict SQL function whose body is not strict (a CASE) is never inlined,
--    so every call ran as a nested statement. The body already gives NULL for NULL.

-- tracks: as 0010.
CREATE OR REPLACE FUNCTION handle_track() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  was_counted boolean := TG_OP = 'UPDATE'
    AND metronome_track_counted(OLD.is_current, OLD.is_delete, OLD.is_available, OLD.stem_of, OLD.access_authorities);
  is_counted boolean :=
    metronome_track_counted(NEW.is_current, NEW.is_delete, NEW.is_available, NEW.stem_of, NEW.access_authorities);
  was_public boolean := was_counted AND NOT OLD.is_unlisted;
  is_public boolean := is_counted AND NOT NEW.is_unlisted;
  parent integer;
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
  IF is_public IS NOT DISTINCT FROM was_public AND is_counted IS NOT DISTINCT FROM was_counted THEN
    -- Nothing moves; the row exists afterwards, with 0010's values if it was missing.
    INSERT INTO aggregate_user (user_id, track_count, total_track_count)
      VALUES (NEW.owner_id, is_public::int, is_counted::int) ON CONFLICT DO NOTHING;
  ELSE
    UPDATE aggregate_user
      SET track_count = track_count + (is_public::int - was_public::int),
          total_track_count = coalesce(total_track_count, 0) + (is_counted::int - was_counted::int)
      WHERE user_id = NEW.owner_id;
    IF NOT FOUND THEN
      INSERT INTO aggregate_user AS a (user_id, track_count, total_track_count)
        VALUES (NEW.owner_id, is_public::int, is_counted::int)
        ON CONFLICT (user_id) DO UPDATE
          SET track_count = a.track_count + (is_public::int - was_public::int),
              total_track_count = coalesce(a.total_track_count, 0) + (is_counted::int - was_counted::int);
    END IF;
  END IF;

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

  parent := metronome_remix_parent(NEW.remix_of);
  IF NOT NEW.is_playlist_upload THEN
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

-- The int4 a text holds, or NULL (as 0008), now inlined where it is called.
CREATE OR REPLACE FUNCTION metronome_int4(s text) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN s ~ '^[+-]?[0-9]{1,19}$' THEN
    CASE WHEN s::numeric BETWEEN -2147483648 AND 2147483647 THEN s::numeric::integer END
  END
$$;

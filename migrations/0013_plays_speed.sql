-- metronome:no-transaction
-- Plays throughput (issues 17 and 19): the on_play fan-out in one statement and one pass over the
-- transition table, and one index fewer to maintain on every play. Same rows as 0007's function
-- (goldens and test/production/triggers-oracle.test.ts unchanged). docs/pipeline-decisions.md, "plays speed".
-- No transaction: the index drop is CONCURRENTLY (plays is production's busiest table; a plain DROP INDEX
-- would block its writers behind an ACCESS EXCLUSIVE lock). Each statement is idempotent on its own.

-- Ours, never production's (docs/schema.md). Its one reader was on_play's "another play of this user and
-- track" probe, which production's ix_plays_user_track_date (user_id, play_item_id, created_at), same
-- predicate, answers with the same two equalities; no API query (../shared/reference/production/queries),
-- challenge processor or production trigger filters plays by play_item_id and user_id otherwise.
DROP INDEX CONCURRENTLY IF EXISTS ix_plays_play_item_user_date;

-- One statement: every window the fan-out needs is computed in one scan of new_plays (np, materialized:
-- it is read by several parts); the per-user counter rows are probed once per listener, not once per play;
-- and "another play of this user and track exists" is only probed for a pair played once in the statement
-- (a pair played twice sees its own other row, as production's row trigger does).
CREATE OR REPLACE FUNCTION handle_play_statement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH np AS MATERIALIZED (
    SELECT id, user_id, play_item_id, created_at, slot, country, date_trunc('hour', created_at) AS h,
           count(*) OVER (PARTITION BY play_item_id) AS track_n,
           row_number() OVER (PARTITION BY play_item_id ORDER BY id) AS track_rn,
           row_number() OVER (PARTITION BY user_id ORDER BY id) AS user_rn,
           max(date_trunc('hour', created_at)) OVER (PARTITION BY user_id ORDER BY id
                                                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS batch_h,
           count(*) OVER (PARTITION BY user_id, play_item_id) AS pair_n
    FROM new_plays
  ), per_track AS (
    SELECT play_item_id, count(*) AS n FROM np GROUP BY play_item_id
  ), counted AS (
    -- 1–4. aggregate_plays, milestones and the owner's milestone notification.
    INSERT INTO aggregate_plays AS a (play_item_id, count)
    SELECT play_item_id, n FROM per_track
    ON CONFLICT (play_item_id) DO UPDATE SET count = coalesce(a.count, 0) + excluded.count
    RETURNING a.play_item_id, a.count AS total
  ), crossed AS (
    -- The play that reached a threshold: plays of a track ranked by id (insert order), as the row trigger.
    SELECT n.play_item_id, (c.total - n.track_n + n.track_rn)::int AS threshold, n.slot, n.created_at
    FROM np n JOIN counted c USING (play_item_id)
    WHERE (c.total - n.track_n + n.track_rn) IN (10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000,
                                                 100000, 250000, 500000, 1000000)
  ), ms AS (
    INSERT INTO milestones (id, name, threshold, slot, "timestamp")
    SELECT play_item_id, 'LISTEN_COUNT', threshold, slot, created_at FROM crossed
    ON CONFLICT DO NOTHING
  ), notified AS (
    INSERT INTO notification (specifier, group_id, type, slot, blocknumber, "timestamp", data, user_ids)
    SELECT t.owner_id::text,
           'milestone:LISTEN_COUNT:id:' || x.play_item_id || ':threshold:' || x.threshold,
           'milestone', x.slot, NULL, x.created_at,
           jsonb_build_object('type', 'LISTEN_COUNT', 'track_id', x.play_item_id, 'threshold', x.threshold),
           ARRAY[t.owner_id]
    FROM crossed x
    JOIN LATERAL (
      SELECT t.owner_id FROM tracks t WHERE t.track_id = x.play_item_id AND t.is_current LIMIT 1
    ) t ON true
    ON CONFLICT ON CONSTRAINT uq_notification DO NOTHING
  ), monthly AS (
    -- 2. aggregate_monthly_plays per (track, month, country).
    INSERT INTO aggregate_monthly_plays AS m (play_item_id, "timestamp", country, count)
    SELECT play_item_id, date_trunc('month', created_at)::date, coalesce(country, ''), count(*)
    FROM np GROUP BY 1, 2, 3
    ON CONFLICT (play_item_id, "timestamp", country) DO UPDATE SET count = m.count + excluded.count
  ), listeners AS (
    -- 5. The per-user counters' stored rows, one probe per listener (LIMIT 1: a probe, never a join over
    -- the whole counter table, 0007).
    SELECT l.user_id, dh.user_id IS NOT NULL AS has_hours, date_trunc('hour', dh.updated_at::timestamp) AS stored_h,
           dt.user_id IS NOT NULL AS has_tracks
    FROM (SELECT DISTINCT user_id FROM np WHERE user_id IS NOT NULL) l
    LEFT JOIN LATERAL (
      SELECT d.user_id, d.updated_at FROM user_distinct_play_hours d WHERE d.user_id = l.user_id LIMIT 1
    ) dh ON true
    LEFT JOIN LATERAL (
      SELECT d.user_id FROM user_distinct_play_tracks d WHERE d.user_id = l.user_id LIMIT 1
    ) dt ON true
  ), played AS (
    SELECT n.user_id, n.user_rn, n.created_at, l.has_hours, l.has_tracks,
           -- 5a. A "new later hour" counter in insert order: the first play of a user without a row inserts
           -- (1, its hour); later plays count when their hour is later than the stored and earlier hours.
           CASE WHEN NOT l.has_hours AND n.user_rn = 1 THEN true
                ELSE n.h > greatest(coalesce(l.stored_h, '-infinity'::timestamp), coalesce(n.batch_h, '-infinity'::timestamp))
           END AS bumps,
           CASE WHEN NOT l.has_hours AND n.user_rn = 1 THEN n.h ELSE n.created_at END AS bump_at,
           -- 5b. The row trigger's visibility quirk: a play counts only if no OTHER plays row (this
           -- statement's included) has the same user and track.
           CASE WHEN n.pair_n > 1 THEN false
                ELSE NOT EXISTS (SELECT 1 FROM plays o
                                 WHERE o.user_id = n.user_id AND o.play_item_id = n.play_item_id AND o.id <> n.id)
           END AS fresh
    FROM np n JOIN listeners l USING (user_id)
  ), per_user AS (
    SELECT user_id, bool_or(has_tracks) AS has_tracks,
           count(*) FILTER (WHERE bumps) AS bumps,
           (array_agg(bump_at ORDER BY user_rn DESC) FILTER (WHERE bumps))[1] AS last_bump_at,
           count(*) FILTER (WHERE fresh AND (has_tracks OR user_rn > 1)) AS adds,
           (array_agg(created_at ORDER BY user_rn DESC))[1] AS last_at
    FROM played GROUP BY user_id
  ), hours AS (
    INSERT INTO user_distinct_play_hours AS d (user_id, hours_with_play, updated_at)
    SELECT user_id, bumps, last_bump_at FROM per_user WHERE bumps > 0
    ON CONFLICT (user_id) DO UPDATE
      SET hours_with_play = d.hours_with_play + excluded.hours_with_play, updated_at = excluded.updated_at
  )
  INSERT INTO user_distinct_play_tracks AS d (user_id, track_count, updated_at)
  SELECT user_id, CASE WHEN has_tracks THEN adds ELSE 1 + adds END, last_at FROM per_user
  ON CONFLICT (user_id) DO UPDATE
    SET track_count = d.track_count + excluded.track_count, updated_at = excluded.updated_at;

  RETURN NULL;
END;
$$;

-- on_play's milestones apart (issue 19; docs/triggers.md "on_play"). 0014's one statement also carried the
-- milestone and notification inserts, which write a row only when a track's count crosses a threshold
-- (rare), yet every block paid for them: an empty transition of a data-modifying CTE still starts its
-- node and opens the table's indexes (notification has six). EXPLAIN ANALYZE on a warm mainnet-like
-- database: on_play 0.41 ms at 3 plays, ~0.19 ms of it with no rows at all. Now the statement returns the
-- tracks that crossed a threshold and a second statement writes their milestones and notifications only
-- then, in the order of the plays that crossed (production's row trigger order; 0014's was unspecified).
-- Same rows: test/indexer/plays-speed.test.ts holds this to 0007's four statements.
CREATE OR REPLACE FUNCTION handle_play_statement() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  hit_tracks integer[];
  hit_thresholds integer[];
  hit_ranks bigint[];
BEGIN
  WITH per_track AS (
    SELECT play_item_id, count(*) AS n FROM new_plays GROUP BY play_item_id
  ), counted AS (
    -- 1. aggregate_plays (milestones and their notifications: below, only when a threshold was crossed).
    INSERT INTO aggregate_plays AS a (play_item_id, count)
    SELECT play_item_id, n FROM per_track
    ON CONFLICT (play_item_id) DO UPDATE SET count = coalesce(a.count, 0) + excluded.count
    RETURNING a.play_item_id, a.count AS total
  ), monthly AS (
    -- 2. aggregate_monthly_plays per (track, month, country).
    INSERT INTO aggregate_monthly_plays AS m (play_item_id, "timestamp", country, count)
    SELECT play_item_id, date_trunc('month', created_at)::date, coalesce(country, ''), count(*)
    FROM new_plays GROUP BY 1, 2, 3
    ON CONFLICT (play_item_id, "timestamp", country) DO UPDATE SET count = m.count + excluded.count
  ), np AS MATERIALIZED (
    -- 5. The listeners' plays in insert order, one sort.
    SELECT id, user_id, play_item_id, created_at, date_trunc('hour', created_at) AS h,
           row_number() OVER w AS user_rn,
           max(date_trunc('hour', created_at)) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS batch_h
    FROM new_plays WHERE user_id IS NOT NULL
    WINDOW w AS (PARTITION BY user_id ORDER BY id)
  ), listeners AS (
    -- The per-user counters' stored rows, one probe per listener (LIMIT 1: a probe, never a join over
    -- the whole counter table, 0007).
    SELECT l.user_id, dh.user_id IS NOT NULL AS has_hours, date_trunc('hour', dh.updated_at::timestamp) AS stored_h,
           dt.user_id IS NOT NULL AS has_tracks
    FROM (SELECT DISTINCT user_id FROM np) l
    LEFT JOIN LATERAL (
      SELECT d.user_id, d.updated_at FROM user_distinct_play_hours d WHERE d.user_id = l.user_id LIMIT 1
    ) dh ON true
    LEFT JOIN LATERAL (
      SELECT d.user_id FROM user_distinct_play_tracks d WHERE d.user_id = l.user_id LIMIT 1
    ) dt ON true
  ), played AS (
    SELECT n.user_id, n.user_rn, n.created_at, l.has_tracks,
           -- 5a. A "new later hour" counter in insert order: the first play of a user without a row inserts
           -- (1, its hour); later plays count when their hour is later than the stored and earlier hours.
           CASE WHEN NOT l.has_hours AND n.user_rn = 1 THEN true
                ELSE n.h > greatest(coalesce(l.stored_h, '-infinity'::timestamp), coalesce(n.batch_h, '-infinity'::timestamp))
           END AS bumps,
           CASE WHEN NOT l.has_hours AND n.user_rn = 1 THEN n.h ELSE n.created_at END AS bump_at,
           -- 5b. The row trigger's visibility quirk: a play adds to the track count only if no OTHER plays
           -- row (this statement's included) has the same user and track. The first play of a listener
           -- without a row never adds (it inserts the row with 1), so it is not probed.
           CASE WHEN NOT (l.has_tracks OR n.user_rn > 1) THEN false
                ELSE NOT EXISTS (SELECT 1 FROM plays o
                                 WHERE o.user_id = n.user_id AND o.play_item_id = n.play_item_id AND o.id <> n.id)
           END AS adds
    FROM np n JOIN listeners l USING (user_id)
  ), per_user AS (
    SELECT user_id, bool_or(has_tracks) AS has_tracks,
           count(*) FILTER (WHERE bumps) AS bumps,
           (array_agg(bump_at ORDER BY user_rn DESC) FILTER (WHERE bumps))[1] AS last_bump_at,
           count(*) FILTER (WHERE adds) AS adds,
           (array_agg(created_at ORDER BY user_rn DESC))[1] AS last_at
    FROM played GROUP BY user_id
  ), hours AS (
    INSERT INTO user_distinct_play_hours AS d (user_id, hours_with_play, updated_at)
    SELECT user_id, bumps, last_bump_at FROM per_user WHERE bumps > 0
    ON CONFLICT (user_id) DO UPDATE
      SET hours_with_play = d.hours_with_play + excluded.hours_with_play, updated_at = excluded.updated_at
  ), tracks AS (
    INSERT INTO user_distinct_play_tracks AS d (user_id, track_count, updated_at)
    SELECT user_id, CASE WHEN has_tracks THEN adds ELSE 1 + adds END, last_at FROM per_user
    ON CONFLICT (user_id) DO UPDATE
      SET track_count = d.track_count + excluded.track_count, updated_at = excluded.updated_at
  )
  -- The thresholds crossed (rare): a threshold T is crossed when total − n < T ≤ total, and the play that
  -- reached it is the track's (T − (total − n))-th play in insert order (id), as the row trigger saw it.
  -- Their milestones are written below, by a statement that runs only then (an empty one still opened
  -- milestones and notification and its six indexes).
  SELECT array_agg(c.play_item_id), array_agg(m.t), array_agg(m.t - (c.total - p.n))
  INTO hit_tracks, hit_thresholds, hit_ranks
  FROM counted c
  JOIN per_track p USING (play_item_id)
  JOIN unnest('{10,25,50,100,250,500,1000,2500,5000,10000,25000,50000,100000,250000,500000,1000000}'::int[]) AS m(t)
    ON m.t > c.total - p.n AND m.t <= c.total;

  IF hit_tracks IS NOT NULL THEN
    WITH crossed AS (
      SELECT h.play_item_id, h.threshold, x.id, x.slot, x.created_at
      FROM unnest(hit_tracks, hit_thresholds, hit_ranks) AS h(play_item_id, threshold, rank)
      CROSS JOIN LATERAL (
        SELECT o.id, o.slot, o.created_at FROM new_plays o WHERE o.play_item_id = h.play_item_id
        ORDER BY o.id OFFSET h.rank - 1 LIMIT 1
      ) x
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
    JOIN LATERAL (
      SELECT t.owner_id FROM tracks t WHERE t.track_id = x.play_item_id AND t.is_current LIMIT 1
    ) t ON true
    -- In the order of the plays that crossed, as production's row trigger wrote them.
    ORDER BY x.id, x.threshold
    ON CONFLICT ON CONSTRAINT uq_notification DO NOTHING;
  END IF;

  RETURN NULL;
END;
$$;

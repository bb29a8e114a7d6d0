-- No decay as tables grow (bench `backfill.decayRatio`, docs/pipeline-decisions.md): the on_play fan-out
-- joined the per-user counter tables (and tracks, for milestone owners) as plain joins, which the planner
-- may run as a hash join over the whole counter table — work that grows with every user who ever played.
-- Each join is now a LATERAL probe of one key (LIMIT 1 keeps the subquery from being flattened back into
-- a join), so a statement costs the same at 1,000 users as at 1,000,000. Same rows as 0003's function.

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
  JOIN LATERAL (
    SELECT t.owner_id FROM tracks t WHERE t.track_id = x.play_item_id AND t.is_current LIMIT 1
  ) t ON true
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
    FROM p LEFT JOIN LATERAL (
      SELECT d.user_id, d.updated_at FROM user_distinct_play_hours d WHERE d.user_id = p.user_id LIMIT 1
    ) d ON true
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
    FROM flagged f LEFT JOIN LATERAL (
      SELECT d.user_id FROM user_distinct_play_tracks d WHERE d.user_id = f.user_id LIMIT 1
    ) d ON true
    GROUP BY f.user_id, d.user_id
  )
  INSERT INTO user_distinct_play_tracks AS d (user_id, track_count, updated_at)
  SELECT user_id, CASE WHEN has_row THEN adds ELSE 1 + adds END, last_at FROM summary
  ON CONFLICT (user_id) DO UPDATE
    SET track_count = d.track_count + excluded.track_count, updated_at = excluded.updated_at;

  RETURN NULL;
END;
$$;

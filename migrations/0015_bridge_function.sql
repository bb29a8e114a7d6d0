-- The plays bridge (src/indexer/plays-bridge.ts) as a function, for its plan: the statement is the same one
-- the bridge sent itself before (one per block, the unit on_play sees), but PL/pgSQL keeps its plan for the
-- session instead of planning it for every block (0.3–0.4 ms of about 1.1 ms at 3 plays per block, measured
-- with EXPLAIN ANALYZE after a mainnet-like backfill). The plan is generic: its shape (a sort per window,
-- one index probe per content key, a hash join on the key) does not depend on how many plays a block has.
-- docs/pipeline-decisions.md "The plays bridge".
CREATE OR REPLACE FUNCTION metronome_bridge_plays(
  in_users integer[], in_tracks integer[], in_created timestamptz[], in_signatures text[],
  in_cities text[], in_regions text[], in_countries text[], in_height bigint, in_time timestamptz
) RETURNS bigint LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
DECLARE
  inserted bigint;
BEGIN
  -- Keys are grouped on the stored values: two spellings of one instant are one key. `present` probes plays
  -- by (created_at, track) — ix_plays_created_at, which production has — and only keys with rows present
  -- need the etl_plays count (etl_plays_content_idx). MATERIALIZED: each key is probed once.
  WITH b AS (
    SELECT u, t, c AT TIME ZONE 'UTC' AS c, s, ci, re, co, ord
    FROM unnest(in_users, in_tracks, in_created, in_signatures, in_cities, in_regions, in_countries)
         WITH ORDINALITY AS p(u, t, c, s, ci, re, co, ord)
  ), r AS (
    SELECT b.*, dense_rank() OVER (ORDER BY t, c, s, u) AS kid,
           row_number() OVER (PARTITION BY t, c, s, u ORDER BY ord) AS rn
    FROM b
  ), k AS (
    SELECT DISTINCT ON (kid) kid, t, c, s, u FROM r ORDER BY kid
  ), present AS MATERIALIZED (
    SELECT k.*, (SELECT count(*) FROM plays p
                 WHERE p.created_at = k.c AND p.play_item_id = k.t
                   AND p.signature IS NOT DISTINCT FROM k.s AND p.user_id IS NOT DISTINCT FROM k.u) AS n
    FROM k
  ), theirs AS MATERIALIZED (
    SELECT x.kid, x.n - (SELECT count(*) FROM etl_plays e
                         WHERE e.skip_reason IS NULL AND e.played_at = x.c AND metronome_int4(e.track_id) = x.t
                           AND e.signature IS NOT DISTINCT FROM x.s
                           AND metronome_int4(e.address) IS NOT DISTINCT FROM x.u
                           AND e.block_height < in_height) AS n
    FROM present x WHERE x.n > 0
  ), ins AS (
    INSERT INTO plays (user_id, source, play_item_id, created_at, updated_at, slot, signature, city, region, country)
    SELECT r.u, 'relay', r.t, r.c, in_time AT TIME ZONE 'UTC', in_height, r.s, r.ci, r.re, r.co
    FROM r LEFT JOIN theirs USING (kid)
    WHERE r.rn > coalesce(theirs.n, 0)
    ORDER BY r.ord
    RETURNING 1
  )
  SELECT count(*) INTO inserted FROM ins;
  RETURN inserted;
END
$$;

-- Plays as a multiset (issue 17). A chain play is identified by its position (height, tx, play), not by
-- its content: anonymous listeners of one track in one second, or a play repeated inside one tx, are
-- identical on (play_item_id, created_at, signature, user_id) and every one of them counts. So:
--  * the content-unique index goes (a production clone holding such plays could never build it);
--  * the bridge writes, per content key, the chain's count minus the rows already there (the other
--    writer's), under one transaction-scoped advisory lock;
--  * the other writer's inserts pass a guard that takes the same lock and drops a row that would push a
--    key past the chain's count of plays we already indexed (docs/pipeline-decisions.md, "plays multiset").
-- Nothing here builds an index on `plays` or deletes a row. The one new index is on etl_plays, which only
-- metronome writes (0001 created it; the migration runs while the indexer is stopped).

DROP INDEX IF EXISTS plays_natural_key_uniq;

-- parseInt4 (src/chain/text.ts) in SQL: a decimal fitting integer, else NULL. Nested CASE so the cast is
-- only evaluated on text the pattern accepted.
CREATE OR REPLACE FUNCTION metronome_int4(s text) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE WHEN s ~ '^[+-]?[0-9]{1,19}$' THEN
    CASE WHEN s::numeric BETWEEN -2147483648 AND 2147483647 THEN s::numeric::integer END
  END
$$;

-- The chain's count of a content key among the plays we indexed: etl_plays by timestamp, the rest of the
-- key filtered. Not an expression index: every etl_plays insert would call metronome_int4 (SQL functions
-- are not inlined into index maintenance), and only collisions and the other writer's inserts look here.
CREATE INDEX IF NOT EXISTS etl_plays_content_idx ON etl_plays (played_at) WHERE skip_reason IS NULL;

-- The other writer's inserts (anything but the bridge, which marks its transaction) pass this guard.
CREATE OR REPLACE FUNCTION plays_other_writer_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  chain_n bigint;
  present_n bigint;
BEGIN
  -- The bridge's lock (plays-bridge.ts PLAYS_LOCK_KEY): a bridge that counted before us has committed
  -- when we get it, and the next statements take fresh snapshots (READ COMMITTED) that see its rows.
  PERFORM pg_advisory_xact_lock(7361828);
  SELECT count(*) INTO chain_n FROM etl_plays e
  WHERE e.skip_reason IS NULL AND e.played_at = NEW.created_at
    AND metronome_int4(e.track_id) = NEW.play_item_id
    AND e.signature IS NOT DISTINCT FROM NEW.signature
    AND metronome_int4(e.address) IS NOT DISTINCT FROM NEW.user_id;
  -- Not indexed yet: the other writer is ahead of us; the bridge will count this row when it gets there.
  IF chain_n = 0 THEN
    RETURN NEW;
  END IF;
  SELECT count(*) INTO present_n FROM plays p
  WHERE p.created_at = NEW.created_at AND p.play_item_id = NEW.play_item_id
    AND p.signature IS NOT DISTINCT FROM NEW.signature AND p.user_id IS NOT DISTINCT FROM NEW.user_id;
  -- Every indexed chain play with this content already has its row: this one would be counted twice.
  -- (A copy of a later, not yet indexed play is dropped too; the bridge writes it when it gets there.)
  IF present_n >= chain_n THEN
    RETURN NULL;
  END IF;
  RETURN NEW;
END;
$$;

DROP TRIGGER IF EXISTS plays_other_writer ON plays;
CREATE TRIGGER plays_other_writer BEFORE INSERT ON plays FOR EACH ROW
  WHEN (current_setting('metronome.plays_bridge', true) IS DISTINCT FROM 'on')
  EXECUTE FUNCTION plays_other_writer_guard();

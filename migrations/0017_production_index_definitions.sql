-- metronome:no-transaction
-- Four of production's indexes were defined differently on a fresh database (0003, 0004, 0006 are
-- checksummed and stay as they are); this makes them production's. On production's own database every
-- statement finds production's definition already and does nothing (no build, no lock). Each statement is
-- idempotent, so a crashed run resumes by running the file again. test/production/cutover.test.ts compares
-- every index both databases have. docs/schema.md, "Index definitions: production's (0017)".

-- GIN on notification.user_ids: production's dump creates both with GIN's default fastupdate (on); 0003/0006
-- set fastupdate = off, so every notification insert merged into the posting lists inline (ginInsert was
-- about 11% of the server's time on the ManageEntity-heavy bench). A scan reads the pending list too, so
-- results never depend on the option. ix_notification_challenge_reward_user_ids is ours alone and keeps it.
DO $$
DECLARE
  ix text;
BEGIN
  FOREACH ix IN ARRAY ARRAY['ix_notification', 'ix_notification_cooldown_user_ids'] LOOP
    IF EXISTS (SELECT 1 FROM pg_class c WHERE c.relname = ix AND c.relnamespace = current_schema()::regnamespace
               AND 'fastupdate=off' = ANY (c.reloptions)) THEN
      EXECUTE format('ALTER INDEX %I RESET (fastupdate)', ix);
    END IF;
  END LOOP;
END $$;

-- saves_item_idx and reposts_item_idx: 0004 made them partial on (item, type) WHERE is_current AND NOT
-- is_delete; production's are (item, type, user_id, is_delete) on every row, which answers the same
-- count/exists probes (is_delete in the index, is_current from the heap). Ours is renamed aside, production's
-- built CONCURRENTLY under the name (writers go on), then ours dropped CONCURRENTLY.
DO $$
DECLARE
  ix text;
BEGIN
  FOREACH ix IN ARRAY ARRAY['saves_item_idx', 'reposts_item_idx'] LOOP
    IF EXISTS (SELECT 1 FROM pg_indexes WHERE schemaname = current_schema() AND indexname = ix
               AND indexdef LIKE '%WHERE%') THEN
      EXECUTE format('ALTER INDEX %I RENAME TO %I', ix, ix || '_0004');
    END IF;
  END LOOP;
END $$;
CREATE INDEX CONCURRENTLY IF NOT EXISTS saves_item_idx ON saves (save_item_id, save_type, user_id, is_delete);
CREATE INDEX CONCURRENTLY IF NOT EXISTS reposts_item_idx ON reposts (repost_item_id, repost_type, user_id, is_delete);
DROP INDEX CONCURRENTLY IF EXISTS saves_item_idx_0004;
DROP INDEX CONCURRENTLY IF EXISTS reposts_item_idx_0004;

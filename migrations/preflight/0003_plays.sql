-- metronome:placeholder plays_natural_key_uniq
-- Preflight (src/db/migrate.ts, docs/schema.md "Preflights"): runs in 0003's transaction whenever 0003 is
-- pending. 0003 is checksummed and names a unique index on (play_item_id, created_at, signature, user_id);
-- production's `plays` holds rows sharing that key (anonymous bursts, repeats in one tx), so on a clone the
-- build fails, and 0008 drops that index anyway (plays are a multiset, docs/pipeline-decisions.md). Where
-- `plays` already exists and nothing holds the name, a placeholder sequence takes it: 0003's
-- CREATE UNIQUE INDEX IF NOT EXISTS then skips, with no scan and no lock on `plays`. The directive above
-- tells the runner not to prebuild that index concurrently either. 0008's preflight removes the placeholder.
DO $$
BEGIN
  IF to_regclass('plays') IS NOT NULL AND to_regclass('plays_natural_key_uniq') IS NULL THEN
    CREATE SEQUENCE plays_natural_key_uniq;
  END IF;
END $$;

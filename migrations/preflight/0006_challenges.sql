-- Preflight (src/db/migrate.ts, docs/schema.md "Preflights"): runs in the same transaction right before
-- 0006_challenges.sql whenever it is pending; its own checksum is recorded beside the migration's. 0006_challenges.sql is
-- checksummed and may never change, yet its CREATE TABLE IF NOT EXISTS is a no-op on a production table
-- of an older shape, and its indexes then name columns that table lacks. This adds exactly those
-- columns, only where the table exists and lacks them (a catalog check first: no lock otherwise).
CREATE OR REPLACE FUNCTION pg_temp.preflight_add_column(t text, c text, spec text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF to_regclass(t) IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass(t) AND attname = c AND attnum > 0 AND NOT attisdropped) THEN
    EXECUTE format('ALTER TABLE %I ADD COLUMN %I %s', t, c, spec);
  END IF;
END $$;

-- ix_user_events_referrer and ix_tracks_pinned_comment.
SELECT pg_temp.preflight_add_column('user_events', 'referrer', 'integer');
SELECT pg_temp.preflight_add_column('tracks', 'pinned_comment_id', 'integer');

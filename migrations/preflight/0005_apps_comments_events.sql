-- Preflight (src/db/migrate.ts, docs/schema.md "Preflights"): runs in the same transaction right before
-- 0005_apps_comments_events.sql whenever it is pending; its own checksum is recorded beside the migration's. 0005_apps_comments_events.sql is
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

-- comments_entity_idx and events_entity_idx.
SELECT pg_temp.preflight_add_column('comments', 'entity_type', 'text');
SELECT pg_temp.preflight_add_column('events', 'is_deleted', 'boolean DEFAULT false');
-- associated_wallets_wallet_idx.
SELECT pg_temp.preflight_add_column('associated_wallets', 'chain', 'varchar');

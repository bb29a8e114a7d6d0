-- Preflight of 0008: removes the placeholder sequence 0003's preflight may have created under the name of
-- the unique index 0008 drops (0008's DROP INDEX IF EXISTS would refuse a relation that is not an index).
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_class WHERE oid = to_regclass('plays_natural_key_uniq') AND relkind = 'S') THEN
    DROP SEQUENCE plays_natural_key_uniq;
  END IF;
END $$;

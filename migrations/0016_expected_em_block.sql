-- A group's ManageEntity blocks after its first take their em_block (blocks.number) in the statement that
-- also checks it: the indexer has already written the block's rows with the number it expects (the previous
-- block's plus one, src/indexer/em-txs.ts "the line"), so a different answer — another writer took MAX+1
-- in between, or the hash has a number already — must undo the block. It raises, inside the block's
-- savepoint; the indexer rolls the block back and replays it on the careful path with the number it gets.
-- No table changes; idempotent.
CREATE OR REPLACE FUNCTION metronome_expect_em_block(blockhash text, got integer, expected integer)
  RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
  IF got IS DISTINCT FROM expected THEN
    RAISE EXCEPTION 'em_block of % is %, the block was applied as %', blockhash, coalesce(got::text, 'not taken'), expected
      USING ERRCODE = 'P0001', HINT = 'replayed on the careful path with the number it takes';
  END IF;
  RETURN got;
END $$;

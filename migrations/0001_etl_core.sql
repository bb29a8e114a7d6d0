-- Chain bookkeeping: raw ETL tables and the em_block ledger.
-- Every statement is idempotent so this can run on a production clone that already has these objects.
-- Timestamps are written from block time, never now(), so a seed replays byte-identically.

CREATE TABLE IF NOT EXISTS etl_blocks (
  id bigserial PRIMARY KEY,
  proposer_address text NOT NULL DEFAULT '',
  block_height bigint NOT NULL,
  block_time timestamp NOT NULL,
  created_at timestamp,
  updated_at timestamp
);
-- One row per chain height: the insert doubles as the "already indexed?" check.
CREATE UNIQUE INDEX IF NOT EXISTS etl_blocks_block_height_uniq ON etl_blocks (block_height);

CREATE TABLE IF NOT EXISTS blocks (
  blockhash varchar PRIMARY KEY,
  parenthash varchar,
  number integer,
  is_current boolean
);
-- Production FKs target blocks(number); it must be unique for MAX+1 under concurrent writers.
CREATE UNIQUE INDEX IF NOT EXISTS blocks_number_uniq ON blocks (number);

CREATE TABLE IF NOT EXISTS core_indexed_blocks (
  id bigserial PRIMARY KEY,
  blockhash text NOT NULL,
  chain_id text NOT NULL,
  height bigint NOT NULL,
  em_block integer
);
CREATE UNIQUE INDEX IF NOT EXISTS core_indexed_blocks_chain_height_uniq ON core_indexed_blocks (chain_id, height);
CREATE INDEX IF NOT EXISTS core_indexed_blocks_em_block_idx ON core_indexed_blocks (em_block) WHERE em_block IS NOT NULL;

-- One row per chain tx: what was on chain and what we did with it.
-- outcome: applied | rejected (validation, reason_code + reason) | failed (hard error, rolled back) | unrouted.
CREATE TABLE IF NOT EXISTS etl_transactions (
  id bigserial PRIMARY KEY,
  tx_hash text NOT NULL,
  block_height bigint NOT NULL,
  tx_index integer NOT NULL,
  tx_type text NOT NULL DEFAULT '',
  address text,
  created_at timestamp NOT NULL,
  outcome text NOT NULL DEFAULT 'applied',
  reason_code text,
  reason text,
  entity_type text,
  action text
);
CREATE UNIQUE INDEX IF NOT EXISTS etl_transactions_height_index_uniq ON etl_transactions (block_height, tx_index);
CREATE INDEX IF NOT EXISTS etl_transactions_tx_hash_idx ON etl_transactions (tx_hash);
CREATE INDEX IF NOT EXISTS etl_transactions_outcome_idx ON etl_transactions (outcome) WHERE outcome <> 'applied';

CREATE TABLE IF NOT EXISTS etl_addresses (
  address text PRIMARY KEY,
  pub_key text,
  first_seen_block_height bigint NOT NULL,
  created_at timestamp NOT NULL
);

CREATE TABLE IF NOT EXISTS etl_manage_entities (
  id bigserial PRIMARY KEY,
  address text NOT NULL,
  entity_type text NOT NULL,
  entity_id bigint,
  user_id bigint,
  action text NOT NULL,
  metadata text,
  signature text,
  signer text,
  nonce text,
  block_height bigint NOT NULL,
  tx_hash text NOT NULL,
  tx_index integer NOT NULL,
  created_at timestamp NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS etl_manage_entities_height_index_uniq ON etl_manage_entities (block_height, tx_index);

-- Every play as it came on chain (strings kept as sent). skip_reason is set when the play could not be
-- bridged into plays (e.g. a non-integer track id); NULL means it must be in plays exactly once.
CREATE TABLE IF NOT EXISTS etl_plays (
  id bigserial PRIMARY KEY,
  address text NOT NULL,
  track_id text NOT NULL,
  city text NOT NULL DEFAULT '',
  region text NOT NULL DEFAULT '',
  country text NOT NULL DEFAULT '',
  played_at timestamp,
  block_height bigint NOT NULL,
  tx_hash text NOT NULL,
  tx_index integer NOT NULL,
  play_index integer NOT NULL,
  signature text,
  listened_at timestamp,
  recorded_at timestamp NOT NULL,
  skip_reason text
);
CREATE UNIQUE INDEX IF NOT EXISTS etl_plays_position_uniq ON etl_plays (block_height, tx_index, play_index);

-- Per-block figures the indexer computed while the block was open; committed with the block.
CREATE TABLE IF NOT EXISTS metronome_block_stats (
  block_height bigint PRIMARY KEY,
  em_block integer,
  txs integer NOT NULL,
  em_txs integer NOT NULL,
  applied integer NOT NULL,
  rejected integer NOT NULL,
  failed integer NOT NULL,
  unrouted integer NOT NULL,
  plays integer NOT NULL,
  plays_bridged integer NOT NULL,
  plays_skipped integer NOT NULL,
  play_collisions integer NOT NULL
);

-- Heights the record-and-continue policy gave up on. Never a silent skip: each one is a row here.
CREATE TABLE IF NOT EXISTS metronome_block_gaps (
  block_height bigint PRIMARY KEY,
  error text NOT NULL,
  attempts integer NOT NULL DEFAULT 1,
  recorded_at timestamp NOT NULL
);

import type { ColumnType, Generated } from 'kysely';

/** bigint columns holding heights, counts and serial ids: read as numbers (see db/connect.ts). */
export type Int8 = ColumnType<number, number | bigint | string, number | bigint | string>;
/** bigint columns that may hold any int64 from the chain: read as a number only when it is safe. */
export type WideInt8 = ColumnType<number | string, number | bigint | string, number | bigint | string>;
/** timestamp without time zone: written as an ISO string, read back as a Date by `pg`. */
export type Timestamp = ColumnType<Date, string | Date, string | Date>;

export interface EtlBlocksTable {
  id: Generated<Int8>;
  proposer_address: Generated<string>;
  block_height: Int8;
  block_time: Timestamp;
  created_at: Timestamp | null;
  updated_at: Timestamp | null;
}

export interface BlocksTable {
  blockhash: string;
  parenthash: string | null;
  number: number | null;
  is_current: boolean | null;
}

export interface CoreIndexedBlocksTable {
  id: Generated<Int8>;
  blockhash: string;
  chain_id: string;
  /** integer in production (0009); the primary key is (chain_id, height) as there. */
  height: Int8;
  em_block: number | null;
  // Production's columns (0009) we do not write.
  parenthash: string | null;
  plays_slot: Generated<number | null>;
}

export type TxOutcome = 'applied' | 'rejected' | 'failed' | 'unrouted';

export interface EtlTransactionsTable {
  id: Generated<Int8>;
  tx_hash: string;
  block_height: Int8;
  tx_index: number;
  tx_type: Generated<string>;
  address: string | null;
  created_at: Timestamp;
  outcome: Generated<TxOutcome>;
  reason_code: string | null;
  reason: string | null;
  entity_type: string | null;
  action: string | null;
}

export interface EtlAddressesTable {
  address: string;
  pub_key: string | null;
  first_seen_block_height: Int8;
  created_at: Timestamp;
}

export interface EtlManageEntitiesTable {
  id: Generated<Int8>;
  address: string;
  entity_type: string;
  entity_id: WideInt8 | null;
  user_id: WideInt8 | null;
  action: string;
  metadata: string | null;
  signature: string | null;
  signer: string | null;
  nonce: string | null;
  block_height: Int8;
  tx_hash: string;
  tx_index: number;
  created_at: Timestamp;
}

export interface EtlPlaysTable {
  id: Generated<Int8>;
  address: string;
  track_id: string;
  city: Generated<string>;
  region: Generated<string>;
  country: Generated<string>;
  played_at: Timestamp | null;
  block_height: Int8;
  tx_hash: string;
  tx_index: number;
  play_index: number;
  signature: string | null;
  listened_at: Timestamp | null;
  recorded_at: Timestamp;
  skip_reason: string | null;
}

export interface BlockStatsTable {
  block_height: Int8;
  em_block: number | null;
  txs: number;
  em_txs: number;
  applied: number;
  rejected: number;
  failed: number;
  unrouted: number;
  plays: number;
  plays_bridged: number;
  plays_skipped: number;
  play_collisions: number;
}

export interface BlockGapsTable {
  block_height: Int8;
  error: string;
  attempts: Generated<number>;
  recorded_at: Timestamp;
}

export interface EtlTables {
  etl_blocks: EtlBlocksTable;
  blocks: BlocksTable;
  core_indexed_blocks: CoreIndexedBlocksTable;
  etl_transactions: EtlTransactionsTable;
  etl_addresses: EtlAddressesTable;
  etl_manage_entities: EtlManageEntitiesTable;
  etl_plays: EtlPlaysTable;
  metronome_block_stats: BlockStatsTable;
  metronome_block_gaps: BlockGapsTable;
}

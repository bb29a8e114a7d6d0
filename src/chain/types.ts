// The block as the indexer sees it, decoded from the Core RPC's proto3 JSON
// (docs/spec.md#core-rpc-block-shape). Decoding is total: whatever a tx carries, it becomes one of these
// variants, so a hostile payload is recorded and rejected per tx, never a crashed block.

export interface Block {
  /** Chain height (not em_block). Heights fit comfortably in a double. */
  readonly height: number;
  /** Lower-cased hex; the node emits either case. */
  readonly hash: string;
  readonly chainId: string;
  readonly proposer: string;
  /** RFC 3339 in UTC (`Z`), normalised by the decoder; written into `timestamp without time zone` as UTC wall time. */
  readonly timestamp: string;
  /** In the order the node returned them; tx_index is the position here. */
  readonly txs: readonly Tx[];
}

export type Tx = ManageEntityTx | PlaysTx | OtherTx;

interface TxBase {
  /** Lower-cased hex. */
  readonly hash: string;
}

/** Fields exactly as on the wire. Ids stay strings so out-of-range or junk values can be rejected per tx. */
export interface ManageEntity {
  readonly userId: string;
  readonly entityType: string;
  readonly entityId: string;
  readonly action: string;
  readonly metadata: string;
  readonly signature: string;
  readonly signer: string;
  readonly nonce: string;
}

export interface ManageEntityTx extends TxBase {
  readonly kind: 'manage_entity';
  /** `manage_entity_migration` txs (genesis replay) carry the same fields. */
  readonly migration: boolean;
  readonly manageEntity: ManageEntity;
}

export interface Play {
  readonly userId: string;
  readonly trackId: string;
  /** RFC 3339, or '' when the node sent none. */
  readonly timestamp: string;
  readonly signature: string;
  readonly city: string;
  readonly region: string;
  readonly country: string;
}

export interface PlaysTx extends TxBase {
  readonly kind: 'plays';
  readonly plays: readonly Play[];
}

/** Validator, SLA, storage-proof, release, reward… recorded in etl_transactions only. */
export interface OtherTx extends TxBase {
  readonly kind: 'other';
  /** etl_transactions.tx_type, e.g. `sla_rollup`, or `unknown` when no known oneof key was present. */
  readonly txType: string;
}

export function isManageEntity(tx: Tx): tx is ManageEntityTx {
  return tx.kind === 'manage_entity';
}

// The Core RPC's proto3 JSON shapes (core.v1.CoreService over Connect), as far as we read them.
// Every field is optional and `unknown`-typed at the edges: the decoder checks, it never trusts.

export interface WireTrackPlay {
  userId?: unknown;
  trackId?: unknown;
  timestamp?: unknown;
  signature?: unknown;
  city?: unknown;
  region?: unknown;
  country?: unknown;
}

export interface WireManageEntity {
  userId?: unknown;
  entityType?: unknown;
  entityId?: unknown;
  action?: unknown;
  metadata?: unknown;
  signature?: unknown;
  signer?: unknown;
  nonce?: unknown;
}

export interface WireSignedTransaction {
  signature?: unknown;
  requestId?: unknown;
  plays?: { plays?: unknown } | null;
  manageEntity?: WireManageEntity | null;
  manageEntityMigration?: WireManageEntity | null;
  [oneof: string]: unknown;
}

export interface WireTransaction {
  hash?: unknown;
  transaction?: WireSignedTransaction | null;
  chainId?: unknown;
  height?: unknown;
  blockHash?: unknown;
  timestamp?: unknown;
  transactionv2?: unknown;
}

export interface WireBlock {
  height?: unknown;
  hash?: unknown;
  chainId?: unknown;
  proposer?: unknown;
  timestamp?: unknown;
  transactions?: unknown;
}

export interface WireGetBlockResponse {
  block?: WireBlock | null;
  currentHeight?: unknown;
}

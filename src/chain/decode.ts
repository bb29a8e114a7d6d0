// Proto3 JSON (GetBlock response) → Block. A malformed block envelope is a DecodeError naming the
// height (the block is retried, never skipped); a malformed tx payload is kept as a tx whose fields
// are strings the indexer will reject and record — one hostile tx cannot stop a block.
import { isRfc3339 } from './text.js';
import type { Block, ManageEntity, Play, Tx } from './types.js';
import type {
  WireBlock,
  WireGetBlockResponse,
  WireManageEntity,
  WireSignedTransaction,
  WireTrackPlay,
} from './wire.js';

export class DecodeError extends Error {
  override name = 'DecodeError';
}

/** Oneof keys of SignedTransaction and the etl_transactions.tx_type each is recorded as. */
const OTHER_TX_TYPES: Readonly<Record<string, string>> = {
  validatorRegistration: 'validator_registration_legacy',
  slaRollup: 'sla_rollup',
  validatorDeregistration: 'validator_misbehavior_deregistration',
  storageProof: 'storage_proof',
  storageProofVerification: 'storage_proof_verification',
  attestation: 'attestation',
  release: 'release',
  reward: 'reward',
  fileUpload: 'file_upload',
  rewardPool: 'reward_pool',
};

export type DecodedResponse =
  | { readonly status: 'block'; readonly block: Block; readonly chainHead: number | undefined }
  | { readonly status: 'not-yet'; readonly chainHead: number | undefined };

export function decodeGetBlockResponse(body: unknown, requestedHeight: number): DecodedResponse {
  if (!isRecord(body)) throw new DecodeError(`height ${requestedHeight}: response is not a JSON object`);
  const resp = body as WireGetBlockResponse;
  const head = optionalInt(resp.currentHeight);
  // The node answers a future height with a placeholder block of height -1 and currentHeight "0".
  const chainHead = head !== undefined && head > 0 ? head : undefined;
  if (resp.block === null || resp.block === undefined) return { status: 'not-yet', chainHead };
  const height = optionalInt(resp.block.height);
  if (height === undefined)
    throw new DecodeError(`height ${requestedHeight}: block.height is missing or not an int64`);
  if (height < 0) return { status: 'not-yet', chainHead };
  const block = decodeBlock(resp.block, requestedHeight);
  return { status: 'block', block, chainHead };
}

export function decodeBlock(wire: WireBlock, requestedHeight: number): Block {
  const at = `height ${requestedHeight}`;
  const height = optionalInt(wire.height);
  if (height === undefined) throw new DecodeError(`${at}: block.height is missing or not an int64`);
  if (height !== requestedHeight) throw new DecodeError(`${at}: node returned block ${height}`);
  const hash = str(wire.hash);
  if (!/^[0-9a-fA-F]{1,128}$/.test(hash)) throw new DecodeError(`${at}: block.hash is not hex`);
  const timestamp = str(wire.timestamp);
  if (!isRfc3339(timestamp)) throw new DecodeError(`${at}: block.timestamp is not RFC 3339`);
  const rawTxs = wire.transactions ?? [];
  if (!Array.isArray(rawTxs)) throw new DecodeError(`${at}: block.transactions is not an array`);
  const txs: Tx[] = rawTxs.map((t, i) => decodeTx(t, `${at} tx ${i}`));
  return {
    height,
    hash: hash.toLowerCase(),
    chainId: str(wire.chainId),
    proposer: str(wire.proposer).toLowerCase(),
    timestamp: toUtc(timestamp),
    txs,
  };
}

function decodeTx(raw: unknown, at: string): Tx {
  if (!isRecord(raw)) throw new DecodeError(`${at}: transaction is not an object`);
  const hash = str(raw.hash).toLowerCase();
  if (hash === '') throw new DecodeError(`${at}: transaction hash is missing`);
  const signed = isRecord(raw.transaction) ? (raw.transaction as WireSignedTransaction) : undefined;
  if (!signed) return { kind: 'other', hash, txType: 'unknown' };
  if (isRecord(signed.manageEntity)) {
    return {
      kind: 'manage_entity',
      hash,
      migration: false,
      manageEntity: decodeManageEntity(signed.manageEntity),
    };
  }
  if (isRecord(signed.manageEntityMigration)) {
    return {
      kind: 'manage_entity',
      hash,
      migration: true,
      manageEntity: decodeManageEntity(signed.manageEntityMigration),
    };
  }
  if (isRecord(signed.plays)) {
    const list = signed.plays.plays ?? [];
    const plays = Array.isArray(list) ? list.map(decodePlay) : [];
    return { kind: 'plays', hash, plays };
  }
  for (const [key, txType] of Object.entries(OTHER_TX_TYPES)) {
    if (isRecord(signed[key])) return { kind: 'other', hash, txType };
  }
  return { kind: 'other', hash, txType: 'unknown' };
}

function decodeManageEntity(w: WireManageEntity): ManageEntity {
  return {
    userId: scalar(w.userId),
    entityType: str(w.entityType),
    entityId: scalar(w.entityId),
    action: str(w.action),
    metadata: str(w.metadata),
    signature: str(w.signature),
    signer: str(w.signer),
    nonce: str(w.nonce),
  };
}

function decodePlay(raw: unknown): Play {
  const w: WireTrackPlay = isRecord(raw) ? raw : {};
  const ts = str(w.timestamp);
  return {
    userId: scalar(w.userId),
    trackId: scalar(w.trackId),
    timestamp: isRfc3339(ts) ? ts : '',
    signature: str(w.signature),
    city: str(w.city),
    region: str(w.region),
    country: str(w.country),
  };
}

/** RFC 3339 with an offset → the same instant with `Z`; already-UTC text is kept (it may carry µs). */
export function toUtc(ts: string): string {
  if (ts.endsWith('Z')) return ts;
  return new Date(ts).toISOString();
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** int64 fields are JSON strings; numbers are tolerated. Anything else becomes '' and is rejected later. */
function scalar(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return '';
}

function optionalInt(v: unknown): number | undefined {
  const s = scalar(v);
  if (!/^-?\d{1,16}$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

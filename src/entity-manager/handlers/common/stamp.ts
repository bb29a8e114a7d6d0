import type { EmParams } from '../../types.js';
import { jsonbText } from './jsonb.js';

/** The chain columns every domain row written by a tx carries (blocknumber = em_block). */
export function chainStamp(p: EmParams) {
  return { blockhash: p.blockHash, blocknumber: p.blockNumber, txhash: p.txHash };
}

/** created_at/updated_at from block time, never the wall clock. */
export function times(p: EmParams) {
  return { created_at: p.blockTime, updated_at: p.blockTime };
}

/** Empty strings are stored as NULL (docs/spec.md#empty-strings-are-null). */
export function orNull(s: string): string | null {
  return s === '' ? null : s;
}

export function jsonOrNull(v: unknown): string | null {
  return jsonbText(v);
}

import { sql } from 'kysely';
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

/** `is_current` as the predicate of an ON CONFLICT arbiter on a partial unique index. A literal, not a
 * parameter: should the text ever run as a prepared statement (a pooler or driver that prepares), its
 * generic plan cannot prove the partial index applies from `is_current = $1`, and the server refuses the
 * ON CONFLICT (42P10) — docs/pipeline-decisions.md. */
export const CURRENT_ROW = sql.lit(true);

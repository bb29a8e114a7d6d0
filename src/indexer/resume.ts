// Where to start: after the last indexed height; on a production clone with an empty etl_blocks, after
// core_indexed_blocks for this chain; otherwise the configured start. An explicit start always wins
// (re-indexing is idempotent: an already-indexed height changes nothing).
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';

export type ResumeReason = 'explicit' | 'etl_blocks' | 'core_indexed_blocks' | 'configured-default';

export interface ResumePoint {
  readonly height: number;
  readonly reason: ResumeReason;
}

export async function resolveStartHeight(
  db: Kysely<Database>,
  chainId: string,
  opts: { explicitStart?: number; defaultStart?: number } = {},
): Promise<ResumePoint> {
  if (opts.explicitStart !== undefined) return { height: opts.explicitStart, reason: 'explicit' };
  const etl = await sql<{ max: number | null }>`SELECT MAX(block_height) AS max FROM etl_blocks`.execute(db);
  const maxEtl = etl.rows[0]?.max;
  if (maxEtl !== null && maxEtl !== undefined) return { height: Number(maxEtl) + 1, reason: 'etl_blocks' };
  const core = await sql<{ max: number | null }>`
    SELECT MAX(height) AS max FROM core_indexed_blocks WHERE chain_id = ${chainId}`.execute(db);
  const maxCore = core.rows[0]?.max;
  if (maxCore !== null && maxCore !== undefined)
    return { height: Number(maxCore) + 1, reason: 'core_indexed_blocks' };
  return { height: opts.defaultStart ?? 1, reason: 'configured-default' };
}

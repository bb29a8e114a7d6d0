// Where to start: after the last indexed height; on a production clone with an empty etl_blocks, after
// core_indexed_blocks for this chain; otherwise the configured start. An explicit start at or below the
// resume point re-indexes (idempotent: an already-indexed height changes nothing); above it, the heights in
// between would never be indexed, so the result names them (`skipped`) and the run loop refuses unless the
// operator allowed the gap.
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';

export type ResumeReason = 'explicit' | 'etl_blocks' | 'core_indexed_blocks' | 'configured-default';

export interface ResumePoint {
  readonly height: number;
  readonly reason: ResumeReason;
  /** An explicit start above the resume point: these heights (inclusive) would be left out. */
  readonly skipped?: { readonly from: number; readonly to: number };
}

export async function resolveStartHeight(
  db: Kysely<Database>,
  chainId: string,
  opts: { explicitStart?: number; defaultStart?: number } = {},
): Promise<ResumePoint> {
  const resume = await resumePoint(db, chainId, opts.defaultStart ?? 1);
  const start = opts.explicitStart;
  if (start === undefined) return resume;
  // On an empty database an explicit start is where indexing begins: nothing is left behind it.
  if (resume.reason === 'configured-default' || start <= resume.height)
    return { height: start, reason: 'explicit' };
  return { height: start, reason: 'explicit', skipped: { from: resume.height, to: start - 1 } };
}

async function resumePoint(
  db: Kysely<Database>,
  chainId: string,
  defaultStart: number,
): Promise<ResumePoint> {
  const etl = await sql<{ max: number | null }>`SELECT MAX(block_height) AS max FROM etl_blocks`.execute(db);
  const maxEtl = etl.rows[0]?.max;
  if (maxEtl !== null && maxEtl !== undefined) return { height: Number(maxEtl) + 1, reason: 'etl_blocks' };
  const core = await sql<{ max: number | null }>`
    SELECT MAX(height) AS max FROM core_indexed_blocks WHERE chain_id = ${chainId}`.execute(db);
  const maxCore = core.rows[0]?.max;
  if (maxCore !== null && maxCore !== undefined)
    return { height: Number(maxCore) + 1, reason: 'core_indexed_blocks' };
  return { height: defaultStart, reason: 'configured-default' };
}

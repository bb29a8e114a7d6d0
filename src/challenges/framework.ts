// The processor contract and the incremental dirty-set pattern (docs/spec.md#incremental-dirty-scans).
//
// A dirty scan returns the source rows whose blocknumber is past the checkpoint, ordered by blocknumber
// and capped; the processor re-derives full state for the keys (users) they name and upserts it; the
// checkpoint moves to the high-water mark in the same transaction, and only forward.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Logger } from '../deps/logger.js';
import { advanceCheckpoint, readCheckpoint } from './checkpoints.js';

/** Production's dirtyScanBatch. */
export const DIRTY_SCAN_BATCH = 5000;

export interface ProcessorContext {
  readonly logger: Logger;
  /** Dirty rows read per tick; tests shrink it to exercise the cap without 5,000 rows. */
  readonly batch: number;
}

export interface CheckpointSpec {
  readonly name: string;
  /** The largest value this checkpoint may hold: what the sources have committed (seed and invariant). */
  readonly maxSql: string;
}

export interface ProcessorResult {
  /** Dirty source rows read. */
  readonly scanned: number;
  /** Keys (users, cosigns, plays…) re-derived. */
  readonly keys: number;
  /** user_challenges rows inserted or changed. */
  readonly written: number;
}

export interface ChallengeProcessor {
  /** Registration name, e.g. `p` or `play_count_milestones`. */
  readonly name: string;
  readonly challengeIds: readonly string[];
  readonly checkpoints: readonly CheckpointSpec[];
  /** One incremental step, inside the caller's transaction. */
  run(db: Kysely<Database>, ctx: ProcessorContext): Promise<ProcessorResult>;
  /** Re-derives every key from the sources, ignoring checkpoints (and leaving them alone). */
  full(db: Kysely<Database>, ctx: ProcessorContext): Promise<ProcessorResult>;
}

export const EMPTY_RESULT: ProcessorResult = { scanned: 0, keys: 0, written: 0 };

export interface DirtyRow {
  readonly bn: number;
}

/**
 * Rows with `lo < blocknumber <= hi` (hi null = no upper bound), ordered by blocknumber ascending,
 * at most `limit` of them (null = all).
 */
export type DirtyScan<R extends DirtyRow> = (
  db: Kysely<Database>,
  lo: number,
  hi: number | null,
  limit: number | null,
) => Promise<readonly R[]>;

/** Re-derives and upserts; returns [keys, written]. */
export type Recompute<R extends DirtyRow> = (
  db: Kysely<Database>,
  rows: readonly R[],
) => Promise<{ keys: number; written: number }>;

/**
 * reconcileIncremental (docs/spec.md#incremental-dirty-scans). High-water mark: a short batch moves the
 * checkpoint to the max blocknumber seen; a full batch to max − 1, because rows of the last block may be
 * unread (re-reading them is harmless: recompute is idempotent). When a full batch is all one block,
 * production jumps to max (if max − 1 ≤ prev) and silently drops that block's rows past the cap; here that
 * block is read whole instead, so a single huge block neither wedges the scan nor loses rows.
 */
export async function reconcileIncremental<R extends DirtyRow>(
  db: Kysely<Database>,
  ctx: ProcessorContext,
  checkpoint: string,
  scan: DirtyScan<R>,
  recompute: Recompute<R>,
): Promise<ProcessorResult> {
  const prev = await readCheckpoint(db, checkpoint);
  let rows = await scan(db, prev, null, ctx.batch);
  if (rows.length === 0) return EMPTY_RESULT;
  const maxBn = rows[rows.length - 1]!.bn;
  let next = maxBn;
  if (rows.length >= ctx.batch) {
    if (rows[0]!.bn === maxBn) rows = await scan(db, maxBn - 1, maxBn, null);
    else next = maxBn - 1;
  }
  let keys = 0;
  let written = 0;
  for (let i = 0; i < rows.length; i += DIRTY_SCAN_BATCH) {
    const r = await recompute(db, rows.slice(i, i + DIRTY_SCAN_BATCH));
    keys += r.keys;
    written += r.written;
  }
  if (next > prev) await advanceCheckpoint(db, checkpoint, next);
  return { scanned: rows.length, keys, written };
}

/** Distinct values in first-seen order (production keeps the scan's blocknumber order for recompute). */
export function distinctInOrder<T>(values: Iterable<T>): T[] {
  return [...new Set(values)];
}

/** `timestamp` text from PostgreSQL (`YYYY-MM-DD HH:MM:SS[.ffffff]`) as UTC epoch milliseconds. */
export function pgTimestampMs(text: string): number {
  return Date.parse(`${text.replace(' ', 'T')}Z`);
}

// Most processors re-derive per user from a blocknumber-ordered dirty scan: this builds them from a scan,
// a per-user recompute and the list of every candidate user (for the full recompute).
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { activeChallenge, type Challenge } from './catalog.js';
import {
  type ChallengeProcessor,
  type CheckpointSpec,
  DIRTY_SCAN_BATCH,
  type DirtyRow,
  type DirtyScan,
  distinctInOrder,
  EMPTY_RESULT,
  type ProcessorResult,
  reconcileIncremental,
} from './framework.js';

export interface UserDirty extends DirtyRow {
  readonly userId: number;
}

export interface UserProcessorSpec {
  readonly name: string;
  readonly challengeId: string;
  readonly checkpoint: CheckpointSpec;
  readonly scan: DirtyScan<UserDirty>;
  /** Re-derives these users (in this order) and upserts; returns rows written. */
  readonly recompute: (
    db: Kysely<Database>,
    challenge: Challenge,
    userIds: readonly number[],
  ) => Promise<number>;
  /** Every user the full recompute must visit, in a deterministic order. */
  readonly allUsers: (db: Kysely<Database>, challenge: Challenge) => Promise<readonly number[]>;
  /** Extra catalog requirement (p and u need step_count, u needs starting_block). */
  readonly usable?: (challenge: Challenge) => boolean;
}

export function userProcessor(spec: UserProcessorSpec): ChallengeProcessor {
  const gate = async (db: Kysely<Database>): Promise<Challenge | null> => {
    const c = await activeChallenge(db, spec.challengeId);
    return c && (spec.usable?.(c) ?? true) ? c : null;
  };
  return {
    name: spec.name,
    challengeIds: [spec.challengeId],
    checkpoints: [spec.checkpoint],
    async run(db, ctx): Promise<ProcessorResult> {
      const challenge = await gate(db);
      if (!challenge) return EMPTY_RESULT;
      return reconcileIncremental(db, ctx, spec.checkpoint.name, spec.scan, async (trx, rows) => {
        const ids = distinctInOrder(rows.map((r) => r.userId));
        return { keys: ids.length, written: await spec.recompute(trx, challenge, ids) };
      });
    },
    async full(db): Promise<ProcessorResult> {
      const challenge = await gate(db);
      if (!challenge) return EMPTY_RESULT;
      const ids = await spec.allUsers(db, challenge);
      let written = 0;
      for (let i = 0; i < ids.length; i += DIRTY_SCAN_BATCH) {
        written += await spec.recompute(db, challenge, ids.slice(i, i + DIRTY_SCAN_BATCH));
      }
      return { scanned: ids.length, keys: ids.length, written };
    },
  };
}

/** `hi` as an inclusive bound usable in an index range (null = unbounded). */
export const INT4_MAX = 2_147_483_647;
export function upper(hi: number | null): number {
  return hi ?? INT4_MAX;
}

// The challenges catalog as processors see it (docs/spec.md#challenge-catalog).
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { ChallengeType } from '../db/tables/challenges.js';

export interface Challenge {
  readonly id: string;
  readonly type: ChallengeType;
  /** Whole AUDIO; a non-integer catalog amount reads as 0, like Go's failed parse. */
  readonly amount: number;
  readonly active: boolean;
  readonly stepCount: number | null;
  readonly startingBlock: number | null;
  readonly cooldownDays: number | null;
}

export async function loadChallenges(
  db: Kysely<Database>,
  ids: readonly string[],
): Promise<Map<string, Challenge>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('challenges')
    .selectAll()
    .where('id', 'in', [...ids])
    .execute();
  return new Map(
    rows.map((r) => [
      r.id,
      {
        id: r.id,
        type: r.type,
        amount: /^-?\d+$/.test(r.amount) ? Number.parseInt(r.amount, 10) : 0,
        active: r.active,
        stepCount: r.step_count,
        startingBlock: r.starting_block,
        cooldownDays: r.cooldown_days,
      },
    ]),
  );
}

/** An active catalog row, or null: a missing or inactive challenge makes its processor a no-op. */
export async function activeChallenge(db: Kysely<Database>, id: string): Promise<Challenge | null> {
  const c = (await loadChallenges(db, [id])).get(id);
  return c?.active ? c : null;
}

/** Lowercase hex without 0x or padding: production's default specifier (PY `hex(user_id)[2:]`). */
export function hex(n: number): string {
  return n.toString(16);
}

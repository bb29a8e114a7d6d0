// The one writer of user_challenges (docs/spec.md#challenge-processors, "Writing user_challenges"), with three fixes:
// - completed_blocknumber and completed_at come from block data (production leaves the first NULL and
//   stamps now(), so notifications carried wall-clock time);
// - a row is written only if something changes: production's unconditional ON CONFLICT DO UPDATE re-fired
//   on_user_challenge (cooldown probe + score recount) for every re-derived complete row (#877);
// - aggregate challenges stop creating rows once the user's SUM(amount) reaches step_count (PY's cap,
//   which the Go processors dropped).
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Challenge } from './catalog.js';

export interface DerivedRow {
  readonly userId: number;
  readonly specifier: string;
  readonly step: number;
  /** Completion target: step_count for numeric challenges, 1 for boolean and aggregate ones. */
  readonly target: number;
  /** em_block of the inputs this row was derived from; NULL for play-driven challenges. */
  readonly blocknumber: number | null;
  /** Block (or play) time of the same inputs, as `timestamp` text in UTC. */
  readonly at: string;
}

/** A one-step row (a boolean challenge, or one unit of an aggregate one), taken from its source's em_block and time. */
export function oneStep(
  userId: number,
  specifier: string,
  src: { bn: number | null; at: string },
): DerivedRow {
  return { userId, specifier, step: 1, target: 1, blocknumber: src.bn, at: src.at };
}

/** Aggregate challenges cap the per-user SUM(amount); step_count this large means "no cap". */
const NO_CAP = 2_147_483_647;

/**
 * Upserts derived rows for one challenge; returns how many rows were inserted or changed. Sticky
 * completion, amount frozen once complete, completed_* set once. Rows are capped in the order given,
 * so callers pass them in a deterministic order (it decides who gets the last capped slot).
 */
export async function upsertUserChallenges(
  db: Kysely<Database>,
  challenge: Challenge,
  rows: readonly DerivedRow[],
): Promise<number> {
  if (rows.length === 0) return 0;
  // One INSERT cannot touch a key twice: the last derivation of a specifier wins, at its first position.
  const unique = [...new Map(rows.map((r) => [r.specifier, r])).values()];
  const capped = challenge.type === 'aggregate' ? await applyCap(db, challenge, unique) : unique;
  if (capped.length === 0) return 0;
  const n = capped.length;
  const users = new Array<number>(n);
  const specs = new Array<string>(n);
  const steps = new Array<number>(n);
  const complete = new Array<boolean>(n);
  const bns = new Array<number | null>(n);
  const ats = new Array<string>(n);
  capped.forEach((r, i) => {
    users[i] = r.userId;
    specs[i] = r.specifier;
    steps[i] = r.step;
    complete[i] = r.target > 0 && r.step >= r.target;
    bns[i] = r.blocknumber;
    ats[i] = r.at;
  });
  const res = await sql<{ n: number }>`
    WITH w AS (
      INSERT INTO user_challenges AS uc (challenge_id, user_id, specifier, is_complete, current_step_count,
                                         completed_blocknumber, amount, created_at, completed_at)
      SELECT ${challenge.id}, u, s, c, st, CASE WHEN c THEN bn END, ${challenge.amount},
             at AT TIME ZONE 'UTC', CASE WHEN c THEN at END
      FROM unnest(${users}::int[], ${specs}::text[], ${steps}::int[], ${complete}::bool[], ${bns}::int[],
                  ${ats}::timestamp[]) AS r(u, s, st, c, bn, at)
      ON CONFLICT (challenge_id, specifier) DO UPDATE SET
        current_step_count = excluded.current_step_count,
        is_complete = uc.is_complete OR excluded.is_complete,
        amount = CASE WHEN uc.is_complete THEN uc.amount ELSE excluded.amount END,
        completed_at = CASE WHEN NOT uc.is_complete AND excluded.is_complete THEN excluded.completed_at
                            ELSE uc.completed_at END,
        completed_blocknumber = CASE WHEN NOT uc.is_complete AND excluded.is_complete
                                     THEN excluded.completed_blocknumber ELSE uc.completed_blocknumber END
      WHERE uc.current_step_count IS DISTINCT FROM excluded.current_step_count
         OR (NOT uc.is_complete AND (excluded.is_complete OR uc.amount IS DISTINCT FROM excluded.amount))
      RETURNING 1
    )
    SELECT count(*)::int AS n FROM w`.execute(db);
  return res.rows[0]?.n ?? 0;
}

/** Drops new rows that would take a user's completed SUM(amount) past step_count; existing rows pass. */
async function applyCap(
  db: Kysely<Database>,
  challenge: Challenge,
  rows: readonly DerivedRow[],
): Promise<readonly DerivedRow[]> {
  const cap = challenge.stepCount;
  if (cap === null || cap >= NO_CAP) return rows;
  const existing = await sql<{ specifier: string }>`
    SELECT specifier FROM user_challenges
    WHERE challenge_id = ${challenge.id} AND specifier = ANY(${rows.map((r) => r.specifier)}::text[])`.execute(
    db,
  );
  const known = new Set(existing.rows.map((r) => r.specifier));
  const sums = await sql<{ user_id: number; total: number }>`
    SELECT user_id, sum(amount)::int AS total FROM user_challenges
    WHERE challenge_id = ${challenge.id} AND is_complete
      AND user_id = ANY(${[...new Set(rows.map((r) => r.userId))]}::int[])
    GROUP BY user_id`.execute(db);
  const total = new Map(sums.rows.map((r) => [r.user_id, r.total]));
  const out: DerivedRow[] = [];
  for (const r of rows) {
    if (known.has(r.specifier)) {
      out.push(r);
      continue;
    }
    const t = total.get(r.userId) ?? 0;
    if (t >= cap) continue;
    known.add(r.specifier);
    total.set(r.userId, t + challenge.amount);
    out.push(r);
  }
  return out;
}

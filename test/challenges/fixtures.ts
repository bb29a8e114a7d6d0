// Source rows for challenge tests, written with the production column names into the tables the real
// migrations create. Versioned tables get demote + append, like the handlers do.
import { type Kysely, sql } from 'kysely';
import type { ChallengeProcessor } from '../../src/challenges/framework.js';
import { type ChallengeDeps, runChallengeTick, type TickReport } from '../../src/challenges/tick.js';
import type { Database } from '../../src/db/schema.js';
import { systemClock } from '../../src/deps/clock.js';
import { silentLogger } from '../../src/deps/logger.js';

const BASE_MS = Date.UTC(2025, 2, 3); // a Monday
const BASE_ISO = '2025-03-03 00:00:00';

/** Deterministic block time of em_block `bn`: one minute per block. */
export function timeOf(bn: number): string {
  return new Date(BASE_MS + bn * 60_000).toISOString().replace('T', ' ').replace('.000Z', '');
}

export interface UserFields {
  handle?: string | null;
  name?: string | null;
  bio?: string | null;
  profilePicture?: string | null;
  coverPhoto?: string | null;
  verified?: boolean;
  deactivated?: boolean;
  wallet?: string | null;
  createdAt?: string;
}

export interface TrackFields {
  isDelete?: boolean;
  isUnlisted?: boolean;
  stemOf?: string | null;
  pinnedCommentId?: number | null;
}

export class Fixture {
  private tx = 0;
  constructor(readonly db: Kysely<Database>) {}

  private txhash(kind: string): string {
    return `${kind}-${++this.tx}`;
  }

  /** A new current users row at `bn` (fields default to a minimal, active, unverified profile). */
  async user(id: number, bn: number, f: UserFields = {}): Promise<void> {
    await sql`UPDATE users SET is_current = false WHERE user_id = ${id} AND is_current`.execute(this.db);
    await sql`
      INSERT INTO users (blockhash, blocknumber, txhash, user_id, is_current, handle, handle_lc, wallet, name, bio,
                         profile_picture, cover_photo, is_verified, is_deactivated, created_at, updated_at)
      VALUES (${`bh${bn}`}, ${bn}, ${this.txhash('u')}, ${id}, true, ${f.handle === undefined ? `user${id}` : f.handle},
              ${f.handle === undefined ? `user${id}` : (f.handle?.toLowerCase() ?? null)}, ${f.wallet ?? null},
              ${f.name ?? null}, ${f.bio ?? null}, ${f.profilePicture ?? null}, ${f.coverPhoto ?? null},
              ${f.verified ?? false}, ${f.deactivated ?? false}, ${f.createdAt ?? timeOf(bn)}, ${timeOf(bn)})`.execute(
      this.db,
    );
  }

  async track(id: number, owner: number, bn: number, f: TrackFields = {}): Promise<void> {
    await sql`UPDATE tracks SET is_current = false WHERE track_id = ${id} AND is_current`.execute(this.db);
    await sql`
      INSERT INTO tracks (blockhash, blocknumber, txhash, track_id, is_current, is_delete, owner_id, title, stem_of,
                          is_unlisted, pinned_comment_id, created_at, updated_at)
      VALUES (${`bh${bn}`}, ${bn}, ${this.txhash('t')}, ${id}, true, ${f.isDelete ?? false}, ${owner}, ${`track ${id}`},
              ${f.stemOf ?? null}::jsonb, ${f.isUnlisted ?? false}, ${f.pinnedCommentId ?? null}, ${timeOf(bn)},
              ${timeOf(bn)})`.execute(this.db);
  }

  /** A user_events row as the hook would write it (demote + append). */
  async userEvent(
    userId: number,
    bn: number,
    f: { mobile?: boolean; referrer?: number | null },
  ): Promise<void> {
    await sql`UPDATE user_events SET is_current = false WHERE user_id = ${userId} AND is_current`.execute(
      this.db,
    );
    await sql`
      INSERT INTO user_events (blockhash, blocknumber, is_current, user_id, referrer, is_mobile_user)
      VALUES (${`bh${bn}`}, ${bn}, true, ${userId}, ${f.referrer ?? null}, ${f.mobile ?? false})`.execute(
      this.db,
    );
  }

  /** Plays in one statement (the on_play trigger fills aggregate_monthly_plays). */
  async plays(rows: readonly { user: number | null; track: number; at: string }[]): Promise<void> {
    if (rows.length === 0) return;
    const sig = rows.map(() => this.txhash('play'));
    await sql`
      INSERT INTO plays (user_id, source, play_item_id, created_at, updated_at, slot, signature)
      SELECT u, 'relay', t, a, a, 1, s
      FROM unnest(${rows.map((r) => r.user)}::int[], ${rows.map((r) => r.track)}::int[],
                  ${rows.map((r) => r.at)}::timestamp[], ${sig}::text[]) AS p(u, t, a, s)`.execute(this.db);
  }

  async catalog(
    id: string,
    f: { active?: boolean; startingBlock?: number; stepCount?: number | null; amount?: string },
  ): Promise<void> {
    await sql`
      UPDATE challenges SET active = COALESCE(${f.active ?? null}::bool, active),
        starting_block = COALESCE(${f.startingBlock ?? null}::int, starting_block),
        step_count = CASE WHEN ${f.stepCount !== undefined}::bool THEN ${f.stepCount ?? null}::int ELSE step_count END,
        amount = COALESCE(${f.amount ?? null}, amount)
      WHERE id = ${id}`.execute(this.db);
  }

  /** Indexed chain blocks 1..n with em_block = height and block time timeOf(height), for completed_at. */
  async blocks(n: number): Promise<void> {
    await sql`
      INSERT INTO etl_blocks (block_height, block_time, created_at, updated_at)
      SELECT g, ${BASE_ISO}::timestamp + g * interval '1 minute', NULL, NULL FROM generate_series(1, ${n}) g
      ON CONFLICT DO NOTHING`.execute(this.db);
    await sql`
      INSERT INTO core_indexed_blocks (blockhash, chain_id, height, em_block)
      SELECT 'bh' || g, 'test', g, g FROM generate_series(1, ${n}) g
      ON CONFLICT DO NOTHING`.execute(this.db);
  }

  /** Production starting blocks are ~25M+; test chains start at 1. */
  async startEverythingAtZero(): Promise<void> {
    await sql`UPDATE challenges SET starting_block = 0`.execute(this.db);
  }
}

export function deps(over: Partial<ChallengeDeps> = {}): ChallengeDeps {
  return { logger: silentLogger, clock: systemClock, ...over };
}

export async function tick(
  db: Kysely<Database>,
  processors?: readonly ChallengeProcessor[],
  batch?: number,
): Promise<TickReport> {
  return runChallengeTick(
    db,
    deps({ ...(processors ? { processors } : {}), ...(batch !== undefined ? { batch } : {}) }),
  );
}

export interface UcRow {
  challenge_id: string;
  user_id: number;
  specifier: string;
  is_complete: boolean;
  current_step_count: number | null;
  completed_blocknumber: number | null;
  amount: number;
  completed_at: string | null;
}

export async function userChallenges(db: Kysely<Database>, challengeId?: string): Promise<UcRow[]> {
  const res = await sql<UcRow>`
    SELECT challenge_id, user_id, specifier, is_complete, current_step_count, completed_blocknumber, amount,
           completed_at::text AS completed_at
    FROM user_challenges WHERE ${challengeId === undefined}::bool OR challenge_id = ${challengeId ?? ''}
    ORDER BY challenge_id, specifier`.execute(db);
  return res.rows;
}

export async function checkpoint(db: Kysely<Database>, name: string): Promise<number | null> {
  const row = await db
    .selectFrom('indexing_checkpoints')
    .select('last_checkpoint')
    .where('tablename', '=', name)
    .executeTakeFirst();
  return row?.last_checkpoint ?? null;
}

export async function notifications(
  db: Kysely<Database>,
  type?: string,
): Promise<{ type: string; group_id: string; specifier: string; user_ids: number[]; data: unknown }[]> {
  const res = await sql<{
    type: string;
    group_id: string;
    specifier: string;
    user_ids: number[];
    data: unknown;
  }>`
    SELECT type, group_id, specifier, user_ids, data FROM notification
    WHERE ${type === undefined}::bool OR type = ${type ?? ''} ORDER BY id`.execute(db);
  return res.rows;
}

const NOTIFICATION_TYPES = 30;

/** n rows over 30 types (1 in 30 is reward_in_cooldown), 50,000 recipients, a year of timestamps. */
export function bulkNotificationSql(n: number): string {
  return `
    INSERT INTO notification (specifier, group_id, type, blocknumber, "timestamp", data, user_ids)
    SELECT (g % 50000)::text, 'bulk:' || g,
           CASE g % ${NOTIFICATION_TYPES} WHEN 0 THEN 'reward_in_cooldown' WHEN 1 THEN 'challenge_reward'
                WHEN 2 THEN 'claimable_reward' ELSE 'type_' || (g % ${NOTIFICATION_TYPES}) END,
           NULL, timestamp '2024-06-01' + (g % 525600) * interval '1 minute', NULL, ARRAY[(g * 7919) % 50000]
    FROM generate_series(1, ${n}) g`;
}

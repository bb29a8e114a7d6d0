// Property: for random interleavings of source-table changes and ticks, the incremental processors (small
// dirty batches, so the cap and the high-water rule are exercised) produce exactly the user_challenges the
// full recompute produces when it replays the same history at the same points, and every checkpoint is
// monotone and never passes what its sources committed.
import fc from 'fast-check';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CheckpointSnapshot,
  checkpointMonotonicity,
  diffUserChallenges,
  drainChallengeTicks,
  snapshotUserChallenges,
} from '../../sim/invariants-challenges.js';
import type { ChallengeProcessor } from '../../src/challenges/framework.js';
import { firstPlaylist } from '../../src/challenges/processors/first-playlist.js';
import { firstWeeklyComment } from '../../src/challenges/processors/first-weekly-comment.js';
import { listenStreak } from '../../src/challenges/processors/listen-streak.js';
import { mobileInstall } from '../../src/challenges/processors/mobile-install.js';
import { pinnedComment } from '../../src/challenges/processors/pinned-comment.js';
import { playCountMilestones } from '../../src/challenges/processors/play-count-milestones.js';
import { profileCompletion } from '../../src/challenges/processors/profile-completion.js';
import { referral, referralVerified } from '../../src/challenges/processors/referral.js';
import { referred } from '../../src/challenges/processors/referred.js';
import { trackUpload } from '../../src/challenges/processors/track-upload.js';
import { verified } from '../../src/challenges/processors/verified.js';
import { recomputeAll } from '../../src/challenges/tick.js';
import type { Database } from '../../src/db/schema.js';
import { silentLogger } from '../../src/deps/logger.js';
import { Metadata } from '../../src/entity-manager/metadata.js';
import { userEventsHook } from '../../src/entity-manager/user-events-hook.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { deps, Fixture } from './fixtures.js';

// Processors whose sources this repo's migrations create today; the social ones join once 0004/0005 exist.
const CORE_PROCESSORS: readonly ChallengeProcessor[] = [
  trackUpload,
  verified,
  listenStreak,
  playCountMilestones,
  mobileInstall,
  referral,
  referralVerified,
  referred,
];
const SOCIAL_TABLES = ['follows', 'saves', 'reposts', 'playlists', 'comments'];
const SOCIAL_PROCESSORS: readonly ChallengeProcessor[] = [
  profileCompletion,
  firstPlaylist,
  firstWeeklyComment,
  pinnedComment,
];

type Op =
  | { kind: 'user'; id: number; verify: boolean; deactivate: boolean }
  | { kind: 'track'; id: number; owner: number; del: boolean; unlisted: boolean }
  | { kind: 'event'; user: number; mobile: boolean; referrer: number }
  | { kind: 'plays'; track: number; user: number; n: number; hours: number }
  | {
      kind: 'social';
      what: 'follow' | 'save' | 'repost' | 'playlist' | 'comment' | 'pin';
      user: number;
      other: number;
      del: boolean;
    }
  | { kind: 'tick' };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('user' as const),
    id: fc.integer({ min: 1, max: 6 }),
    verify: fc.boolean(),
    deactivate: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('track' as const),
    id: fc.integer({ min: 1, max: 8 }),
    owner: fc.integer({ min: 1, max: 6 }),
    del: fc.boolean(),
    unlisted: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('event' as const),
    user: fc.integer({ min: 1, max: 9 }),
    mobile: fc.boolean(),
    referrer: fc.integer({ min: 0, max: 6 }),
  }),
  fc.record({
    kind: fc.constant('plays' as const),
    track: fc.integer({ min: 1, max: 8 }),
    user: fc.integer({ min: 1, max: 4 }),
    n: fc.integer({ min: 1, max: 4 }),
    hours: fc.integer({ min: 0, max: 60 }),
  }),
  fc.record({
    kind: fc.constant('social' as const),
    what: fc.constantFrom(
      'follow' as const,
      'save' as const,
      'repost' as const,
      'playlist' as const,
      'comment' as const,
      'pin' as const,
    ),
    user: fc.integer({ min: 1, max: 6 }),
    other: fc.integer({ min: 1, max: 8 }),
    del: fc.boolean(),
  }),
  fc.constant({ kind: 'tick' as const }),
);

/** In-place upsert of one social row at `bn` (the tables' production shapes; no-op when absent). */
async function social(db: Kysely<Database>, o: Extract<Op, { kind: 'social' }>, bn: number): Promise<void> {
  const at = `2025-03-${String(1 + (bn % 28)).padStart(2, '0')} 12:00:00`;
  const common = sql`${`bh${bn}`}, ${bn}, ${`tx${bn}`}, true, ${o.del}, ${at}::timestamp`;
  switch (o.what) {
    case 'follow':
      await sql`UPDATE follows SET is_current = false WHERE follower_user_id = ${o.user} AND followee_user_id = ${o.other} AND is_current`.execute(
        db,
      );
      await sql`INSERT INTO follows (blockhash, blocknumber, txhash, is_current, is_delete, created_at, follower_user_id, followee_user_id)
                VALUES (${common}, ${o.user}, ${o.other})`.execute(db);
      break;
    case 'save':
    case 'repost': {
      const table = o.what === 'save' ? 'saves' : 'reposts';
      const item = o.what === 'save' ? 'save_item_id' : 'repost_item_id';
      const type = o.what === 'save' ? 'save_type' : 'repost_type';
      await sql`UPDATE ${sql.table(table)} SET is_current = false WHERE user_id = ${o.user} AND ${sql.ref(item)} = ${o.other} AND is_current`.execute(
        db,
      );
      await sql`INSERT INTO ${sql.table(table)} (blockhash, blocknumber, txhash, is_current, is_delete, created_at, user_id, ${sql.ref(item)}, ${sql.ref(type)})
                VALUES (${common}, ${o.user}, ${o.other}, 'track')`.execute(db);
      break;
    }
    case 'playlist':
      await sql`UPDATE playlists SET is_current = false WHERE playlist_id = ${o.other} AND is_current`.execute(
        db,
      );
      await sql`INSERT INTO playlists (blockhash, blocknumber, txhash, is_current, is_delete, created_at, updated_at, playlist_id,
                                       playlist_owner_id, playlist_name, playlist_contents, is_album, is_private)
                VALUES (${common}, ${at}::timestamp, ${o.other}, ${o.user}, 'pl', '{"track_ids": []}', false, false)`.execute(
        db,
      );
      break;
    case 'comment':
      await sql`INSERT INTO comments (blockhash, blocknumber, txhash, created_at, updated_at, comment_id, user_id, entity_id,
                                      entity_type, text, is_delete, is_visible)
                VALUES (${`bh${bn}`}, ${bn}, ${`tx${bn}`}, ${at}::timestamp, ${at}::timestamp, ${o.other}, ${o.user}, 1, 'Track', 'c',
                        ${o.del}, true)
                ON CONFLICT (comment_id) DO UPDATE SET blocknumber = excluded.blocknumber, is_delete = excluded.is_delete`.execute(
        db,
      );
      break;
    case 'pin':
      await sql`UPDATE tracks SET pinned_comment_id = ${o.del ? null : o.user}, blocknumber = ${bn}
                WHERE track_id = ${o.other} AND is_current`.execute(db);
      break;
  }
}

const TABLES = `users, tracks, user_events, plays, aggregate_plays, aggregate_monthly_plays, milestones, notification,
  user_challenges, indexing_checkpoints, challenge_listen_streak, challenge_profile_completion, user_score_features`;

async function reset(db: Kysely<Database>, withSocial: boolean): Promise<void> {
  await sql
    .raw(`TRUNCATE ${TABLES}${withSocial ? `, ${SOCIAL_TABLES.join(', ')}` : ''} RESTART IDENTITY`)
    .execute(db);
}

/** Applies the ops; `atTick` runs at every tick op and once at the end. */
async function replay(
  db: Kysely<Database>,
  ops: readonly Op[],
  withSocial: boolean,
  atTick: () => Promise<void>,
): Promise<void> {
  const fx = new Fixture(db);
  const isVerified = new Map<number, boolean>();
  let bn = 0;
  let hourBase = 0;
  for (const o of ops) {
    bn++;
    switch (o.kind) {
      case 'user': {
        // Verification is one-way, as on chain (an un-verify is not generated).
        const v = (isVerified.get(o.id) ?? false) || o.verify;
        isVerified.set(o.id, v);
        await fx.user(o.id, bn, { verified: v, deactivated: o.deactivate });
        break;
      }
      case 'track':
        await fx.track(o.id, o.owner, bn, { isDelete: o.del, isUnlisted: o.unlisted });
        break;
      case 'event': {
        const events = { is_mobile_user: o.mobile, ...(o.referrer > 0 ? { referrer: o.referrer } : {}) };
        await db.transaction().execute((trx) =>
          userEventsHook(
            { db: trx, logger: silentLogger },
            {
              userId: o.user,
              entityId: o.user,
              entityType: 'User',
              action: 'Update',
              signer: '',
              signerRaw: '',
              metadata: Metadata.parse(JSON.stringify({ events })),
              blockNumber: bn,
              blockTime: '',
              blockHash: `bh${bn}`,
              txHash: `tx${bn}`,
              chainHeight: bn,
              migration: false,
            },
          ),
        );
        break;
      }
      case 'plays': {
        hourBase += o.hours;
        const at = new Date(Date.UTC(2025, 2, 1) + hourBase * 3600_000)
          .toISOString()
          .replace('T', ' ')
          .slice(0, 19);
        await fx.plays(Array.from({ length: o.n }, () => ({ user: o.user, track: o.track, at })));
        break;
      }
      case 'social':
        if (withSocial) await social(db, o, bn);
        break;
      case 'tick':
        await atTick();
        break;
    }
  }
  await atTick();
}

describe('incremental ≡ full (property)', () => {
  let t: TestDb;
  let withSocial = false;
  let processors: readonly ChallengeProcessor[] = CORE_PROCESSORS;
  beforeAll(async () => {
    t = await createTestDb();
    const missing = await sql<{ t: string }>`
      SELECT t FROM unnest(${SOCIAL_TABLES}::text[]) AS t WHERE to_regclass(t) IS NULL`.execute(t.db);
    withSocial = missing.rows.length === 0;
    if (withSocial) processors = [...CORE_PROCESSORS, ...SOCIAL_PROCESSORS];
    const fx = new Fixture(t.db);
    await fx.startEverythingAtZero();
    await fx.blocks(200);
    // Small targets so short histories complete, cap and re-derive.
    await fx.catalog('p1', { stepCount: 3 });
    await fx.catalog('p2', { stepCount: 6 });
    await fx.catalog('p3', { stepCount: 10 });
    await fx.catalog('r', { stepCount: 2 });
    await fx.catalog('e', { active: true });
  });
  afterAll(async () => t?.close());

  it('holds for random interleavings, with monotone checkpoints', async () => {
    let rowsSeen = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 4 }),
        async (ops, batch) => {
          const d = deps({ processors, batch });
          await reset(t.db, withSocial);
          const incremental: string[] = [];
          let previous: CheckpointSnapshot | null = null;
          await replay(t.db, ops, withSocial, async () => {
            await drainChallengeTicks(t.db, d);
            const mono = await checkpointMonotonicity(t.db, previous, processors);
            expect(mono.violations).toEqual([]);
            previous = mono.snapshot;
            const snap = await snapshotUserChallenges(t.db);
            rowsSeen += snap.size;
            incremental.push(JSON.stringify([...snap]));
          });
          await reset(t.db, withSocial);
          let i = 0;
          await replay(t.db, ops, withSocial, async () => {
            await t.db.transaction().execute((trx) => recomputeAll(trx, d));
            const full = await snapshotUserChallenges(t.db);
            const inc = new Map(JSON.parse(incremental[i++]!) as [string, never][]);
            expect(diffUserChallenges(inc, full, ['incremental', 'full'])).toEqual([]);
          });
        },
      ),
      { numRuns: 50, seed: 6 },
    );
    // Not vacuous: the histories did produce challenge rows to compare.
    expect(rowsSeen).toBeGreaterThan(100);
  });
});

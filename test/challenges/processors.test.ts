// Each processor's rule on real rows (sources that exist in this repo's migrations).
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listenStreak } from '../../src/challenges/processors/listen-streak.js';
import { mobileInstall } from '../../src/challenges/processors/mobile-install.js';
import { playCountMilestones } from '../../src/challenges/processors/play-count-milestones.js';
import { referral, referralVerified } from '../../src/challenges/processors/referral.js';
import { referred } from '../../src/challenges/processors/referred.js';
import { trackUpload } from '../../src/challenges/processors/track-upload.js';
import { verified } from '../../src/challenges/processors/verified.js';
import { seedCheckpointsToMax } from '../../src/challenges/tick.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { checkpoint, Fixture, notifications, tick, timeOf, userChallenges } from './fixtures.js';

describe('challenge processors', () => {
  let t: TestDb;
  let fx: Fixture;
  beforeEach(async () => {
    t = await createTestDb();
    fx = new Fixture(t.db);
    await fx.startEverythingAtZero();
    await fx.blocks(60);
  });
  afterEach(async () => t?.close());

  it('u: counts current, listed, non-stem, non-deleted tracks from starting_block, capped at 3', async () => {
    await fx.catalog('u', { startingBlock: 3 });
    await fx.track(1, 5, 2); // before starting_block
    await fx.track(2, 5, 3);
    await fx.track(3, 5, 4, { isUnlisted: true });
    await fx.track(4, 5, 5, { stemOf: '{"parent_track_id": 2}' });
    await fx.track(5, 5, 6, { isDelete: true });
    await tick(t.db, [trackUpload]);
    expect(await userChallenges(t.db, 'u')).toMatchObject([
      { specifier: '5', current_step_count: 1, is_complete: false },
    ]);
    // The old track edited after starting_block becomes eligible (last-mutation blocknumber,
    // docs/challenges.md#processors).
    await fx.track(1, 5, 7);
    for (const id of [6, 7, 8]) await fx.track(id, 5, 8);
    await tick(t.db, [trackUpload]);
    expect(await userChallenges(t.db, 'u')).toMatchObject([
      { current_step_count: 3, is_complete: true, completed_blocknumber: 8 },
    ]);
    // An owner with no qualifying track gets no row (a count of 0 never writes).
    await fx.track(9, 6, 9, { isUnlisted: true });
    await tick(t.db, [trackUpload]);
    expect((await userChallenges(t.db, 'u')).map((r) => r.user_id)).toEqual([5]);
  });

  it('v: verified and not deactivated', async () => {
    await fx.user(1, 1, { verified: true });
    await fx.user(2, 1, { verified: true, deactivated: true });
    await fx.user(3, 1);
    await tick(t.db, [verified]);
    expect((await userChallenges(t.db, 'v')).map((r) => [r.user_id, r.specifier, r.is_complete])).toEqual([
      [1, '1', true],
    ]);
    await fx.user(3, 2, { verified: true });
    await tick(t.db, [verified]);
    expect((await userChallenges(t.db, 'v')).map((r) => r.user_id)).toEqual([1, 3]);
  });

  it('m: a current sticky mobile row completes, stamped at the first block that carried the flag', async () => {
    await fx.userEvent(4, 2, { mobile: false, referrer: 9 });
    await fx.userEvent(4, 5, { mobile: true, referrer: 9 });
    await fx.userEvent(4, 8, { mobile: true, referrer: 9 });
    await tick(t.db, [mobileInstall]);
    expect(await userChallenges(t.db, 'm')).toMatchObject([
      { user_id: 4, specifier: '4', is_complete: true, completed_blocknumber: 5, completed_at: timeOf(5) },
    ]);
  });

  it('r/rv/rd: referrer side split on verification, referee side always; r capped at 5 AUDIO per referrer', async () => {
    await fx.user(100, 1); // unverified referrer
    for (let u = 1; u <= 7; u++) await fx.userEvent(u, 1 + u, { referrer: 100 });
    await fx.userEvent(8, 10, { referrer: 8 }); // self-referral never reaches user_events via the hook; harmless here
    await tick(t.db, [referral, referralVerified, referred]);
    const r = await userChallenges(t.db, 'r');
    // The first five referrals in referral order, 1 AUDIO each.
    expect(r.map((x) => x.specifier)).toEqual(['64:1', '64:2', '64:3', '64:4', '64:5']);
    expect(r.every((x) => x.user_id === 100 && x.is_complete && x.amount === 1)).toBe(true);
    expect(await userChallenges(t.db, 'rv')).toEqual([]);
    const rd = await userChallenges(t.db, 'rd');
    expect(rd.filter((x) => x.specifier.endsWith(':64')).map((x) => x.user_id)).toEqual([
      1, 2, 3, 4, 5, 6, 7,
    ]);
    // A later tick does not add past the cap.
    await fx.userEvent(9, 20, { referrer: 100 });
    await tick(t.db, [referral]);
    expect(await userChallenges(t.db, 'r')).toHaveLength(5);
  });

  it('r/rv: the referrer verifying later is picked up through the referrer users row (not in production)', async () => {
    await fx.user(200, 1);
    await fx.userEvent(1, 2, { referrer: 200 });
    await fx.userEvent(2, 3, { referrer: 200 });
    await tick(t.db, [referral, referralVerified]);
    expect((await userChallenges(t.db, 'r')).map((x) => x.specifier)).toEqual(['c8:1', 'c8:2']);
    // Only the referrer's users row changes: no referee's user_events row moves.
    await fx.user(200, 30, { verified: true });
    const rep = await tick(t.db, [referral, referralVerified]);
    expect(rep.runs.map((x) => x.written)).toEqual([0, 2]);
    expect(await userChallenges(t.db, 'rv')).toMatchObject([
      { specifier: 'c8:1', user_id: 200, is_complete: true, completed_blocknumber: 30 },
      { specifier: 'c8:2', user_id: 200, is_complete: true, completed_blocknumber: 30 },
    ]);
    // r stays complete (sticky); the referrer's cooldown notification went out once for the hour.
    expect(await userChallenges(t.db, 'r')).toHaveLength(2);
    expect(
      (await notifications(t.db, 'reward_in_cooldown')).filter((n) => n.user_ids[0] === 200),
    ).toHaveLength(1);
    expect(await checkpoint(t.db, 'challenges:rv:last_blocknumber')).toBe(30);
  });

  it('play-count milestones: verified owners, plays since 2025, tiers gated on the previous tier', async () => {
    await fx.user(50, 1, { verified: true });
    await fx.user(51, 1); // unverified: never dirty
    await fx.track(500, 50, 2);
    await fx.track(501, 50, 2);
    await fx.track(510, 51, 2);
    const plays = (track: number, n: number, at: string) =>
      Array.from({ length: n }, () => ({ user: 7, track, at }));
    await fx.plays([...plays(500, 200, '2025-02-01 10:00:00'), ...plays(510, 300, '2025-02-01 10:00:00')]);
    await fx.plays(plays(501, 30, '2024-12-31 23:00:00')); // before 2025: not counted
    await tick(t.db, [playCountMilestones]);
    expect(await userChallenges(t.db)).toMatchObject([
      { challenge_id: 'p1', specifier: '32:250', user_id: 50, current_step_count: 200, is_complete: false },
    ]);
    await fx.plays(plays(501, 60, '2025-03-01 12:00:00'));
    await tick(t.db, [playCountMilestones]);
    expect(await userChallenges(t.db)).toMatchObject([
      {
        challenge_id: 'p1',
        current_step_count: 250,
        is_complete: true,
        completed_at: '2025-03-01 12:00:00',
        amount: 25,
      },
      { challenge_id: 'p2', specifier: '32:1000', current_step_count: 260, is_complete: false },
    ]);
    expect(await checkpoint(t.db, 'challenges:play_count_milestones:last_play_id')).toBe(590);
    // Owner 51 verifies later: picked up through the users row.
    await fx.user(51, 40, { verified: true });
    await tick(t.db, [playCountMilestones]);
    expect((await userChallenges(t.db, 'p1')).map((r) => [r.user_id, r.current_step_count])).toEqual([
      [50, 250],
      [51, 250],
    ]);
  });

  it('e (activated): 16 h ignored, 48 h resets, one row per streak day, complete at 7', async () => {
    await fx.catalog('e', { active: true });
    const day = (d: number, h = 12) =>
      `2025-03-${String(d).padStart(2, '0')} ${String(h).padStart(2, '0')}:00:00`;
    await fx.plays([
      { user: 3, track: 1, at: day(1) },
      { user: 3, track: 1, at: day(1, 20) }, // +8 h: ignored
      { user: 3, track: 1, at: day(2) }, // +24 h: 2
      { user: null, track: 1, at: day(2) }, // anonymous: not a listener
    ]);
    await tick(t.db, [listenStreak]);
    expect(
      (await userChallenges(t.db, 'e')).map((r) => [r.specifier, r.current_step_count, r.is_complete]),
    ).toEqual([
      ['32025030112', 1, false],
      ['32025030212', 2, false],
    ]);
    await fx.plays([3, 4, 5, 6, 7, 8].map((d) => ({ user: 3, track: 1, at: day(d) })));
    await tick(t.db, [listenStreak]);
    const rows = await userChallenges(t.db, 'e');
    expect(rows.map((r) => [r.current_step_count, r.is_complete])).toEqual([
      [1, false],
      [2, false],
      [3, false],
      [4, false],
      [5, false],
      [6, false],
      [7, true],
      [1, true], // day 8: past 7, a complete 1/1 row
    ]);
    await fx.plays([{ user: 3, track: 1, at: day(11) }]); // 72 h gap: reset
    await tick(t.db, [listenStreak]);
    const streak = await sql<{
      listen_streak: number;
    }>`SELECT listen_streak FROM challenge_listen_streak WHERE user_id = 3`.execute(t.db);
    expect(streak.rows[0]!.listen_streak).toBe(1);
    // Cooldown NULL: claimable + challenge_reward carrying the streak the trigger reads from the state table,
    // i.e. as stored when the tick wrote the row (days 7 and 8 landed in one tick).
    const rewards = await notifications(t.db, 'challenge_reward');
    expect(rewards.map((n) => n.data)).toEqual([
      { specifier: '32025030712', challenge_id: 'e', amount: '100000000', listen_streak: 8 },
      { specifier: '32025030812', challenge_id: 'e', amount: '100000000', listen_streak: 8 },
    ]);
  });

  it.each([
    ['u', trackUpload],
    ['v', verified],
    ['m', mobileInstall],
    ['rv', referralVerified],
    ['rd', referred],
    ['play_count_milestones', playCountMilestones],
    ['e', listenStreak],
  ] as const)(
    '%s: rows at or below its checkpoint are never read (cutover seeding)',
    async (_name, processor) => {
      await fx.catalog('e', { active: true });
      await fx.catalog('p1', { stepCount: 1 });
      await fx.user(1, 5, { verified: true });
      for (const id of [1, 2, 3]) await fx.track(id, 1, 5);
      await fx.userEvent(2, 5, { mobile: true, referrer: 1 });
      await fx.plays([{ user: 2, track: 1, at: '2025-03-01 00:00:00' }]);
      const seeded = await seedCheckpointsToMax(t.db, [processor]);
      expect(seeded.every((s) => s.seeded && s.error === undefined)).toBe(true);
      const r = await tick(t.db, [processor]);
      expect(r.runs[0]).toMatchObject({ status: 'ok', scanned: 0, written: 0 });
      expect(await userChallenges(t.db)).toEqual([]);
      // The same sources without the seeded checkpoints do complete: the skip is the checkpoint's doing.
      await sql`DELETE FROM indexing_checkpoints`.execute(t.db);
      const fresh = await tick(t.db, [processor]);
      expect(fresh.runs[0]!.written).toBeGreaterThan(0);
    },
  );
});

// The incremental pattern (docs/spec.md#incremental-dirty-scans) and the upsert, on real rows: dirty-set skip
// below the checkpoint, the high-water-minus-one rule, the single huge block, forward-only checkpoints,
// sticky completion / frozen amount / no re-write, per-processor transactions.
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { advanceCheckpoint } from '../../src/challenges/checkpoints.js';
import type { ChallengeProcessor } from '../../src/challenges/framework.js';
import { mobileInstall } from '../../src/challenges/processors/mobile-install.js';
import { trackUpload } from '../../src/challenges/processors/track-upload.js';
import { verified } from '../../src/challenges/processors/verified.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { checkpoint, Fixture, notifications, tick, timeOf, userChallenges } from './fixtures.js';

describe('incremental framework', () => {
  let t: TestDb;
  let fx: Fixture;
  beforeEach(async () => {
    t = await createTestDb();
    fx = new Fixture(t.db);
    await fx.startEverythingAtZero();
    await fx.blocks(50);
  });
  afterEach(async () => t?.close());

  it('skips dirty rows at or below the checkpoint and advances to the max blocknumber read', async () => {
    await fx.userEvent(1, 5, { mobile: true });
    await advanceCheckpoint(t.db, 'challenges:m:last_blocknumber', 10);
    await fx.userEvent(2, 11, { mobile: true });
    const r = await tick(t.db, [mobileInstall]);
    expect(r.runs[0]).toMatchObject({ status: 'ok', scanned: 1, keys: 1, written: 1 });
    expect((await userChallenges(t.db, 'm')).map((u) => u.user_id)).toEqual([2]);
    expect(await checkpoint(t.db, 'challenges:m:last_blocknumber')).toBe(11);
  });

  it('a full batch stops one below its last block, which the next tick re-reads', async () => {
    for (const [u, bn] of [
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 3],
      [5, 4],
    ] as const)
      await fx.userEvent(u, bn, { mobile: true });
    const cp = () => checkpoint(t.db, 'challenges:m:last_blocknumber');
    await tick(t.db, [mobileInstall], 3); // bn 1,2,3 (full) → 2
    expect(await cp()).toBe(2);
    await tick(t.db, [mobileInstall], 3); // bn 3,3,4 (full) → 3
    expect(await cp()).toBe(3);
    await tick(t.db, [mobileInstall], 3); // bn 4 → 4
    expect(await cp()).toBe(4);
    expect((await userChallenges(t.db, 'm')).map((u) => u.user_id).sort()).toEqual([1, 2, 3, 4, 5]);
    const last = await tick(t.db, [mobileInstall], 3);
    expect(last.runs[0]!.scanned).toBe(0);
  });

  it('a single block larger than the batch is read whole: no wedge, no row left behind', async () => {
    for (let u = 1; u <= 7; u++) await fx.userEvent(u, 1, { mobile: true });
    await fx.userEvent(8, 2, { mobile: true });
    const r = await tick(t.db, [mobileInstall], 3);
    expect(r.runs[0]).toMatchObject({ status: 'ok', scanned: 7, keys: 7, written: 7 });
    expect(await checkpoint(t.db, 'challenges:m:last_blocknumber')).toBe(1);
    await tick(t.db, [mobileInstall], 3);
    expect(await checkpoint(t.db, 'challenges:m:last_blocknumber')).toBe(2);
    expect(await userChallenges(t.db, 'm')).toHaveLength(8);
  });

  it('the same at the production batch of 5,000: one block of 6,000 dirty users', async () => {
    await sql`
      INSERT INTO user_events (blockhash, blocknumber, is_current, user_id, referrer, is_mobile_user)
      SELECT 'bh7', 7, true, g, NULL, true FROM generate_series(1, 6000) g`.execute(t.db);
    const r = await tick(t.db, [mobileInstall]);
    expect(r.runs[0]).toMatchObject({ status: 'ok', scanned: 6000, keys: 6000, written: 6000 });
    expect(await checkpoint(t.db, 'challenges:m:last_blocknumber')).toBe(7);
    const n = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM user_challenges WHERE challenge_id = 'm' AND is_complete`.execute(t.db);
    expect(n.rows[0]!.n).toBe(6000);
  });

  it('checkpoints only move forward', async () => {
    expect(await advanceCheckpoint(t.db, 'challenges:m:last_blocknumber', 10)).toBe(10);
    expect(await advanceCheckpoint(t.db, 'challenges:m:last_blocknumber', 4)).toBe(10);
    expect(await advanceCheckpoint(t.db, 'challenges:m:last_blocknumber', 12)).toBe(12);
  });

  it('upsert: completed_blocknumber and block-time completed_at, sticky completion, frozen amount', async () => {
    await fx.user(7, 1);
    await fx.track(70, 7, 2);
    await fx.track(71, 7, 3);
    await tick(t.db, [trackUpload]);
    expect(await userChallenges(t.db, 'u')).toMatchObject([
      {
        user_id: 7,
        specifier: '7',
        is_complete: false,
        current_step_count: 2,
        completed_blocknumber: null,
        amount: 1,
      },
    ]);
    await fx.track(72, 7, 4);
    await tick(t.db, [trackUpload]);
    expect(await userChallenges(t.db, 'u')).toMatchObject([
      {
        is_complete: true,
        current_step_count: 3,
        completed_blocknumber: 4,
        completed_at: timeOf(4),
        amount: 1,
      },
    ]);
    // The catalog amount changes and a track is deleted: still complete, amount and completion frozen.
    await fx.catalog('u', { amount: '9' });
    await fx.track(72, 7, 5, { isDelete: true });
    await tick(t.db, [trackUpload]);
    expect(await userChallenges(t.db, 'u')).toMatchObject([
      {
        is_complete: true,
        current_step_count: 2,
        completed_blocknumber: 4,
        completed_at: timeOf(4),
        amount: 1,
      },
    ]);
  });

  it('does not rewrite a row whose derivation did not change, so on_user_challenge does not re-fire', async () => {
    await fx.user(9, 1, { verified: true });
    await tick(t.db, [verified]);
    const xmin = async () =>
      (
        await sql<{
          x: string;
        }>`SELECT xmin::text AS x FROM user_challenges WHERE challenge_id = 'v'`.execute(t.db)
      ).rows[0]!.x;
    const before = await xmin();
    // A name edit makes the user dirty again; the derived row is the same.
    await fx.user(9, 2, { verified: true, name: 'Nine' });
    const r = await tick(t.db, [verified]);
    expect(r.runs[0]).toMatchObject({ scanned: 1, keys: 1, written: 0 });
    expect(await xmin()).toBe(before);
    expect(await checkpoint(t.db, 'challenges:v:last_blocknumber')).toBe(2);
  });

  it('runs each processor in its own transaction: a failure rolls back only that one', async () => {
    const broken: ChallengeProcessor = {
      name: 'broken',
      challengeIds: [],
      checkpoints: [],
      async run(db) {
        await advanceCheckpoint(db, 'challenges:broken:last_blocknumber', 99);
        throw new Error('boom');
      },
      async full() {
        throw new Error('boom');
      },
    };
    await fx.user(3, 1, { verified: true });
    await fx.userEvent(3, 1, { mobile: true });
    const r = await tick(t.db, [verified, broken, mobileInstall]);
    expect(r.runs.map((x) => [x.processor, x.status])).toEqual([
      ['v', 'ok'],
      ['broken', 'failed'],
      ['m', 'ok'],
    ]);
    expect(r.runs[1]!.error).toBe('boom');
    expect(await checkpoint(t.db, 'challenges:broken:last_blocknumber')).toBeNull();
    expect((await userChallenges(t.db)).map((u) => u.challenge_id)).toEqual(['m', 'v']);
  });

  it('an inactive challenge is a no-op that leaves its checkpoint alone', async () => {
    await fx.catalog('m', { active: false });
    await fx.userEvent(1, 3, { mobile: true });
    const r = await tick(t.db, [mobileInstall]);
    expect(r.runs[0]).toMatchObject({ status: 'ok', scanned: 0 });
    expect(await checkpoint(t.db, 'challenges:m:last_blocknumber')).toBeNull();
    await fx.catalog('m', { active: true });
    await tick(t.db, [mobileInstall]);
    expect(await userChallenges(t.db, 'm')).toHaveLength(1);
  });

  it('completion notifications carry block data and the production group_id formats', async () => {
    await fx.user(10, 1, { verified: true });
    await fx.userEvent(10, 2, { mobile: true });
    await tick(t.db, [verified, mobileInstall]);
    const n = await notifications(t.db);
    expect(n).toEqual([
      {
        type: 'claimable_reward',
        group_id: 'claimable_reward:10:challenge:v:specifier:a',
        specifier: 'a',
        user_ids: [10],
        data: { specifier: 'a', challenge_id: 'v', amount: 5 },
      },
      {
        type: 'challenge_reward',
        group_id: 'challenge_reward:10:challenge:v:specifier:a',
        specifier: '10',
        user_ids: [10],
        data: { specifier: 'a', challenge_id: 'v', amount: '500000000' },
      },
      {
        type: 'reward_in_cooldown',
        group_id: 'reward_in_cooldown:10:challenge:m:specifier:a',
        specifier: 'a',
        user_ids: [10],
        data: { specifier: 'a', challenge_id: 'm', amount: 1 },
      },
    ]);
    const ts = await sql<{ type: string; blocknumber: number | null; ts: string }>`
      SELECT type, blocknumber, "timestamp"::text AS ts FROM notification ORDER BY id`.execute(t.db);
    expect(ts.rows.map((r) => [r.blocknumber, r.ts])).toEqual([
      [1, timeOf(1)],
      [1, timeOf(1)],
      [2, timeOf(2)],
    ]);
  });
});

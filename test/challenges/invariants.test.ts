// The simulator's challenge invariants, each shown catching a deliberately broken indexer.
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  checkpointMonotonicity,
  incrementalEqualsFull,
  triggerLatencyBudget,
} from '../../sim/invariants-challenges.js';
import { hex } from '../../src/challenges/catalog.js';
import { mobileInstall } from '../../src/challenges/processors/mobile-install.js';
import {
  allReferred,
  referral,
  referrals,
  referralVerified,
} from '../../src/challenges/processors/referral.js';
import { scanReferred } from '../../src/challenges/processors/user-events-scan.js';
import { upsertUserChallenges } from '../../src/challenges/upsert.js';
import { userProcessor } from '../../src/challenges/user-processor.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { bulkNotificationSql, deps, Fixture } from './fixtures.js';

/** rv as production keys it: on the referee's user_events only (docs/spec.md#incremental-dirty-scans). */
const productionRv = userProcessor({
  name: 'rv',
  challengeId: 'rv',
  checkpoint: referralVerified.checkpoints[0]!,
  scan: scanReferred,
  async recompute(db, challenge, ids) {
    const rows = await referrals(db, ids, true);
    return upsertUserChallenges(
      db,
      challenge,
      rows.map((r) => ({
        userId: r.referrer,
        specifier: `${hex(r.referrer)}:${hex(r.referred)}`,
        step: 1,
        target: 1,
        blocknumber: r.bn,
        at: r.at,
      })),
    );
  },
  allUsers: allReferred,
});

describe('challenge invariants', () => {
  let t: TestDb;
  let fx: Fixture;
  beforeEach(async () => {
    t = await createTestDb();
    fx = new Fixture(t.db);
    await fx.startEverythingAtZero();
    await fx.blocks(40);
  });
  afterEach(async () => t?.close());

  it('checkpoint monotonicity: catches a rewind and a checkpoint past the committed sources', async () => {
    const ps = [mobileInstall];
    await fx.userEvent(1, 5, { mobile: true });
    await incrementalEqualsFull(t.db, deps({ processors: ps }));
    const first = await checkpointMonotonicity(t.db, null, ps);
    expect(first.violations).toEqual([]);
    await sql`UPDATE indexing_checkpoints SET last_checkpoint = 2 WHERE tablename = 'challenges:m:last_blocknumber'`.execute(
      t.db,
    );
    const rewound = await checkpointMonotonicity(t.db, first.snapshot, ps);
    expect(rewound.violations.map((v) => v.message)).toEqual([
      'challenges:m:last_blocknumber went from 5 to 2',
    ]);
    await sql`UPDATE indexing_checkpoints SET last_checkpoint = 99 WHERE tablename = 'challenges:m:last_blocknumber'`.execute(
      t.db,
    );
    const ahead = await checkpointMonotonicity(t.db, rewound.snapshot, ps);
    expect(ahead.violations.map((v) => v.message)).toEqual([
      'challenges:m:last_blocknumber = 99 passes the committed maximum of its sources (5)',
    ]);
  });

  it('incremental ≡ full holds for the shipped r/rv and catches production’s referrer-flip gap', async () => {
    const history = async () => {
      await fx.user(300, 1);
      await fx.userEvent(1, 2, { referrer: 300 });
      await incrementalEqualsFull(t.db, deps({ processors: [referral, referralVerified] }));
      await fx.user(300, 10, { verified: true }); // only the referrer's users row changes
    };
    await history();
    expect(await incrementalEqualsFull(t.db, deps({ processors: [referral, referralVerified] }))).toEqual([]);
    // The same history with rv keyed as production keys it: the flip is never picked up.
    await sql`TRUNCATE users, user_events, user_challenges, indexing_checkpoints, notification`.execute(t.db);
    await history();
    const v = await incrementalEqualsFull(t.db, deps({ processors: [referral, productionRv] }));
    expect(v).toHaveLength(1);
    expect(v[0]!.message).toMatch(/^rv\/12c:1: incremental null vs full \{/);
  });

  it('trigger latency budget: measures per-row costs and reports the ones over budget', async () => {
    await sql.raw(bulkNotificationSql(20_000)).execute(t.db);
    await sql`VACUUM ANALYZE notification`.execute(t.db);
    await fx.track(1, 1, 1);
    const generous = await triggerLatencyBudget(t.db, {
      cooldownProbeMsPerRow: 1e6,
      onUserChallengeMsPerRow: 1e6,
      onPlayMsPerRow: 1e6,
      sampleRows: 20,
    });
    expect(generous.violations).toEqual([]);
    expect(generous.measured.cooldownProbeMsPerRow).toBeGreaterThan(0);
    expect(generous.measured.onUserChallengeMsPerRow).toBeGreaterThan(0);
    expect(generous.measured.onPlayMsPerRow).toBeGreaterThan(0);
    const zero = await triggerLatencyBudget(t.db, {
      cooldownProbeMsPerRow: 0,
      onUserChallengeMsPerRow: 0,
      onPlayMsPerRow: 0,
      sampleRows: 20,
    });
    expect(zero.violations.map((v) => v.message.split(' ')[0])).toEqual([
      'cooldownProbeMsPerRow',
      'onUserChallengeMsPerRow',
      'onPlayMsPerRow',
    ]);
    // Nothing the measurement wrote survives.
    const left = await sql<{ n: number }>`SELECT count(*)::int AS n FROM user_challenges`.execute(t.db);
    expect(left.rows[0]!.n).toBe(0);
  });
});

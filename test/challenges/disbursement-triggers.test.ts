// The disbursement triggers (migrations/0006_challenges.sql): challenge_reward on disbursement, with the
// reward_manager_txs gate, the reward_codes skip, the one-hour per-user debounce (GIN-safe), the lowercase
// wallet match, and dedupe with on_user_challenge's row.
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verified } from '../../src/challenges/processors/verified.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { Fixture, notifications, tick } from './fixtures.js';

describe('disbursement triggers', () => {
  let t: TestDb;
  let fx: Fixture;
  beforeEach(async () => {
    t = await createTestDb();
    fx = new Fixture(t.db);
    await fx.startEverythingAtZero();
  });
  afterEach(async () => t?.close());

  const disburse = (challenge: string, user: number, specifier: string, signature: string, at: string) =>
    sql`INSERT INTO challenge_disbursements (challenge_id, user_id, specifier, signature, slot, amount, created_at)
        VALUES (${challenge}, ${user}, ${specifier}, ${signature}, 7, '5', ${at}::timestamptz)`.execute(t.db);

  it('legacy table: needs a reward_manager_txs row, skips reward codes, debounces per user for an hour', async () => {
    await sql`INSERT INTO reward_manager_txs (signature, slot, created_at) VALUES ('s1', 7, '2025-03-01'), ('s2', 7, '2025-03-01'),
              ('s3', 7, '2025-03-01'), ('s4', 7, '2025-03-01')`.execute(t.db);
    await sql`INSERT INTO reward_codes (code, mint, reward_address, amount) VALUES ('promo', 'mint', 'addr', 1)`.execute(
      t.db,
    );
    await disburse('u', 1, 'unknown', 'unknown-signature', '2025-03-01 10:00:00+00');
    await disburse('promo', 1, 'x', 's1', '2025-03-01 10:00:00+00');
    expect(await notifications(t.db)).toEqual([]);
    await disburse('u', 1, '1', 's2', '2025-03-01 10:00:00+00');
    await disburse('fp', 1, '1', 's3', '2025-03-01 10:30:00+00'); // within the hour: debounced
    await disburse('fp', 2, '2', 's4', '2025-03-01 10:30:00+00'); // another user
    const n = await notifications(t.db, 'challenge_reward');
    expect(n.map((x) => [x.group_id, x.specifier, x.data])).toEqual([
      ['challenge_reward:1:challenge:u:specifier:1', '1', { specifier: '1', challenge_id: 'u', amount: '5' }],
      [
        'challenge_reward:2:challenge:fp:specifier:2',
        '2',
        { specifier: '2', challenge_id: 'fp', amount: '5' },
      ],
    ]);
  });

  it('sol table: resolves the recipient by lowercase wallet and collapses with the completion-time row', async () => {
    await fx.user(10, 1, { verified: true, wallet: '0xAbCdEf0000000000000000000000000000000001' });
    await tick(t.db, [verified]); // on_user_challenge writes challenge_reward:10:challenge:v:specifier:a
    await sql`
      INSERT INTO sol_reward_disbursements (signature, instruction_index, amount, slot, user_bank, challenge_id, specifier,
                                            recipient_eth_address, created_at)
      VALUES ('sig', 0, 500000000, 9, 'bank', 'v', 'a', '0xabcdef0000000000000000000000000000000001', '2025-03-04 00:00:00')`.execute(
      t.db,
    );
    const n = await notifications(t.db, 'challenge_reward');
    expect(n.map((x) => x.group_id)).toEqual(['challenge_reward:10:challenge:v:specifier:a']);
    // An unknown recipient writes nothing and does not fail the insert.
    await sql`
      INSERT INTO sol_reward_disbursements (signature, instruction_index, amount, slot, user_bank, challenge_id, specifier,
                                            recipient_eth_address, created_at)
      VALUES ('sig2', 0, 1, 9, 'bank', 'v', 'zz', '0xnobody', '2025-03-05 00:00:00')`.execute(t.db);
    expect(await notifications(t.db, 'challenge_reward')).toHaveLength(1);
  });
});

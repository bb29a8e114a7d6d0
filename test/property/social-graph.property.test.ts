// For any sequence of social actions (duplicates, out-of-order undo, wrong signers), the tables hold
// exactly one current row per pair, the active rows equal a TypeScript model, and the aggregate counts
// equal the model's counts. Signers that are neither the wallet nor a grantee never change a row.
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrack, createUser, tx, wallet } from '../handlers/support.js';
import { TestChain } from '../support/chain.js';
import { createTestDb, type TestDb } from '../support/db.js';

type Act = {
  kind: 'Follow' | 'Unfollow' | 'Save' | 'Unsave' | 'Repost' | 'Unrepost' | 'Subscribe' | 'Unsubscribe';
  actor: number;
  target: number;
  forged: boolean;
};

const actArb = fc.record({
  kind: fc.constantFrom(
    'Follow',
    'Unfollow',
    'Save',
    'Unsave',
    'Repost',
    'Unrepost',
    'Subscribe',
    'Unsubscribe',
  ),
  actor: fc.nat({ max: 3 }),
  target: fc.nat({ max: 3 }),
  // About one action in five is signed by a wallet that is neither the user nor a grantee.
  forged: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
}) as fc.Arbitrary<Act>;

describe('social graph property', () => {
  let t: TestDb;
  let c: TestChain;
  beforeAll(async () => {
    t = await createTestDb();
    c = new TestChain(t.db);
  });
  afterAll(async () => t?.close());

  it('one current row per pair; active rows and counts equal the model; forged signers change nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(actArb, { minLength: 1, maxLength: 25 }),
        fc.integer({ min: 1, max: 6 }),
        async (acts, perBlock) => {
          // Fresh users and tracks per run, so runs are independent on one database.
          const users: { id: number; wallet: string }[] = [];
          for (let i = 0; i < 4; i++) users.push(await createUser(c));
          const tracks: number[] = [];
          for (let i = 0; i < 4; i++) tracks.push(await createTrack(c, users[i]!));
          const follows = new Set<string>();
          const subs = new Set<string>();
          const saves = new Set<string>();
          const reposts = new Set<string>();
          const txs = acts.map((a) => {
            const actor = users[a.actor]!;
            const isUserTarget = a.kind.includes('ollow') || a.kind.includes('ubscribe');
            const target = isUserTarget ? users[a.target]!.id : tracks[a.target]!;
            const signer = a.forged ? wallet(9_000_000 + a.actor) : actor.wallet;
            if (!a.forged) {
              const k = `${actor.id}:${target}`;
              const self = isUserTarget && actor.id === target;
              if (a.kind === 'Follow' && !self && !follows.has(k)) {
                follows.add(k);
                subs.add(k);
              }
              if (a.kind === 'Unfollow' && follows.has(k)) {
                follows.delete(k);
                subs.delete(k);
              }
              if (a.kind === 'Subscribe' && !self) subs.add(k);
              if (a.kind === 'Unsubscribe') subs.delete(k);
              if (a.kind === 'Save') saves.add(k);
              if (a.kind === 'Unsave') saves.delete(k);
              if (a.kind === 'Repost') reposts.add(k);
              if (a.kind === 'Unrepost') reposts.delete(k);
            }
            return tx({
              userId: actor.id,
              entityType: isUserTarget ? 'User' : 'Track',
              entityId: target,
              action: a.kind,
              signer,
            });
          });
          for (let i = 0; i < txs.length; i += perBlock) await c.block(...txs.slice(i, i + perBlock));

          const ids = users.map((u) => u.id);
          const active = async (q: string) =>
            new Set((await sql.raw<{ k: string }>(q).execute(t.db)).rows.map((r) => r.k));
          const inUsers = `(${ids.join(',')})`;
          expect(
            await active(
              `SELECT follower_user_id || ':' || followee_user_id AS k FROM follows WHERE is_current AND NOT is_delete AND follower_user_id IN ${inUsers}`,
            ),
          ).toEqual(follows);
          expect(
            await active(
              `SELECT subscriber_id || ':' || user_id AS k FROM subscriptions WHERE is_current AND NOT is_delete AND subscriber_id IN ${inUsers}`,
            ),
          ).toEqual(subs);
          expect(
            await active(
              `SELECT user_id || ':' || save_item_id AS k FROM saves WHERE is_current AND NOT is_delete AND user_id IN ${inUsers}`,
            ),
          ).toEqual(saves);
          expect(
            await active(
              `SELECT user_id || ':' || repost_item_id AS k FROM reposts WHERE is_current AND NOT is_delete AND user_id IN ${inUsers}`,
            ),
          ).toEqual(reposts);
          const dupes = await sql
            .raw<{ n: number }>(
              `SELECT count(*)::int AS n FROM (SELECT follower_user_id, followee_user_id FROM follows WHERE is_current GROUP BY 1, 2 HAVING count(*) > 1) d`,
            )
            .execute(t.db);
          expect(dupes.rows[0]!.n).toBe(0);
          for (const u of users) {
            const agg = await t.db
              .selectFrom('aggregate_user')
              .select(['follower_count', 'following_count'])
              .where('user_id', '=', u.id)
              .executeTakeFirst();
            const followers = [...follows].filter((k) => k.endsWith(`:${u.id}`)).length;
            const following = [...follows].filter((k) => k.startsWith(`${u.id}:`)).length;
            expect({ followers: agg?.follower_count ?? 0, following: agg?.following_count ?? 0 }).toEqual({
              followers,
              following,
            });
          }
          for (const tr of tracks) {
            const agg = await t.db
              .selectFrom('aggregate_track')
              .select(['save_count', 'repost_count'])
              .where('track_id', '=', tr)
              .executeTakeFirst();
            expect({ s: agg?.save_count ?? 0, r: agg?.repost_count ?? 0 }).toEqual({
              s: [...saves].filter((k) => k.endsWith(`:${tr}`)).length,
              r: [...reposts].filter((k) => k.endsWith(`:${tr}`)).length,
            });
          }
        },
      ),
      { numRuns: 12, seed: 20261122 },
    );
  });
});

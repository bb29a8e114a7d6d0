// The batched entity manager (block view, no savepoint per tx) against the careful path (a savepoint per
// tx, every read from the database): the same blocks, dense with txs on the same few keys — follows,
// saves, reposts, grants created/approved/revoked and used in the same block, users deactivated and
// reactivated, tracks deleted, forged signers, writes-then-rejections — must give the same outcome for
// every tx and the same rows in every table, and the batched path must issue fewer statements.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManageEntityTx } from '../../src/chain/types.js';
import { silentLogger } from '../../src/deps/logger.js';
import { indexBlock } from '../../src/indexer/index-block.js';
import { wallet } from '../handlers/support.js';
import { testDispatcher } from '../indexer/test-handlers.js';
import { blockAt, emTx } from '../support/chain.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { digestTables } from '../support/digest.js';
import { StatementFault } from '../support/statement-fault.js';

const USERS = 4;
const TRACKS = 3;

type Act =
  | { kind: 'Follow' | 'Unfollow'; actor: number; target: number; via: number }
  | { kind: 'Save' | 'Unsave' | 'Repost' | 'Unrepost'; actor: number; target: number; via: number }
  | { kind: 'GrantCreate' | 'GrantDelete' | 'GrantApprove'; actor: number; target: number; via: number }
  | { kind: 'Deactivate' | 'Reactivate'; actor: number; target: number; via: number }
  | { kind: 'TrackDelete'; actor: number; target: number; via: number }
  | { kind: 'WriteThenReject'; actor: number; target: number; via: number };

const actArb: fc.Arbitrary<Act> = fc.record({
  kind: fc.constantFrom(
    'Follow',
    'Unfollow',
    'Save',
    'Unsave',
    'Repost',
    'Unrepost',
    'Follow',
    'Save',
    'GrantCreate',
    'GrantDelete',
    'GrantApprove',
    'Deactivate',
    'Reactivate',
    'TrackDelete',
  ),
  actor: fc.nat({ max: USERS - 1 }),
  target: fc.nat({ max: USERS - 1 }),
  // The signer: 0–3 another user's wallet (a manager when granted), 4+ the actor's own wallet, 9 forged.
  via: fc.nat({ max: 9 }),
}) as fc.Arbitrary<Act>;

let runBase = 5_000_000;

interface World {
  users: number[];
  tracks: number[];
}

function signerOf(w: World, a: Act): string {
  if (a.via === 9) return wallet(9_999_999);
  if (a.via < USERS) return wallet(w.users[a.via]!);
  return wallet(w.users[a.actor]!);
}

function toTx(w: World, a: Act): ManageEntityTx {
  const userId = w.users[a.actor]!;
  const signer = signerOf(w, a);
  const targetUser = w.users[a.target]!;
  const track = w.tracks[a.target % TRACKS]!;
  switch (a.kind) {
    case 'Follow':
    case 'Unfollow':
      return emTx({ userId, entityType: 'User', entityId: targetUser, action: a.kind, signer });
    case 'Save':
    case 'Unsave':
    case 'Repost':
    case 'Unrepost':
      return emTx({ userId, entityType: 'Track', entityId: track, action: a.kind, signer });
    case 'GrantCreate':
    case 'GrantDelete':
      return emTx({
        userId,
        entityType: 'Grant',
        entityId: 0,
        action: a.kind === 'GrantCreate' ? 'Create' : 'Delete',
        signer,
        metadata: { grantee_address: wallet(targetUser) },
      });
    case 'GrantApprove':
      // Signed by the grantee-side user (the target), naming the actor as grantor.
      return emTx({
        userId: targetUser,
        entityType: 'Grant',
        entityId: 0,
        action: 'Approve',
        signer: a.via === 9 ? signer : wallet(targetUser),
        metadata: { grantee_address: wallet(targetUser), grantor_user_id: userId },
      });
    case 'Deactivate':
    case 'Reactivate':
      return emTx({
        userId,
        entityType: 'User',
        entityId: userId,
        action: 'Update',
        signer,
        metadata: { is_deactivated: a.kind === 'Deactivate' },
      });
    case 'TrackDelete':
      return emTx({ userId, entityType: 'Track', entityId: track, action: 'Delete', signer });
    case 'WriteThenReject':
      return emTx({
        userId: 1,
        entityType: 'Test',
        entityId: runBase + 900 + a.target,
        action: a.kind,
        signer,
      });
  }
}

describe('block view: batched ManageEntity txs equal the careful path', () => {
  let batched: TestDb;
  let careful: TestDb;
  let height = 0;
  const deps = { chainId: 'metronome-test', dispatcher: testDispatcher(), logger: silentLogger };

  beforeAll(async () => {
    batched = await createTestDb();
    careful = await createTestDb();
  });
  afterAll(async () => {
    await batched?.close();
    await careful?.close();
  });

  /** One block on both databases; returns the statements each path issued. */
  async function both(txs: readonly ManageEntityTx[]): Promise<{ batched: number; careful: number }> {
    height++;
    const block = blockAt(height, txs);
    const pb = new StatementFault(undefined);
    const pc = new StatementFault(undefined);
    await indexBlock(batched.db.withPlugin(pb), block, deps);
    await indexBlock(careful.db.withPlugin(pc), block, { ...deps, batching: false });
    return { batched: pb.count, careful: pc.count };
  }

  async function outcomes(t: TestDb) {
    return t.db
      .selectFrom('etl_transactions')
      .select(['block_height', 'tx_index', 'outcome', 'reason_code', 'reason'])
      .orderBy('block_height')
      .orderBy('tx_index')
      .execute();
  }

  it('same outcomes and rows for dense blocks on the same keys; fewer statements', async () => {
    let statements = { batched: 0, careful: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof({ weight: 40, arbitrary: actArb }, { weight: 1, arbitrary: writeThenReject() }), {
          minLength: 40,
          maxLength: 80,
        }),
        fc.integer({ min: 5, max: 40 }),
        async (acts, perBlock) => {
          runBase += 1000;
          const w: World = {
            users: Array.from({ length: USERS }, (_, i) => runBase + i),
            tracks: Array.from({ length: TRACKS }, (_, i) => runBase + 500 + i),
          };
          // The population is created in the first block, so later txs may read rows of the same block.
          const setup = [
            ...w.users.map((id) =>
              emTx({
                userId: id,
                entityType: 'User',
                entityId: id,
                action: 'Create',
                signer: wallet(id),
                metadata: { handle: `bv${id}`, name: `U ${id}` },
              }),
            ),
            ...w.tracks.map((id, i) =>
              emTx({
                userId: w.users[i]!,
                entityType: 'Track',
                entityId: id,
                action: 'Create',
                signer: wallet(w.users[i]!),
                metadata: { owner_id: w.users[i]!, title: `Song ${id}`, genre: 'Electronic' },
              }),
            ),
          ];
          const txs = [...setup, ...acts.map((a) => toTx(w, a))];
          for (let i = 0; i < txs.length; i += perBlock) {
            const n = await both(txs.slice(i, i + perBlock));
            statements = { batched: statements.batched + n.batched, careful: statements.careful + n.careful };
          }
          expect(await outcomes(batched)).toEqual(await outcomes(careful));
        },
      ),
      { numRuns: 12, seed: 19 },
    );
    expect(await digestTables(batched.db)).toEqual(await digestTables(careful.db));
    // Some txs applied and some were rejected, or the comparison proves little.
    const mix = await batched.db
      .selectFrom('etl_transactions')
      .select(['outcome'])
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .groupBy('outcome')
      .execute();
    expect(mix.map((r) => r.outcome).sort()).toEqual(['applied', 'rejected']);
    expect(statements.batched).toBeLessThan(statements.careful);
  }, 600_000);
});

function writeThenReject(): fc.Arbitrary<Act> {
  return fc.nat({ max: 50 }).map((n) => ({ kind: 'WriteThenReject', actor: 0, target: n, via: 5 }));
}

// The batched entity manager (block view, no savepoint per tx) against the careful path (a savepoint per
// tx, every read from the database): the same blocks, dense with txs on the same few keys — follows,
// saves, reposts, grants created/approved/revoked and used in the same block, users deactivated and
// reactivated, tracks deleted, forged signers, writes-then-rejections — must give the same outcome for
// every tx and the same rows in every table, and the batched path must issue fewer statements.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManageEntityTx } from '../../src/chain/types.js';
import { silentLogger } from '../../src/deps/logger.js';
import { applyGroup, indexBlock } from '../../src/indexer/index-block.js';
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

  /**
   * Blocks on both databases: the batched side alone block by block, or all in one group (the line of
   * em-txs.ts: one view for the group, each block's keys read with the previous block's, writes sent
   * without waiting); the careful side block by block. Returns the statements each path issued.
   */
  async function both(
    blockTxs: readonly (readonly ManageEntityTx[])[],
    grouped: boolean,
  ): Promise<{ batched: number; careful: number }> {
    const blocks = blockTxs.map((txs) => blockAt(++height, txs));
    const pb = new StatementFault(undefined);
    const pc = new StatementFault(undefined);
    // Audited: every value a handler patches into the view is re-read and must be equal (IndexDeps.auditView).
    const audited = { ...deps, auditView: true };
    if (grouped)
      await batched.db
        .withPlugin(pb)
        .transaction()
        .execute((trx) => applyGroup(trx, blocks, audited));
    else for (const b of blocks) await indexBlock(batched.db.withPlugin(pb), b, audited);
    for (const b of blocks) await indexBlock(careful.db.withPlugin(pc), b, { ...deps, batching: false });
    return { batched: pb.count, careful: pc.count };
  }

  /** `txs` cut into blocks of `perBlock` on both paths; the outcomes must agree. */
  async function inBlocks(txs: readonly ManageEntityTx[], perBlock: number, grouped: boolean) {
    const cut: ManageEntityTx[][] = [];
    for (let i = 0; i < txs.length; i += perBlock) cut.push(txs.slice(i, i + perBlock));
    const total = await both(cut, grouped);
    expect(await outcomes(batched)).toEqual(await outcomes(careful));
    return total;
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
        fc.boolean(),
        async (acts, perBlock, grouped) => {
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
          const n = await inBlocks(txs, perBlock, grouped);
          statements = { batched: statements.batched + n.batched, careful: statements.careful + n.careful };
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

  // The handlers' own writes patch the view instead of dropping it (writeThrough): creates and updates of
  // users (handles, wallets, deactivation), tracks and playlists on few ids, titles that collide and end
  // in digits, album flags read by reposts, and price histories written twice in one block.
  it('write-through: creates, handles, routes, album flags and prices on few keys equal the careful path', async () => {
    let statements = { batched: 0, careful: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.array(patchActArb, { minLength: 30, maxLength: 70 }),
        fc.integer({ min: 8, max: 40 }),
        fc.boolean(),
        async (acts, perBlock, grouped) => {
          runBase += 1000;
          const base = runBase;
          const users = [0, 1, 2].map((i) => base + i);
          const setup = users.map((id) =>
            emTx({
              userId: id,
              entityType: 'User',
              entityId: id,
              action: 'Create',
              signer: wallet(id),
              metadata: { handle: `wt${id}`, name: `U ${id}` },
            }),
          );
          const txs = [...setup, ...acts.map((a) => patchTx(base, users, a))];
          const n = await inBlocks(txs, perBlock, grouped);
          statements = { batched: statements.batched + n.batched, careful: statements.careful + n.careful };
        },
      ),
      { numRuns: 10, seed: 23 },
    );
    expect(await digestTables(batched.db)).toEqual(await digestTables(careful.db));
    // The property reached every patched lookup, both ways.
    const reasons = await batched.db
      .selectFrom('etl_transactions')
      .select('reason_code')
      .distinct()
      .where('reason_code', 'is not', null)
      .execute();
    expect(reasons.map((r) => r.reason_code)).toEqual(
      expect.arrayContaining([
        'user_exists',
        'handle_taken',
        'wallet_taken',
        'track_exists',
        'playlist_exists',
      ]),
    );
    const count = async (
      table: 'track_routes' | 'playlist_routes' | 'album_price_history' | 'track_price_history',
    ) =>
      Number(
        (
          await batched.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const collided = await batched.db
      .selectFrom('track_routes')
      .select('slug')
      .where('collision_id', '>', 0)
      .execute();
    expect(collided.length).toBeGreaterThan(0);
    expect(await count('playlist_routes')).toBeGreaterThan(0);
    expect(await count('album_price_history')).toBeGreaterThan(1);
    expect(await count('track_price_history')).toBeGreaterThan(1);
    const albumReposts = await batched.db
      .selectFrom('reposts')
      .select('user_id')
      .where('repost_type', '=', 'album')
      .execute();
    expect(albumReposts.length).toBeGreaterThan(0);
    const demoted = await batched.db
      .selectFrom('user_events')
      .select('user_id')
      .where('is_current', '=', false)
      .execute();
    expect(demoted.length).toBeGreaterThan(0);
    expect(statements.batched).toBeLessThan(statements.careful);
  }, 900_000);
});

type PatchAct =
  | { kind: 'UserCreate'; id: number; handle: number; sharedWallet: boolean; migration: boolean }
  | { kind: 'UserUpdate'; actor: number; handle: number; deactivate: number; pick: number; longBio: boolean }
  | { kind: 'TrackCreate' | 'TrackUpdate'; actor: number; id: number; title: number; price: number }
  | {
      kind: 'PlaylistCreate' | 'PlaylistUpdate';
      actor: number;
      id: number;
      title: number;
      price: number;
      album: boolean;
      /** Which of four tracks the contents hold (bit i: track i), so updates drop and re-add tracks. */
      tracks: number;
    }
  | { kind: 'Repost' | 'Save'; actor: number; id: number; album: boolean };

const HANDLES = ['', 'hx', 'hy', 'HX'];
const TITLES = ['Song', 'Song 2', 'song-2', 'Take 1'];
const NAMES = ['Mix', 'Mix 2', 'mix-2', ''];
const PRICES = [0, 100, 200];

const patchActArb: fc.Arbitrary<PatchAct> = fc.oneof(
  fc.record({
    kind: fc.constant('UserCreate' as const),
    id: fc.nat({ max: 3 }),
    handle: fc.nat({ max: 3 }),
    sharedWallet: fc.boolean(),
    migration: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('UserUpdate' as const),
    actor: fc.nat({ max: 2 }),
    handle: fc.nat({ max: 3 }),
    deactivate: fc.nat({ max: 2 }),
    // An artist pick among the test's track ids (6: none), and a bio that is sometimes too long: both are
    // checked only when they change, against the stored row (the view's userProfile, patched by each write).
    pick: fc.oneof({ weight: 3, arbitrary: fc.constant(6) }, { weight: 1, arbitrary: fc.nat({ max: 5 }) }),
    longBio: fc.nat({ max: 3 }).map((n) => n === 0),
  }),
  fc.record({
    kind: fc.constantFrom('TrackCreate' as const, 'TrackCreate' as const, 'TrackUpdate' as const),
    actor: fc.nat({ max: 2 }),
    id: fc.nat({ max: 5 }),
    title: fc.nat({ max: 3 }),
    price: fc.nat({ max: 2 }),
  }),
  fc.record({
    kind: fc.constantFrom('PlaylistCreate' as const, 'PlaylistCreate' as const, 'PlaylistUpdate' as const),
    actor: fc.nat({ max: 2 }),
    id: fc.nat({ max: 3 }),
    title: fc.nat({ max: 3 }),
    price: fc.nat({ max: 2 }),
    album: fc.boolean(),
    tracks: fc.nat({ max: 15 }),
  }),
  fc.record({
    kind: fc.constantFrom('Repost' as const, 'Save' as const),
    actor: fc.nat({ max: 2 }),
    id: fc.nat({ max: 3 }),
    album: fc.boolean(),
  }),
);

function usdc(price: number, userId: number) {
  return { usdc_purchase: { price, splits: [{ user_id: userId, percentage: 100 }] } };
}

function patchTx(base: number, users: readonly number[], a: PatchAct): ManageEntityTx {
  switch (a.kind) {
    case 'UserCreate': {
      const id = base + 10 + a.id;
      return emTx({
        userId: id,
        entityType: 'User',
        entityId: id,
        action: 'Create',
        // A shared wallet: the second create with it is wallet_taken.
        signer: a.sharedWallet ? wallet(base + 99) : wallet(id),
        migration: a.migration,
        metadata: {
          handle: HANDLES[a.handle] === '' ? '' : `${HANDLES[a.handle]}${base}`,
          name: 'N',
          events: a.id % 2 === 0 ? { referrer: users[0] } : { is_mobile_user: a.sharedWallet },
        },
      });
    }
    case 'UserUpdate': {
      const id = users[a.actor]!;
      const handle = HANDLES[a.handle]!;
      return emTx({
        userId: id,
        entityType: 'User',
        entityId: id,
        action: 'Update',
        signer: wallet(id),
        metadata: {
          ...(handle === '' ? { bio: a.longBio ? 'x'.repeat(400) : 'b' } : { handle: `${handle}${base}` }),
          ...(a.deactivate === 0 ? {} : { is_deactivated: a.deactivate === 1 }),
          ...(a.pick < 6 ? { artist_pick_track_id: base + 500 + a.pick } : {}),
          // The user_events hook, twice per user per block at times: a change, then no change.
          events: a.handle % 2 === 0 ? { is_mobile_user: true } : { referrer: users[(a.actor + 1) % 3] },
        },
      });
    }
    case 'TrackCreate':
    case 'TrackUpdate': {
      const owner = users[a.actor]!;
      const price = PRICES[a.price]!;
      return emTx({
        userId: owner,
        entityType: 'Track',
        entityId: base + 500 + a.id,
        action: a.kind === 'TrackCreate' ? 'Create' : 'Update',
        signer: wallet(owner),
        metadata: {
          owner_id: owner,
          title: TITLES[a.title],
          genre: 'Electronic',
          ...(price > 0 ? { is_download_gated: true, download_conditions: usdc(price, owner) } : {}),
        },
      });
    }
    case 'PlaylistCreate':
    case 'PlaylistUpdate': {
      const owner = users[a.actor]!;
      const price = PRICES[a.price]!;
      return emTx({
        userId: owner,
        entityType: 'Playlist',
        entityId: base + 700 + a.id,
        action: a.kind === 'PlaylistCreate' ? 'Create' : 'Update',
        signer: wallet(owner),
        metadata: {
          playlist_name: NAMES[a.title],
          is_album: a.album,
          playlist_contents: {
            track_ids: [0, 1, 2, 3]
              .filter((i) => (a.tracks >> i) & 1)
              .map((i) => ({ track: base + 500 + i, time: 1 })),
          },
          ...(price > 0 ? { is_stream_gated: true, stream_conditions: usdc(price, owner) } : {}),
        },
      });
    }
    case 'Repost':
    case 'Save': {
      const actor = users[a.actor]!;
      return emTx({
        userId: actor,
        entityType: a.album ? 'Album' : 'Playlist',
        entityId: base + 700 + a.id,
        action: a.kind,
        signer: wallet(actor),
        // No type in metadata: a repost of a playlist row that is an album is stored as one.
        metadata: {},
      });
    }
  }
}

function writeThenReject(): fc.Arbitrary<Act> {
  return fc.nat({ max: 50 }).map((n) => ({ kind: 'WriteThenReject', actor: 0, target: n, via: 5 }));
}

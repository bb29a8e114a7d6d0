import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERIFIER_ADDRESS } from '../../src/entity-manager/handlers/user.js';
import { TestChain } from '../support/chain.js';
import { createTestDb, type TestDb } from '../support/db.js';
import {
  createPlaylist,
  createTrack,
  createUser,
  expectApplied,
  expectRejected,
  tx,
  wallet,
} from './support.js';

describe('User handlers', () => {
  let t: TestDb;
  let c: TestChain;
  beforeAll(async () => {
    t = await createTestDb();
    c = new TestChain(t.db);
  });
  afterAll(async () => t?.close());

  it('Create: inserts the current row with the signer as wallet; each rule rejects in order', async () => {
    const u = await createUser(c, 'Alice_1');
    const row = await t.db
      .selectFrom('users')
      .selectAll()
      .where('user_id', '=', u.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      handle: 'Alice_1',
      handle_lc: 'alice_1',
      wallet: u.wallet,
      is_current: true,
      is_verified: false,
    });
    const create = (id: number, signer: string, metadata: Record<string, unknown>) =>
      tx({ userId: id, entityType: 'User', entityId: id, action: 'Create', signer, metadata });
    await expectRejected(c, create(2_999_999, wallet(2), { handle: 'low' }), 'user_id_below_offset');
    await expectRejected(
      c,
      create(3_200_001, wallet(3), { handle: 'b', bio: 'x'.repeat(257) }),
      'bio_too_long',
    );
    await expectRejected(c, create(3_200_002, wallet(4), { handle: 'bad handle!' }), 'handle_invalid');
    await expectRejected(c, create(3_200_003, wallet(5), { handle: 'h'.repeat(31) }), 'handle_too_long');
    await expectRejected(c, create(3_200_004, wallet(6), { handle: 'Admin' }), 'handle_reserved');
    await expectRejected(
      c,
      create(3_200_005, wallet(7), { handle: 'okname', name: 'n'.repeat(33) }),
      'name_too_long',
    );
    await expectRejected(c, create(u.id, wallet(8), { handle: 'again' }), 'user_exists');
    await expectRejected(c, create(3_200_006, u.wallet, { handle: 'samewallet' }), 'wallet_taken');
    await expectRejected(c, create(3_200_007, wallet(9), { handle: 'ALICE_1' }), 'handle_taken');
    // Runes, not bytes: 32 emoji are a valid name.
    await expectApplied(c, create(3_200_008, wallet(10), { handle: 'emoji', name: '🎵'.repeat(32) }));
  });

  it('Update: empty or absent strings never clear a field; changed fields are re-validated', async () => {
    const u = await createUser(c, 'bob');
    const update = (metadata: Record<string, unknown>, signer = u.wallet) =>
      tx({ userId: u.id, entityType: 'User', entityId: u.id, action: 'Update', signer, metadata });
    await expectApplied(c, update({ bio: 'hello', location: 'Denver' }));
    await expectApplied(c, update({ bio: '', name: '', handle: '' }));
    const row = await t.db
      .selectFrom('users')
      .selectAll()
      .where('user_id', '=', u.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ bio: 'hello', handle: 'bob', location: 'Denver', name: `U ${u.id}` });
    await expectRejected(c, update({ bio: 'y' }, wallet(999)), 'signer_not_authorized');
    await expectRejected(
      c,
      tx({
        userId: 3_900_000,
        entityType: 'User',
        entityId: 3_900_000,
        action: 'Update',
        signer: wallet(3_900_000),
        metadata: { bio: 'x' },
      }),
      'user_not_found',
    );
    await expectRejected(c, update({ bio: 'z'.repeat(300) }), 'bio_too_long');
    await expectRejected(c, update({ handle: 'alice_1' }), 'handle_taken');
    const other = await createUser(c);
    const theirs = await createTrack(c, other);
    await expectRejected(c, update({ artist_pick_track_id: theirs }), 'artist_pick_invalid');
    const mine = await createTrack(c, u);
    await expectApplied(c, update({ artist_pick_track_id: mine, handle: 'Bobby' }));
    expect(
      await t.db
        .selectFrom('users')
        .select(['artist_pick_track_id', 'handle_lc'])
        .where('user_id', '=', u.id)
        .executeTakeFirstOrThrow(),
    ).toEqual({ artist_pick_track_id: mine, handle_lc: 'bobby' });
  });

  it('Verify: only the verifier address, and is_verified never goes back', async () => {
    const u = await createUser(c);
    const verify = (signer: string, metadata: Record<string, unknown>) =>
      tx({ userId: u.id, entityType: 'User', entityId: u.id, action: 'Verify', signer, metadata });
    await expectRejected(c, verify(u.wallet, { is_verified: true }), 'not_verifier');
    await expectRejected(
      c,
      tx({
        userId: 3_900_001,
        entityType: 'User',
        entityId: 3_900_001,
        action: 'Verify',
        signer: VERIFIER_ADDRESS,
        metadata: {},
      }),
      'user_not_found',
    );
    await expectApplied(
      c,
      verify(VERIFIER_ADDRESS.toUpperCase().replace('0X', '0x'), { is_verified: true, twitter_handle: 'tw' }),
    );
    await expectApplied(c, verify(VERIFIER_ADDRESS, { is_verified: false }));
    expect(
      await t.db
        .selectFrom('users')
        .select(['is_verified', 'verified_with_twitter', 'twitter_handle'])
        .where('user_id', '=', u.id)
        .executeTakeFirstOrThrow(),
    ).toEqual({ is_verified: true, verified_with_twitter: true, twitter_handle: 'tw' });
  });

  it('Mute / Unmute: target exists, not self, no double mute, unmute needs an active mute', async () => {
    const a = await createUser(c);
    const b = await createUser(c);
    const mute = (action: 'Mute' | 'Unmute', target: number) =>
      tx({ userId: a.id, entityType: 'User', entityId: target, action, signer: a.wallet });
    await expectRejected(c, mute('Unmute', b.id), 'not_muted');
    await expectRejected(c, mute('Mute', 3_999_999), 'target_not_found');
    await expectRejected(c, mute('Mute', a.id), 'self_action');
    await expectApplied(c, mute('Mute', b.id));
    await expectRejected(c, mute('Mute', b.id), 'already_muted');
    await expectApplied(c, mute('Unmute', b.id));
    expect(
      await t.db
        .selectFrom('muted_users')
        .select('is_delete')
        .where('user_id', '=', a.id)
        .executeTakeFirstOrThrow(),
    ).toEqual({ is_delete: true });
  });
});

describe('User and Track rules not covered above', () => {
  let t: TestDb;
  let c: TestChain;
  beforeAll(async () => {
    t = await createTestDb();
    c = new TestChain(t.db);
  });
  afterAll(async () => t?.close());

  it('User/Create rejects a developer app as signer; Track Mute/Unmute and Playlist Delete by a non-owner', async () => {
    const owner = await createUser(c);
    const app = wallet(7_777_777);
    await expectApplied(
      c,
      tx({
        userId: owner.id,
        entityType: 'DeveloperApp',
        entityId: 0,
        action: 'Create',
        signer: owner.wallet,
        metadata: { address: app, name: 'an app' },
      }),
    );
    await expectRejected(
      c,
      tx({
        userId: 3_800_000,
        entityType: 'User',
        entityId: 3_800_000,
        action: 'Create',
        signer: app,
        metadata: { handle: 'appuser' },
      }),
      'signer_is_app',
    );
    const track = await createTrack(c, owner);
    await expectApplied(
      c,
      tx({ userId: owner.id, entityType: 'Track', entityId: track, action: 'Mute', signer: owner.wallet }),
    );
    await expectApplied(
      c,
      tx({ userId: owner.id, entityType: 'Track', entityId: track, action: 'Unmute', signer: owner.wallet }),
    );
    expect(
      await t.db
        .selectFrom('comment_notification_settings')
        .select(['entity_type', 'is_muted'])
        .where('entity_id', '=', track)
        .execute(),
    ).toEqual([{ entity_type: 'Track', is_muted: false }]);
    const other = await createUser(c);
    const pl = await createPlaylist(c, owner);
    await expectRejected(
      c,
      tx({ userId: other.id, entityType: 'Playlist', entityId: pl, action: 'Delete', signer: other.wallet }),
      'not_owner',
    );
    await expectRejected(
      c,
      tx({
        userId: owner.id,
        entityType: 'Track',
        entityId: 2_999_990,
        action: 'Delete',
        signer: owner.wallet,
      }),
      'track_not_found',
    );
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestChain } from '../support/chain.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { createPlaylist, createTrack, createUser, expectApplied, expectRejected, tx } from './support.js';

describe('social handlers (dispatched by action for any entity type)', () => {
  let t: TestDb;
  let c: TestChain;
  beforeAll(async () => {
    t = await createTestDb();
    c = new TestChain(t.db);
  });
  afterAll(async () => t?.close());

  it('Follow writes the implied subscription; Unfollow tombstones both', async () => {
    const a = await createUser(c);
    const b = await createUser(c);
    const f = (action: string, target: number) =>
      tx({ userId: a.id, entityType: 'User', entityId: target, action, signer: a.wallet });
    await expectRejected(c, f('Follow', a.id), 'self_action');
    await expectRejected(
      c,
      tx({ userId: a.id, entityType: 'User', entityId: b.id, action: 'Follow', signer: b.wallet }),
      'signer_not_authorized',
    );
    await expectRejected(c, f('Follow', 3_999_998), 'target_not_found');
    await expectRejected(c, f('Unfollow', b.id), 'not_following');
    await expectApplied(c, f('Follow', b.id));
    await expectRejected(c, f('Follow', b.id), 'already_following');
    expect(
      await t.db
        .selectFrom('subscriptions')
        .select(['is_delete', 'entity_type'])
        .where('subscriber_id', '=', a.id)
        .execute(),
    ).toEqual([{ is_delete: false, entity_type: 'User' }]);
    expect(
      await t.db
        .selectFrom('aggregate_user')
        .select(['follower_count'])
        .where('user_id', '=', b.id)
        .executeTakeFirstOrThrow(),
    ).toEqual({ follower_count: 1 });
    await expectApplied(c, f('Unfollow', b.id));
    expect(
      await t.db.selectFrom('follows').select('is_delete').where('follower_user_id', '=', a.id).execute(),
    ).toEqual([{ is_delete: true }]);
    expect(
      await t.db.selectFrom('subscriptions').select('is_delete').where('subscriber_id', '=', a.id).execute(),
    ).toEqual([{ is_delete: true }]);
    expect(
      await t.db
        .selectFrom('aggregate_user')
        .select(['follower_count'])
        .where('user_id', '=', b.id)
        .executeTakeFirstOrThrow(),
    ).toEqual({ follower_count: 0 });
    // Follow again: still one current row for the pair.
    await expectApplied(c, f('Follow', b.id));
    expect(
      await t.db.selectFrom('follows').select('is_delete').where('follower_user_id', '=', a.id).execute(),
    ).toEqual([{ is_delete: false }]);
  });

  it('Save / Repost: type from metadata, then entity type, then the database; albums saved as playlist', async () => {
    const a = await createUser(c);
    const track = await createTrack(c, a);
    const album = await createPlaylist(c, a, { is_album: true });
    const s = (action: string, id: number, entityType: string, metadata?: Record<string, unknown>) =>
      tx({
        userId: a.id,
        entityType,
        entityId: id,
        action,
        signer: a.wallet,
        ...(metadata ? { metadata } : {}),
      });
    await expectApplied(c, s('Save', track, 'Track'));
    await expectRejected(c, s('Save', track, 'Track'), 'already_saved');
    await expectApplied(c, s('Save', album, 'Playlist', { type: 'album' }));
    expect(
      await t.db.selectFrom('saves').select(['save_type']).where('save_item_id', '=', album).execute(),
    ).toEqual([{ save_type: 'playlist' }]);
    await expectApplied(c, s('Repost', album, 'Playlist'));
    expect(
      await t.db.selectFrom('reposts').select(['repost_type']).where('repost_item_id', '=', album).execute(),
    ).toEqual([{ repost_type: 'album' }]);
    await expectRejected(c, s('Save', 2_999_997, 'Track'), 'target_not_found');
    await expectRejected(c, s('Save', 123, 'Comment'), 'item_type_unknown');
    await expectRejected(c, s('Unsave', track, 'Playlist'), 'not_saved');
    await expectApplied(c, s('Unsave', track, 'Track'));
    await expectRejected(c, s('Unrepost', track, 'Track'), 'not_reposted');
    expect(
      await t.db
        .selectFrom('aggregate_track')
        .select(['save_count', 'repost_count'])
        .where('track_id', '=', track)
        .executeTakeFirstOrThrow(),
    ).toEqual({ save_count: 0, repost_count: 0 });
    expect(
      await t.db
        .selectFrom('aggregate_playlist')
        .select(['save_count', 'repost_count', 'is_album'])
        .where('playlist_id', '=', album)
        .executeTakeFirstOrThrow(),
    ).toEqual({ save_count: 1, repost_count: 1, is_album: true });
  });

  it('relaxed existence: a deleted track can still be saved (current row, deleted allowed)', async () => {
    const a = await createUser(c);
    const track = await createTrack(c, a);
    await expectApplied(
      c,
      tx({ userId: a.id, entityType: 'Track', entityId: track, action: 'Delete', signer: a.wallet }),
    );
    await expectApplied(
      c,
      tx({ userId: a.id, entityType: 'Track', entityId: track, action: 'Save', signer: a.wallet }),
    );
  });

  it('Subscribe / Unsubscribe and Share (no duplicate check; a re-delivered tx is a no-op)', async () => {
    const a = await createUser(c);
    const b = await createUser(c);
    const sub = (action: string, target: number) =>
      tx({ userId: a.id, entityType: 'User', entityId: target, action, signer: a.wallet });
    await expectRejected(c, sub('Subscribe', a.id), 'self_action');
    await expectRejected(c, sub('Subscribe', 3_999_997), 'target_not_found');
    await expectRejected(c, sub('Unsubscribe', b.id), 'not_subscribed');
    await expectApplied(c, sub('Subscribe', b.id));
    await expectRejected(c, sub('Subscribe', b.id), 'already_subscribed');
    await expectApplied(c, sub('Unsubscribe', b.id));
    const track = await createTrack(c, b);
    const share = tx({
      userId: a.id,
      entityType: 'Track',
      entityId: track,
      action: 'Share',
      signer: a.wallet,
    });
    await expectApplied(c, share);
    await expectApplied(
      c,
      tx({ userId: a.id, entityType: 'Track', entityId: track, action: 'Share', signer: a.wallet }),
    );
    await expectRejected(
      c,
      tx({ userId: a.id, entityType: 'Track', entityId: 2_999_996, action: 'Share', signer: a.wallet }),
      'target_not_found',
    );
    expect(
      await t.db.selectFrom('shares').select('share_type').where('share_item_id', '=', track).execute(),
    ).toHaveLength(2);
  });
});

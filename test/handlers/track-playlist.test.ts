import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestChain } from '../support/chain.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { createPlaylist, createTrack, createUser, expectApplied, expectRejected, tx } from './support.js';

describe('Track and Playlist handlers', () => {
  let t: TestDb;
  let c: TestChain;
  beforeAll(async () => {
    t = await createTestDb();
    c = new TestChain(t.db);
  });
  afterAll(async () => t?.close());

  it('Track/Create: each rule in order, genre normalised, route slugs with collision ids', async () => {
    const u = await createUser(c, 'artist');
    const create = (id: number, metadata: Record<string, unknown> | string | undefined, signer = u.wallet) =>
      tx({
        userId: u.id,
        entityType: 'Track',
        entityId: id,
        action: 'Create',
        signer,
        ...(metadata === undefined ? {} : { metadata }),
      });
    await expectRejected(c, create(1_999_999, { owner_id: u.id, title: 'x' }), 'track_id_below_offset');
    await expectRejected(c, create(2_500_000, undefined), 'metadata_required');
    await expectRejected(c, create(2_500_000, { owner_id: u.id, title: '' }), 'title_required');
    await expectRejected(c, create(2_500_000, { owner_id: u.id + 1, title: 'x' }), 'owner_mismatch');
    await expectRejected(c, create(2_500_000, { owner_id: String(u.id), title: 'x' }), 'owner_mismatch');
    await expectRejected(
      c,
      create(2_500_000, { owner_id: u.id, title: 'x', description: 'd'.repeat(2501) }),
      'description_too_long',
    );
    await expectRejected(
      c,
      create(2_500_000, { owner_id: u.id, title: 'x', genre: 'Polka-Metal' }),
      'genre_invalid',
    );
    await expectRejected(
      c,
      create(2_500_000, { owner_id: u.id, title: 'x' }, '0x0000000000000000000000000000000000000bad'),
      'signer_not_authorized',
    );
    await expectApplied(c, create(2_500_000, { owner_id: u.id, title: 'Night Drive', genre: 'electronic' }));
    await expectRejected(c, create(2_500_000, { owner_id: u.id, title: 'again' }), 'track_exists');
    await expectApplied(c, create(2_500_001, { owner_id: u.id, title: 'Night  Drive!' }));
    await expectApplied(c, create(2_500_002, { owner_id: u.id, title: 'night drive' }));
    const routes = await t.db
      .selectFrom('track_routes')
      .select(['track_id', 'slug', 'collision_id'])
      .where('owner_id', '=', u.id)
      .orderBy('track_id')
      .execute();
    expect(routes).toEqual([
      { track_id: 2_500_000, slug: 'night-drive', collision_id: 0 },
      { track_id: 2_500_001, slug: 'night-drive-1', collision_id: 1 },
      { track_id: 2_500_002, slug: 'night-drive-2', collision_id: 2 },
    ]);
    const row = await t.db
      .selectFrom('tracks')
      .select(['genre', 'route_id', 'release_date'])
      .where('track_id', '=', 2_500_000)
      .executeTakeFirstOrThrow();
    expect(row.genre).toBe('Electronic');
    expect(row.route_id).toBe('artist/night-drive');
    expect(row.release_date).not.toBeNull();
  });

  it('access conditions: stems cannot be gated, USDC splits required, stream gating needs equal download gating', async () => {
    const u = await createUser(c);
    const create = (id: number, m: Record<string, unknown>) =>
      tx({
        userId: u.id,
        entityType: 'Track',
        entityId: id,
        action: 'Create',
        signer: u.wallet,
        metadata: { owner_id: u.id, title: 'gated', ...m },
      });
    const usdc = { usdc_purchase: { price: 100, splits: [{ user_id: u.id, percentage: 100 }] } };
    await expectRejected(
      c,
      create(2_600_000, {
        stem_of: { parent_track_id: 1, category: 'bass' },
        is_download_gated: true,
        download_conditions: usdc,
      }),
      'stem_cannot_be_gated',
    );
    await expectRejected(
      c,
      create(2_600_001, {
        is_stream_gated: true,
        stream_conditions: { usdc_purchase: { price: 1, splits: [] } },
      }),
      'usdc_splits_required',
    );
    await expectRejected(
      c,
      create(2_600_002, { is_stream_gated: true, stream_conditions: usdc, is_download_gated: false }),
      'stream_gated_not_download_gated',
    );
    await expectRejected(
      c,
      create(2_600_003, {
        is_stream_gated: true,
        stream_conditions: usdc,
        is_download_gated: true,
        download_conditions: { follow_user_id: u.id },
      }),
      'gating_conditions_differ',
    );
    await expectRejected(
      c,
      create(2_600_004, {
        is_download_gated: true,
        download_conditions: { follow_user_id: u.id, tip_user_id: u.id },
      }),
      'download_conditions_invalid',
    );
    await expectApplied(
      c,
      create(2_600_005, {
        is_stream_gated: true,
        stream_conditions: usdc,
        is_download_gated: true,
        download_conditions: { usdc_purchase: { splits: [{ percentage: 100, user_id: u.id }], price: 100 } },
      }),
    );
  });

  it('Track/Update, Delete, Download: owner checks, a deleted track is not edited, downloads of deleted tracks recorded', async () => {
    const u = await createUser(c);
    const other = await createUser(c);
    const id = await createTrack(c, u, { track_cid: 'bafyA' });
    const act = (action: string, who: { id: number; wallet: string }, metadata?: Record<string, unknown>) =>
      tx({
        userId: who.id,
        entityType: 'Track',
        entityId: id,
        action,
        signer: who.wallet,
        ...(metadata ? { metadata } : {}),
      });
    await expectRejected(c, act('Update', other, { title: 'stolen' }), 'not_owner');
    await expectRejected(
      c,
      tx({
        userId: u.id,
        entityType: 'Track',
        entityId: 2_999_999,
        action: 'Update',
        signer: u.wallet,
        metadata: { title: 'x' },
      }),
      'track_not_found',
    );
    await expectApplied(c, act('Update', u, { title: 'Renamed', track_cid: '' }));
    const row = await t.db
      .selectFrom('tracks')
      .select(['title', 'track_cid'])
      .where('track_id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ title: 'Renamed', track_cid: 'bafyA' });
    expect(
      await t.db
        .selectFrom('track_routes')
        .select('slug')
        .where('track_id', '=', id)
        .where('is_current', '=', true)
        .execute(),
    ).toEqual([{ slug: 'renamed' }]);
    await expectRejected(c, act('Delete', other), 'not_owner');
    await expectApplied(c, act('Delete', u));
    await expectRejected(c, act('Delete', u), 'track_not_found');
    // A deleted track is not edited (the reference loads the current, non-deleted row: issue 18
    // parity corpus); it can still be downloaded (relaxed existence).
    await expectRejected(c, act('Update', u, { description: 'after delete' }), 'track_not_found');
    await expectApplied(c, act('Download', other, { city: 'Lagos' }));
    expect(
      await t.db
        .selectFrom('track_downloads')
        .select(['user_id', 'city', 'parent_track_id'])
        .where('track_id', '=', id)
        .execute(),
    ).toEqual([{ user_id: other.id, city: 'Lagos', parent_track_id: id }]);
    await expectRejected(
      c,
      tx({
        userId: other.id,
        entityType: 'Track',
        entityId: 2_999_998,
        action: 'Download',
        signer: other.wallet,
      }),
      'track_not_found',
    );
  });

  it('Playlist Create/Update/Delete: offsets, any-version existence, contents and routes with the legacy -id route', async () => {
    const u = await createUser(c);
    const other = await createUser(c);
    const t1 = await createTrack(c, u);
    const t2 = await createTrack(c, u);
    const create = (id: number, m?: Record<string, unknown>) =>
      tx({
        userId: u.id,
        entityType: 'Playlist',
        entityId: id,
        action: 'Create',
        signer: u.wallet,
        ...(m ? { metadata: m } : {}),
      });
    await expectRejected(c, create(399_999, { playlist_name: 'x' }), 'playlist_id_below_offset');
    await expectRejected(c, create(450_000), 'metadata_required');
    await expectRejected(
      c,
      create(450_000, { playlist_name: 'x', description: 'd'.repeat(2501) }),
      'description_too_long',
    );
    await expectApplied(
      c,
      create(450_000, {
        playlist_name: 'Road Trip',
        playlist_contents: {
          track_ids: [{ track: t1, time: 1 }, { track_id: t2, time: 2 }, { track: 'junk' }],
        },
      }),
    );
    await expectRejected(c, create(450_000, { playlist_name: 'dup' }), 'playlist_exists');
    const pl = await t.db
      .selectFrom('playlists')
      .select(['playlist_contents'])
      .where('playlist_id', '=', 450_000)
      .executeTakeFirstOrThrow();
    expect(pl.playlist_contents).toEqual({
      track_ids: [
        { track: t1, time: 1 },
        { track: t2, time: 2 },
      ],
    });
    const routes = await t.db
      .selectFrom('playlist_routes')
      .select(['slug', 'is_current'])
      .where('playlist_id', '=', 450_000)
      .orderBy('slug')
      .execute();
    expect(routes).toEqual([
      { slug: 'road-trip', is_current: true },
      { slug: 'road-trip-450000', is_current: false },
    ]);
    const upd = (who: { id: number; wallet: string }, m: Record<string, unknown>) =>
      tx({
        userId: who.id,
        entityType: 'Playlist',
        entityId: 450_000,
        action: 'Update',
        signer: who.wallet,
        metadata: m,
      });
    await expectRejected(c, upd(other, { playlist_name: 'mine' }), 'not_owner');
    await expectApplied(c, upd(u, { playlist_contents: { track_ids: [{ track: t2, time: 3 }] } }));
    expect(
      await t.db
        .selectFrom('playlist_tracks')
        .select(['track_id', 'is_removed'])
        .where('playlist_id', '=', 450_000)
        .orderBy('track_id')
        .execute(),
    ).toEqual([
      { track_id: t1, is_removed: true },
      { track_id: t2, is_removed: false },
    ]);
    await expectApplied(
      c,
      tx({ userId: u.id, entityType: 'Playlist', entityId: 450_000, action: 'Delete', signer: u.wallet }),
    );
    await expectRejected(c, upd(u, { playlist_name: 'gone' }), 'playlist_not_found');
    const id2 = await createPlaylist(c, u);
    expect(id2).toBeGreaterThan(400_000);
  });
});

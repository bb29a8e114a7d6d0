// The rows handlers consult most, each as a loader that reads any number of keys in one statement.
// Keys are strings: an id, an address, or parts joined by KEY_SEP. Each loader's WHERE is the one the
// single-row lookup it replaces used, so a batched answer equals the row-by-row answer.
import type { Kysely } from 'kysely';
import { anyOf } from '../../db/any-of.js';
import type { Database } from '../../db/schema.js';
import type { ItemType } from '../../db/tables/social-graph.js';
import type { Loader } from './keyed-lookup.js';

export const KEY_SEP = '\u0000';
export const pairKey = (...parts: readonly (string | number)[]): string => parts.join(KEY_SEP);

const ids = (keys: readonly string[]): number[] => keys.map(Number);
const parts = (keys: readonly string[], i: number): string[] => [
  ...new Set(keys.map((k) => k.split(KEY_SEP)[i] ?? '')),
];

export interface UserProfile {
  readonly bio: string | null;
  readonly name: string | null;
  readonly handle_lc: string | null;
  readonly artist_pick_track_id: number | null;
}

interface Spec<V> {
  readonly tables: readonly string[];
  readonly load: Loader<V>;
}
const spec = <V>(tables: readonly string[], load: Loader<V>): Spec<V> => ({ tables, load });

export const LOOKUPS = {
  /** Current users row by user_id → its wallet. */
  userWallet: spec<{ wallet: string | null }>(['users'], async (db, keys) => {
    const rows = await db
      .selectFrom('users')
      .select(['user_id', 'wallet'])
      .where('user_id', '=', anyOf(ids(keys)))
      .where('is_current', '=', true)
      .execute();
    return new Map(rows.map((r) => [String(r.user_id), { wallet: r.wallet }]));
  }),
  /** Current users row by user_id → its handle (route ids are built from it). */
  userHandle: spec<{ handle: string | null }>(['users'], async (db, keys) => {
    const rows = await db
      .selectFrom('users')
      .select(['user_id', 'handle'])
      .where('user_id', '=', anyOf(ids(keys)))
      .where('is_current', '=', true)
      .execute();
    return new Map(rows.map((r) => [String(r.user_id), { handle: r.handle }]));
  }),
  /** Current users row by user_id → the fields a profile update compares against. */
  userProfile: spec<UserProfile>(['users'], async (db, keys) => {
    const rows = await db
      .selectFrom('users')
      .select(['user_id', 'bio', 'name', 'handle_lc', 'artist_pick_track_id'])
      .where('user_id', '=', anyOf(ids(keys)))
      .where('is_current', '=', true)
      .execute();
    return new Map(rows.map(({ user_id, ...profile }) => [String(user_id), profile]));
  }),
  /** Any users row, current or not, whose wallet is exactly this address → its user_id. */
  walletOwner: spec<{ user_id: number }>(['users'], async (db, keys) => {
    const rows = await db
      .selectFrom('users')
      .select(['wallet', 'user_id'])
      .where('wallet', '=', anyOf(keys))
      .execute();
    return firstByKey(
      rows,
      (r) => r.wallet ?? '',
      (r) => ({ user_id: r.user_id }),
    );
  }),
  /** A current users row holding this lower-cased handle → its user_id. */
  handleOwner: spec<{ user_id: number }>(['users'], async (db, keys) => {
    const rows = await db
      .selectFrom('users')
      .select(['handle_lc', 'user_id'])
      .where('handle_lc', '=', anyOf(keys))
      .where('is_current', '=', true)
      .execute();
    return firstByKey(
      rows,
      (r) => r.handle_lc ?? '',
      (r) => ({ user_id: r.user_id }),
    );
  }),
  /** A current, not deactivated user whose wallet is exactly this address (a manager). */
  activeWallet: spec<true>(['users'], async (db, keys) => {
    const rows = await db
      .selectFrom('users')
      .select('wallet')
      .where('wallet', '=', anyOf(keys))
      .where('is_current', '=', true)
      .where('is_deactivated', '=', false)
      .execute();
    return new Map(rows.map((r) => [r.wallet ?? '', true as const]));
  }),
  /** Current grant by (grantee_address, user_id). */
  grant: spec<{ is_revoked: boolean; is_approved: boolean | null }>(['grants'], async (db, keys) => {
    const rows = await db
      .selectFrom('grants')
      .select(['grantee_address', 'user_id', 'is_revoked', 'is_approved'])
      .where('grantee_address', '=', anyOf(parts(keys, 0)))
      .where('user_id', '=', anyOf(ids(parts(keys, 1))))
      .where('is_current', '=', true)
      .execute();
    return new Map(
      rows.map((r) => [
        pairKey(r.grantee_address, r.user_id),
        { is_revoked: r.is_revoked, is_approved: r.is_approved },
      ]),
    );
  }),
  /** A current, not deleted developer app at this address. */
  liveApp: spec<true>(['developer_apps'], async (db, keys) => {
    const rows = await db
      .selectFrom('developer_apps')
      .select('address')
      .where('address', '=', anyOf(keys))
      .where('is_current', '=', true)
      .where('is_delete', '=', false)
      .execute();
    return new Map(rows.map((r) => [r.address, true as const]));
  }),
  /** A current track row (deleted or not). */
  currentTrack: spec<true>(['tracks'], async (db, keys) => {
    const rows = await db
      .selectFrom('tracks')
      .select('track_id')
      .where('track_id', '=', anyOf(ids(keys)))
      .where('is_current', '=', true)
      .execute();
    return new Map(rows.map((r) => [String(r.track_id), true as const]));
  }),
  /** Any playlists row, current or not. */
  anyPlaylist: spec<true>(['playlists'], async (db, keys) => {
    const rows = await db
      .selectFrom('playlists')
      .select('playlist_id')
      .distinct()
      .where('playlist_id', '=', anyOf(ids(keys)))
      .execute();
    return new Map(rows.map((r) => [String(r.playlist_id), true as const]));
  }),
  /** Current user_events row by user_id. */
  userEvents: spec<{ referrer: number | null; is_mobile_user: boolean }>(
    ['user_events'],
    async (db, keys) => {
      const rows = await db
        .selectFrom('user_events')
        .select(['user_id', 'referrer', 'is_mobile_user'])
        .where('user_id', '=', anyOf(ids(keys)))
        .where('is_current', '=', true)
        .execute();
      return new Map(
        rows.map((r) => [String(r.user_id), { referrer: r.referrer, is_mobile_user: r.is_mobile_user }]),
      );
    },
  ),
  /** Current playlists row → is_album (a repost of an album is stored as one). */
  playlistIsAlbum: spec<{ is_album: boolean }>(['playlists'], async (db, keys) => {
    const rows = await db
      .selectFrom('playlists')
      .select(['playlist_id', 'is_album'])
      .where('playlist_id', '=', anyOf(ids(keys)))
      .where('is_current', '=', true)
      .execute();
    return new Map(rows.map((r) => [String(r.playlist_id), { is_album: r.is_album }]));
  }),
  /** Current follows row by (follower, followee) → is_delete. */
  follow: spec<{ is_delete: boolean }>(['follows'], async (db, keys) => {
    const rows = await db
      .selectFrom('follows')
      .select(['follower_user_id', 'followee_user_id', 'is_delete'])
      .where('follower_user_id', '=', anyOf(ids(parts(keys, 0))))
      .where('followee_user_id', '=', anyOf(ids(parts(keys, 1))))
      .where('is_current', '=', true)
      .execute();
    return new Map(
      rows.map((r) => [pairKey(r.follower_user_id, r.followee_user_id), { is_delete: r.is_delete }]),
    );
  }),
  /** Current saves row by (user, item, type) → is_delete. */
  save: spec<{ is_delete: boolean }>(['saves'], async (db, keys) => {
    const rows = await db
      .selectFrom('saves')
      .select(['user_id', 'save_item_id', 'save_type', 'is_delete'])
      .where('user_id', '=', anyOf(ids(parts(keys, 0))))
      .where('save_item_id', '=', anyOf(ids(parts(keys, 1))))
      .where('save_type', '=', anyOf(parts(keys, 2) as ItemType[]))
      .where('is_current', '=', true)
      .execute();
    return new Map(
      rows.map((r) => [pairKey(r.user_id, r.save_item_id, r.save_type), { is_delete: r.is_delete }]),
    );
  }),
  /** Current reposts row by (user, item, type) → is_delete. */
  repost: spec<{ is_delete: boolean }>(['reposts'], async (db, keys) => {
    const rows = await db
      .selectFrom('reposts')
      .select(['user_id', 'repost_item_id', 'repost_type', 'is_delete'])
      .where('user_id', '=', anyOf(ids(parts(keys, 0))))
      .where('repost_item_id', '=', anyOf(ids(parts(keys, 1))))
      .where('repost_type', '=', anyOf(parts(keys, 2) as ItemType[]))
      .where('is_current', '=', true)
      .execute();
    return new Map(
      rows.map((r) => [pairKey(r.user_id, r.repost_item_id, r.repost_type), { is_delete: r.is_delete }]),
    );
  }),
  /** max(collision_id) of an owner's track routes with this title slug, by (owner_id, title_slug). */
  trackRouteMax: spec<{ max: number }>(['track_routes'], (db, keys) => routeMax(db, 'track_routes', keys)),
  /** An owner's track route with exactly this slug, by (owner_id, slug). */
  trackSlug: spec<true>(['track_routes'], (db, keys) => slugTaken(db, 'track_routes', keys)),
  playlistRouteMax: spec<{ max: number }>(['playlist_routes'], (db, keys) =>
    routeMax(db, 'playlist_routes', keys),
  ),
  playlistSlug: spec<true>(['playlist_routes'], (db, keys) => slugTaken(db, 'playlist_routes', keys)),
  /** A playlist's live playlist_tracks rows (is_removed false) by playlist_id → their track ids, ascending. */
  livePlaylistTracks: spec<{ track_ids: readonly number[] }>(['playlist_tracks'], async (db, keys) => {
    const rows = await db
      .selectFrom('playlist_tracks')
      .select(['playlist_id', 'track_id'])
      .where('playlist_id', '=', anyOf(ids(keys)))
      .where('is_removed', '=', false)
      .orderBy('playlist_id')
      .orderBy('track_id')
      .execute();
    const out = new Map<string, { track_ids: number[] }>();
    for (const r of rows) {
      const k = String(r.playlist_id);
      const e = out.get(k);
      if (e) e.track_ids.push(r.track_id);
      else out.set(k, { track_ids: [r.track_id] });
    }
    return out;
  }),
  /** A track with a price history row: only then is the newest row worth comparing with. */
  trackPrice: spec<true>(['track_price_history'], async (db, keys) => {
    const rows = await db
      .selectFrom('track_price_history')
      .select('track_id')
      .distinct()
      .where('track_id', '=', anyOf(ids(keys)))
      .execute();
    return new Map(rows.map((r) => [String(r.track_id), true as const]));
  }),
  albumPrice: spec<true>(['album_price_history'], async (db, keys) => {
    const rows = await db
      .selectFrom('album_price_history')
      .select('playlist_id')
      .distinct()
      .where('playlist_id', '=', anyOf(ids(keys)))
      .execute();
    return new Map(rows.map((r) => [String(r.playlist_id), true as const]));
  }),
};

/** The first row per key, in the order the server returned them (as executeTakeFirst would pick). */
function firstByKey<R, V>(rows: readonly R[], key: (r: R) => string, value: (r: R) => V): Map<string, V> {
  const out = new Map<string, V>();
  for (const r of rows) if (!out.has(key(r))) out.set(key(r), value(r));
  return out;
}

async function routeMax(
  db: Kysely<Database>,
  table: 'track_routes' | 'playlist_routes',
  keys: readonly string[],
): Promise<ReadonlyMap<string, { max: number }>> {
  const rows = await db
    .selectFrom(table)
    .select(['owner_id', 'title_slug', (eb) => eb.fn.max('collision_id').as('max')])
    .where('owner_id', '=', anyOf(ids(parts(keys, 0))))
    .where('title_slug', '=', anyOf(parts(keys, 1)))
    .groupBy(['owner_id', 'title_slug'])
    .execute();
  return new Map(rows.map((r) => [pairKey(r.owner_id, r.title_slug), { max: Number(r.max) }]));
}

async function slugTaken(
  db: Kysely<Database>,
  table: 'track_routes' | 'playlist_routes',
  keys: readonly string[],
): Promise<ReadonlyMap<string, true>> {
  const rows = await db
    .selectFrom(table)
    .select(['owner_id', 'slug'])
    .where('owner_id', '=', anyOf(ids(parts(keys, 0))))
    .where('slug', '=', anyOf(parts(keys, 1)))
    .execute();
  return new Map(rows.map((r) => [pairKey(r.owner_id, r.slug), true as const]));
}

export type LookupName = keyof typeof LOOKUPS;
export type LookupValue<N extends LookupName> = (typeof LOOKUPS)[N] extends Spec<infer V> ? V : never;

// Playlist handlers (spec §3.2 rows 12–14).
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { validateSigner } from '../authorize.js';
import { isObject, type Metadata } from '../metadata.js';
import type { EmParams, Handler, HandlerRegistration } from '../types.js';
import { reject } from '../validation-error.js';
import { checkLength, ID_OFFSETS } from './common/limits.js';
import { nextPlaylistRoute, sanitizeSlug } from './common/slugs.js';
import { chainStamp, jsonOrNull, orNull, times } from './common/stamp.js';

const MAX_PLAYLIST_TRACKS = 5000;

interface Entry {
  track: number;
  time: number;
  metadata_time?: number;
}

/** playlist_contents canonicalised to {"track_ids":[{track, time, metadata_time?}]} (#321, #265). */
export function canonicalContents(v: unknown, fallbackTime: number): Entry[] {
  const list = isObject(v) && Array.isArray(v.track_ids) ? v.track_ids : [];
  const out: Entry[] = [];
  for (const e of list.slice(0, MAX_PLAYLIST_TRACKS)) {
    const track = isObject(e) ? (e.track ?? e.track_id) : e;
    if (typeof track !== 'number' || !Number.isInteger(track) || track <= 0 || track > 2_147_483_647)
      continue;
    const time = isObject(e) && typeof e.time === 'number' ? Math.trunc(e.time) : fallbackTime;
    const mt = isObject(e) && typeof e.metadata_time === 'number' ? Math.trunc(e.metadata_time) : undefined;
    out.push(mt === undefined ? { track, time } : { track, time, metadata_time: mt });
  }
  return out;
}

function requirePlaylistType(p: EmParams): void {
  if (p.entityType !== 'Playlist')
    reject('wrong_entity_type', `entity_type must be Playlist, got ${p.entityType}`);
}

async function currentPlaylist(db: Kysely<Database>, id: number) {
  return db
    .selectFrom('playlists')
    .selectAll()
    .where('playlist_id', '=', id)
    .where('is_current', '=', true)
    .executeTakeFirst();
}

async function syncPlaylistTracks(db: Kysely<Database>, p: EmParams, trackIds: readonly number[]) {
  const unique = [...new Set(trackIds)];
  await db
    .updateTable('playlist_tracks')
    .set({ is_removed: true, updated_at: p.blockTime })
    .where('playlist_id', '=', p.entityId)
    .where('is_removed', '=', false)
    .$if(unique.length > 0, (qb) => qb.where('track_id', 'not in', unique))
    .execute();
  if (unique.length === 0) return;
  await db
    .insertInto('playlist_tracks')
    .values(unique.map((track_id) => ({ playlist_id: p.entityId, track_id, is_removed: false, ...times(p) })))
    .onConflict((oc) =>
      oc.columns(['playlist_id', 'track_id']).doUpdateSet({ is_removed: false, updated_at: p.blockTime }),
    )
    .execute();
}

async function writeRoutes(db: Kysely<Database>, p: EmParams, name: string) {
  const route = await nextPlaylistRoute(db, p.userId, name);
  await db
    .updateTable('playlist_routes')
    .set({ is_current: false })
    .where('playlist_id', '=', p.entityId)
    .where('is_current', '=', true)
    .execute();
  const row = {
    owner_id: p.userId,
    playlist_id: p.entityId,
    blockhash: p.blockHash,
    blocknumber: p.blockNumber,
    txhash: p.txHash,
  };
  await db
    .insertInto('playlist_routes')
    .values({
      ...row,
      slug: route.slug,
      title_slug: route.titleSlug,
      collision_id: route.collisionId,
      is_current: true,
    })
    .execute();
  // The legacy `<slug>-<id>` route, kept non-current so old links resolve.
  const legacy = `${sanitizeSlug(name)}-${p.entityId}`;
  if (legacy !== route.slug) {
    await db
      .insertInto('playlist_routes')
      .values({ ...row, slug: legacy, title_slug: route.titleSlug, collision_id: 0, is_current: false })
      .onConflict((oc) => oc.columns(['owner_id', 'slug']).doNothing())
      .execute();
  }
}

function releaseDate(m: Metadata): string | null {
  const r = m.str('release_date');
  return r !== '' && !Number.isNaN(Date.parse(r)) && /^\d{4}-\d{2}-\d{2}T/.test(r) ? r : null;
}

const createPlaylist: Handler = async ({ db }, p) => {
  requirePlaylistType(p);
  if (p.entityId < ID_OFFSETS.playlist)
    reject('playlist_id_below_offset', `playlist id ${p.entityId} is below ${ID_OFFSETS.playlist}`);
  const m = p.metadata;
  m.require();
  if (m.str('description') !== '') checkLength('description', m.str('description'));
  await validateSigner(db, p.userId, p.signer);
  // Any version: the id namespace is never reused.
  const any = await db
    .selectFrom('playlists')
    .select('playlist_id')
    .where('playlist_id', '=', p.entityId)
    .executeTakeFirst();
  if (any) reject('playlist_exists', `playlist ${p.entityId} already exists`);
  const entries = canonicalContents(m.json('playlist_contents'), Math.floor(Date.parse(p.blockTime) / 1000));
  await db
    .insertInto('playlists')
    .values({
      ...chainStamp(p),
      ...times(p),
      slot: null,
      playlist_id: p.entityId,
      playlist_owner_id: p.userId,
      is_album: m.boolOr('is_album', false),
      is_private: m.boolOr('is_private', false),
      playlist_name: orNull(m.str('playlist_name')),
      playlist_contents: JSON.stringify({ track_ids: entries }),
      playlist_image_multihash: orNull(m.str('playlist_image_multihash')),
      playlist_image_sizes_multihash: orNull(m.str('playlist_image_sizes_multihash')),
      description: orNull(m.str('description')),
      upc: orNull(m.str('upc')),
      is_current: true,
      is_delete: false,
      last_added_to: entries.length > 0 ? p.blockTime : null,
      is_stream_gated: m.boolOr('is_stream_gated', false),
      stream_conditions: jsonOrNull(m.json('stream_conditions')),
      is_scheduled_release: m.boolOr('is_scheduled_release', false),
      release_date: releaseDate(m),
      ddex_app: orNull(m.str('ddex_app')),
    })
    .execute();
  await syncPlaylistTracks(
    db,
    p,
    entries.map((e) => e.track),
  );
  if (m.str('playlist_name') !== '') await writeRoutes(db, p, m.str('playlist_name'));
};

const updatePlaylist: Handler = async ({ db }, p) => {
  requirePlaylistType(p);
  const m = p.metadata;
  if (m.str('description') !== '') checkLength('description', m.str('description'));
  await validateSigner(db, p.userId, p.signer);
  const row = await currentPlaylist(db, p.entityId);
  if (!row || row.is_delete) reject('playlist_not_found', `playlist ${p.entityId} is not active`);
  if (row.playlist_owner_id !== p.userId)
    reject('not_owner', `user ${p.userId} does not own playlist ${p.entityId}`);
  const set: Record<string, unknown> = {};
  for (const k of [
    'playlist_name',
    'description',
    'playlist_image_multihash',
    'playlist_image_sizes_multihash',
    'upc',
  ] as const) {
    if (m.str(k) !== '') set[k] = m.str(k);
  }
  for (const k of ['is_album', 'is_private', 'is_stream_gated', 'is_scheduled_release'] as const)
    if (m.bool(k) !== undefined) set[k] = m.bool(k);
  if (m.has('stream_conditions')) set.stream_conditions = jsonOrNull(m.json('stream_conditions'));
  if (m.has('playlist_contents')) {
    const before = new Set(canonicalContents(row.playlist_contents, 0).map((e) => e.track));
    const entries = canonicalContents(
      m.json('playlist_contents'),
      Math.floor(Date.parse(p.blockTime) / 1000),
    );
    set.playlist_contents = JSON.stringify({ track_ids: entries });
    if (entries.some((e) => !before.has(e.track))) set.last_added_to = p.blockTime;
    await syncPlaylistTracks(
      db,
      p,
      entries.map((e) => e.track),
    );
  }
  await db
    .updateTable('playlists')
    .set({ ...set, updated_at: p.blockTime, ...chainStamp(p) })
    .where('playlist_id', '=', p.entityId)
    .where('is_current', '=', true)
    .execute();
  if (m.str('playlist_name') !== '' && m.str('playlist_name') !== row.playlist_name)
    await writeRoutes(db, p, m.str('playlist_name'));
};

const deletePlaylist: Handler = async ({ db }, p) => {
  requirePlaylistType(p);
  await validateSigner(db, p.userId, p.signer);
  const row = await currentPlaylist(db, p.entityId);
  if (!row || row.is_delete) reject('playlist_not_found', `playlist ${p.entityId} is not active`);
  if (row.playlist_owner_id !== p.userId)
    reject('not_owner', `user ${p.userId} does not own playlist ${p.entityId}`);
  await db
    .updateTable('playlists')
    .set({ is_delete: true, updated_at: p.blockTime, ...chainStamp(p) })
    .where('playlist_id', '=', p.entityId)
    .where('is_current', '=', true)
    .execute();
};

export const playlistHandlers: readonly HandlerRegistration[] = [
  { entityType: 'Playlist', action: 'Create', gate: 'Playlist', handle: createPlaylist },
  { entityType: 'Playlist', action: 'Update', gate: 'Playlist', handle: updatePlaylist },
  { entityType: 'Playlist', action: 'Delete', gate: 'Playlist', handle: deletePlaylist },
];

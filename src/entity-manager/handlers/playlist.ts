// Playlist handlers (docs/spec.md#handlers-playlist). Step order: parse → authorize (validateSigner) →
// validate (existence, ownership) → write.
import { type Insertable, type Kysely, sql, type Updateable } from 'kysely';
import { anyOf } from '../../db/any-of.js';
import { preparedWrite } from '../../db/prepared-write.js';
import type { Database } from '../../db/schema.js';
import type { Json } from '../../db/tables/json.js';
import type { PlaylistRoutesTable, PlaylistsTable } from '../../db/tables/social-graph.js';
import { validateSigner } from '../authorize.js';
import { lookup, writeThrough } from '../block-view/view.js';
import { INT4_MAX, isObject } from '../metadata.js';
import type { EmParams, Handler, HandlerRegistration } from '../types.js';
import { reject } from '../validation-error.js';
import { decodeHashId } from './common/hashids.js';
import { checkLength, ID_OFFSETS } from './common/limits.js';
import { albumPrice, writePrice } from './common/price-history.js';
import { envelopeCid, objectField, objectListField, stringField } from './common/production-fields.js';
import { nextPlaylistRoute, routePatches, sanitizeSlug } from './common/slugs.js';
import { chainStamp, jsonOrNull, orNull, times } from './common/stamp.js';
import { parseReleaseDate } from './common/track-fields.js';

const MAX_PLAYLIST_TRACKS = 5000;

interface Entry {
  track: number;
  time: number;
  metadata_time?: number;
}

/** A track id as sent: a JSON integer, a hashid (#269), or a decimal string (the reference's atoi fallback). */
function trackIdOf(v: unknown): number | undefined {
  const n =
    typeof v === 'number'
      ? v
      : typeof v === 'string'
        ? (decodeHashId(v) ?? (/^\d{1,10}$/.test(v) ? Number(v) : Number.NaN))
        : Number.NaN;
  return Number.isInteger(n) && n > 0 && n <= INT4_MAX ? n : undefined;
}

/**
 * playlist_contents in any of its shapes — `{"track_ids":[…]}`, a bare `[…]` (newer SDKs), null or
 * absent — canonicalised to `{"track_ids":[{track, time, metadata_time?}]}` (#321, #265). Entries name
 * the track as `track` or `track_id`; entries without a usable id are dropped.
 */
export function canonicalContents(v: unknown, fallbackTime: number): Entry[] {
  const list = Array.isArray(v) ? v : isObject(v) && Array.isArray(v.track_ids) ? v.track_ids : [];
  const out: Entry[] = [];
  for (const e of list.slice(0, MAX_PLAYLIST_TRACKS)) {
    const track = trackIdOf(isObject(e) ? (e.track ?? e.track_id) : e);
    if (track === undefined) continue;
    const time = isObject(e) && typeof e.time === 'number' ? Math.trunc(e.time) : fallbackTime;
    const mt = isObject(e) && typeof e.metadata_time === 'number' ? Math.trunc(e.metadata_time) : undefined;
    out.push(mt === undefined ? { track, time } : { track, time, metadata_time: mt });
  }
  return out;
}

/** A genesis-replayed playlist's removal history: tracks that left, with when they joined and left. */
interface Tombstone {
  track: number;
  joined: string;
  left: string;
}

function tombstones(v: unknown, live: ReadonlySet<number>, blockTime: string): Tombstone[] {
  if (!Array.isArray(v)) return [];
  const at = (s: unknown) =>
    (typeof s === 'string' ? parseReleaseDate(s) : undefined) ?? new Date(blockTime).toISOString();
  return v.slice(0, MAX_PLAYLIST_TRACKS).flatMap((e) => {
    const track = isObject(e) ? trackIdOf(e.track_id) : undefined;
    // Live membership beats a tombstone: a track in the contents is never marked removed.
    if (!isObject(e) || track === undefined || live.has(track)) return [];
    return [{ track, joined: at(e.created_at), left: at(e.updated_at) }];
  });
}

async function currentPlaylist(db: Kysely<Database>, id: number) {
  return db
    .selectFrom('playlists')
    .selectAll()
    .where('playlist_id', '=', id)
    .where('is_current', '=', true)
    .executeTakeFirst();
}

/**
 * playlist_tracks follows the contents: rows that left are marked removed, new and returning tracks are
 * live. The reverse index on tracks follows the same delta, so only tracks whose membership changed are
 * written (O(changed tracks)).
 */
async function syncPlaylistTracks(db: Kysely<Database>, p: EmParams, trackIds: readonly number[]) {
  const unique = [...new Set(trackIds)];
  const key = String(p.entityId);
  // The live rows before: from the block view (read with the block's other rows), so neither the removal
  // nor anything after it waits for an answer.
  const wasLive = new Set((await lookup(db, 'livePlaylistTracks', key))?.track_ids ?? []);
  const keep = new Set(unique);
  const removed = [...wasLive].filter((t) => !keep.has(t));
  const live = (ids: readonly number[]) => ({
    name: 'livePlaylistTracks' as const,
    key,
    value: ids.length > 0 ? { track_ids: [...ids].sort((a, b) => a - b) } : undefined,
  });
  // No live row outside `unique`: the UPDATE would match nothing (playlist_tracks has no statement trigger).
  // Each write patches the lookup to exactly what it leaves: the tracks that stay, then `unique`.
  if (removed.length > 0)
    await writeThrough(db, [live([...wasLive].filter((t) => keep.has(t)))], () =>
      db
        .updateTable('playlist_tracks')
        .set({ is_removed: true, updated_at: p.blockTime })
        .where('playlist_id', '=', p.entityId)
        .where('is_removed', '=', false)
        .$if(unique.length > 0, (qb) => qb.where('track_id', 'not in', unique))
        .execute(),
    );
  await removeFromReverseIndex(db, p, removed, epoch(p));
  if (unique.length > 0)
    await writeThrough(db, [live(unique)], () =>
      db
        .insertInto('playlist_tracks')
        .values(
          unique.map((track_id) => ({ playlist_id: p.entityId, track_id, is_removed: false, ...times(p) })),
        )
        .onConflict((oc) =>
          oc.columns(['playlist_id', 'track_id']).doUpdateSet({ is_removed: false, updated_at: p.blockTime }),
        )
        .execute(),
    );
  await addToReverseIndex(
    db,
    p,
    unique.filter((t) => !wasLive.has(t)),
  );
}

/**
 * tracks.playlists_containing_track gains the playlist and its removal record goes (a stale record would
 * keep granting an album buyer access on a purchase older than the re-add). Rows already right are not
 * touched: every tracks write fires the track triggers.
 */
async function addToReverseIndex(db: Kysely<Database>, p: EmParams, trackIds: readonly number[]) {
  if (trackIds.length === 0) return;
  const pid = p.entityId;
  // Only the reverse-index columns change: which tracks are current does not.
  await writeThrough(db, KEEPS_TRACKS, () =>
    db
      .updateTable('tracks')
      .set({
        playlists_containing_track: sql<
          number[]
        >`CASE WHEN playlists_containing_track @> ARRAY[${pid}::integer]
          THEN playlists_containing_track ELSE array_append(playlists_containing_track, ${pid}::integer) END`,
        playlists_previously_containing_track: sql<Json>`playlists_previously_containing_track - ${String(pid)}::text`,
        updated_at: p.blockTime,
      })
      .where('track_id', '=', anyOf(trackIds))
      .where('is_current', '=', true)
      .where(
        sql<boolean>`(NOT (playlists_containing_track @> ARRAY[${pid}::integer])
          OR jsonb_exists(playlists_previously_containing_track, ${String(pid)}::text))`,
      )
      .execute(),
  );
}

/**
 * A track that left loses the playlist and gains `{"<playlist_id>": {"time": <epoch seconds>}}` (the API's
 * album-purchase check compares it with the purchase date), written only when absent so it keeps the
 * first departure since the last re-add.
 */
async function removeFromReverseIndex(
  db: Kysely<Database>,
  p: EmParams,
  trackIds: readonly number[],
  leftAt: number,
) {
  if (trackIds.length === 0) return;
  const pid = p.entityId;
  // Only the reverse-index columns change: which tracks are current does not.
  await writeThrough(db, KEEPS_TRACKS, () =>
    db
      .updateTable('tracks')
      .set({
        playlists_containing_track: sql<number[]>`array_remove(playlists_containing_track, ${pid}::integer)`,
        playlists_previously_containing_track: sql<Json>`CASE
          WHEN jsonb_exists(playlists_previously_containing_track, ${String(pid)}::text)
          THEN playlists_previously_containing_track
          ELSE jsonb_set(playlists_previously_containing_track, ARRAY[${String(pid)}::text],
            jsonb_build_object('time', ${leftAt}::bigint), true) END`,
        updated_at: p.blockTime,
      })
      .where('track_id', '=', anyOf(trackIds))
      .where('is_current', '=', true)
      .where(
        sql<boolean>`(playlists_containing_track @> ARRAY[${pid}::integer]
          OR NOT jsonb_exists(playlists_previously_containing_track, ${String(pid)}::text))`,
      )
      .execute(),
  );
}

async function writeRoutes(db: Kysely<Database>, p: EmParams, name: string) {
  const route = await nextPlaylistRoute(db, p.userId, p.entityId, name);
  // The legacy `<slug>-<id>` route, kept non-current so old links resolve.
  const legacy = `${sanitizeSlug(name, p.entityId)}-${p.entityId}`;
  // Demoting routes changes no slug; the legacy route (collision 0) is taken afterwards either way.
  const patches = routePatches('playlist_routes', p.userId, route, [route.slug, legacy]);
  await writeThrough(db, patches, async () => {
    await demoteRoutes(db, { playlistId: p.entityId });
    const row = {
      owner_id: p.userId,
      playlist_id: p.entityId,
      blockhash: p.blockHash,
      blocknumber: p.blockNumber,
      txhash: p.txHash,
    };
    await insertRoute(db, {
      row: {
        ...row,
        slug: route.slug,
        title_slug: route.titleSlug,
        collision_id: route.collisionId,
        is_current: true,
      },
    });
    if (legacy !== route.slug)
      await insertLegacyRoute(db, {
        row: { ...row, slug: legacy, title_slug: route.titleSlug, collision_id: 0, is_current: false },
      });
  });
}

const demoteRoutes = preparedWrite((db, $: { playlistId: number }) =>
  db
    .updateTable('playlist_routes')
    .set({ is_current: false })
    .where('playlist_id', '=', $.playlistId)
    .where('is_current', '=', true),
);
const insertRoute = preparedWrite((db, $: { row: Insertable<PlaylistRoutesTable> }) =>
  db.insertInto('playlist_routes').values($.row),
);
const insertLegacyRoute = preparedWrite((db, $: { row: Insertable<PlaylistRoutesTable> }) =>
  db
    .insertInto('playlist_routes')
    .values($.row)
    .onConflict((oc) => oc.columns(['owner_id', 'slug']).doNothing()),
);
const insertPlaylist = preparedWrite((db, $: { row: Insertable<PlaylistsTable> }) =>
  db.insertInto('playlists').values($.row),
);
/** The playlist's current row, updated. */
const updateCurrentPlaylist = preparedWrite(
  (db, $: { set: Updateable<PlaylistsTable>; playlistId: number }) =>
    db
      .updateTable('playlists')
      .set($.set)
      .where('playlist_id', '=', $.playlistId)
      .where('is_current', '=', true),
);

const KEEPS_TRACKS = [{ name: 'currentTrack' }] as const;
const KEEPS_LIVE_TRACKS = [{ name: 'livePlaylistTracks' }] as const;

const epoch = (p: EmParams) => Math.floor(Date.parse(p.blockTime) / 1000);

const createPlaylist: Handler = async ({ db }, p) => {
  // parse
  if (p.entityId < ID_OFFSETS.playlist)
    reject('playlist_id_below_offset', `playlist id ${p.entityId} is below ${ID_OFFSETS.playlist}`);
  const m = p.metadata;
  m.require();
  if (m.str('description') !== '') checkLength('description', m.str('description'));
  const entries = canonicalContents(m.json('playlist_contents'), epoch(p));
  const live = new Set(entries.map((e) => e.track));
  // Removal history travels only with genesis-replayed creates; a live create carries none.
  const removed = p.migration ? tombstones(m.json('removed_tracks'), live, p.blockTime) : [];
  const price = albumPrice(m);
  // authorize
  await validateSigner(db, p.userId, p.signer);
  // validate: any version — the id namespace is never reused.
  if (await lookup(db, 'anyPlaylist', String(p.entityId)))
    reject('playlist_exists', `playlist ${p.entityId} already exists`);
  // write
  const row: Insertable<PlaylistsTable> = {
    blockhash: p.blockHash,
    blocknumber: p.blockNumber,
    txhash: p.txHash,
    created_at: p.blockTime,
    updated_at: p.blockTime,
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
    release_date: parseReleaseDate(m.str('release_date')) ?? null,
    ddex_app: orNull(m.str('ddex_app')),
    is_image_autogenerated: m.boolOr('is_image_autogenerated', false),
    metadata_multihash: envelopeCid(m) ?? null,
    ddex_release_ids: objectField(m, 'ddex_release_ids') ?? null,
    artists: objectListField(m, 'artists') ?? null,
    copyright_line: objectField(m, 'copyright_line') ?? null,
    producer_copyright_line: objectField(m, 'producer_copyright_line') ?? null,
    parental_warning_type: stringField(m, 'parental_warning_type') ?? null,
  };
  const id = String(p.entityId);
  const patches = [
    { name: 'anyPlaylist', key: id, value: true },
    { name: 'playlistIsAlbum', key: id, value: { is_album: row.is_album ?? false } },
  ] as const;
  await writeThrough(db, patches, () => insertPlaylist(db, { row }));
  await syncPlaylistTracks(db, p, [...live]);
  if (removed.length > 0) {
    // Rows that are not live (or a live one left alone by the conflict): the live set does not change.
    await writeThrough(db, KEEPS_LIVE_TRACKS, () =>
      db
        .insertInto('playlist_tracks')
        .values(
          removed.map((r) => ({
            playlist_id: p.entityId,
            track_id: r.track,
            is_removed: true,
            created_at: r.joined,
            updated_at: r.left,
          })),
        )
        .onConflict((oc) => oc.columns(['playlist_id', 'track_id']).doNothing())
        .execute(),
    );
    // The reverse index carries each migrated departure at its own source time.
    for (const left of [...new Set(removed.map((r) => r.left))].sort())
      await removeFromReverseIndex(
        db,
        p,
        removed.filter((r) => r.left === left).map((r) => r.track),
        Math.floor(Date.parse(left) / 1000),
      );
  }
  await writePrice(db, p, 'album', p.entityId, price);
  if (m.str('playlist_name') !== '') await writeRoutes(db, p, m.str('playlist_name'));
};

const updatePlaylist: Handler = async ({ db }, p) => {
  // parse: an update needs a non-empty metadata object (the legacy indexer's rule; the Go tests are silent)
  const m = p.metadata;
  if (Object.keys(m.require()).length === 0) reject('metadata_required', 'an update needs metadata fields');
  if (m.str('description') !== '') checkLength('description', m.str('description'));
  const entries = m.has('playlist_contents')
    ? canonicalContents(m.json('playlist_contents'), epoch(p))
    : undefined;
  const price = albumPrice(m);
  const ddex = {
    ddex_release_ids: objectField(m, 'ddex_release_ids'),
    artists: objectListField(m, 'artists'),
    copyright_line: objectField(m, 'copyright_line'),
    producer_copyright_line: objectField(m, 'producer_copyright_line'),
    parental_warning_type: stringField(m, 'parental_warning_type'),
    metadata_multihash: envelopeCid(m),
  };
  // authorize
  await validateSigner(db, p.userId, p.signer);
  // validate
  const row = await currentPlaylist(db, p.entityId);
  if (!row || row.is_delete) reject('playlist_not_found', `playlist ${p.entityId} is not active`);
  if (row.playlist_owner_id !== p.userId)
    reject('not_owner', `user ${p.userId} does not own playlist ${p.entityId}`);
  // write: is_album is immutable (a playlist never becomes an album or back); so are the owner and id.
  const set: Updateable<PlaylistsTable> = { ...chainStamp(p), updated_at: p.blockTime };
  for (const k of [
    'playlist_name',
    'description',
    'playlist_image_multihash',
    'playlist_image_sizes_multihash',
    'upc',
    'ddex_app',
  ] as const) {
    if (m.str(k) !== '') set[k] = m.str(k);
  }
  for (const k of [
    'is_private',
    'is_stream_gated',
    'is_scheduled_release',
    'is_image_autogenerated',
  ] as const) {
    const b = m.bool(k);
    if (b !== undefined) set[k] = b;
  }
  // Present keys set (null clears); absent or dropped ones keep the column.
  for (const [k, v] of Object.entries(ddex) as [keyof typeof ddex, string | null | undefined][])
    if (v !== undefined) set[k] = v;
  if (m.has('stream_conditions')) set.stream_conditions = jsonOrNull(m.json('stream_conditions'));
  const release = parseReleaseDate(m.str('release_date'));
  if (release !== undefined) set.release_date = release;
  if (entries !== undefined) {
    const before = new Set(canonicalContents(row.playlist_contents, 0).map((e) => e.track));
    set.playlist_contents = JSON.stringify({ track_ids: entries });
    // last_added_to moves only when a track is added; renames, reorders and removals keep it.
    if (entries.some((e) => !before.has(e.track))) set.last_added_to = p.blockTime;
    await syncPlaylistTracks(
      db,
      p,
      entries.map((e) => e.track),
    );
  }
  await updateCurrentPlaylist(db, { set, playlistId: p.entityId });
  await writePrice(db, p, 'album', p.entityId, price);
  if (m.str('playlist_name') !== '' && m.str('playlist_name') !== row.playlist_name)
    await writeRoutes(db, p, m.str('playlist_name'));
};

const deletePlaylist: Handler = async ({ db }, p) => {
  await validateSigner(db, p.userId, p.signer);
  const row = await currentPlaylist(db, p.entityId);
  if (!row || row.is_delete) reject('playlist_not_found', `playlist ${p.entityId} is not active`);
  if (row.playlist_owner_id !== p.userId)
    reject('not_owner', `user ${p.userId} does not own playlist ${p.entityId}`);
  const set: Updateable<PlaylistsTable> = { ...chainStamp(p), is_delete: true, updated_at: p.blockTime };
  await updateCurrentPlaylist(db, { set, playlistId: p.entityId });
};

// The registration pins entity_type = Playlist (exact dispatch key): no other type reaches these.
export const playlistHandlers: readonly HandlerRegistration[] = [
  {
    entityType: 'Playlist',
    action: 'Create',
    gate: 'Playlist',
    writes: ['playlists', 'playlist_tracks', 'playlist_routes', 'tracks', 'album_price_history'],
    handle: createPlaylist,
  },
  {
    entityType: 'Playlist',
    action: 'Update',
    gate: 'Playlist',
    writes: ['playlists', 'playlist_tracks', 'playlist_routes', 'tracks', 'album_price_history'],
    handle: updatePlaylist,
  },
  // Delete: authorize → validate → write (no metadata).
  {
    entityType: 'Playlist',
    action: 'Delete',
    gate: 'Playlist',
    writes: ['playlists'],
    handle: deletePlaylist,
  },
];

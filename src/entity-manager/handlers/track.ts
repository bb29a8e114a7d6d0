// Track handlers (docs/spec.md#handlers-track). Step order in every handler: parse (metadata shape and
// values) → authorize (validateSigner) → validate (existence, ownership) → write. Exceptions are stated at
// the registration.
import { type Insertable, type Kysely, sql, type Updateable } from 'kysely';
import { anyOf } from '../../db/any-of.js';
import { preparedWrite } from '../../db/prepared-write.js';
import type { Database } from '../../db/schema.js';
import type { TrackRoutesTable } from '../../db/tables/social-graph.js';
import type { TracksTable } from '../../db/tables/users-tracks.js';
import { validateSigner } from '../authorize.js';
import { lookup, writeThrough } from '../block-view/view.js';
import { isObject, type Metadata, readId } from '../metadata.js';
import type { EmParams, Handler, HandlerRegistration } from '../types.js';
import { reject } from '../validation-error.js';
import { validateAccessConditions } from './common/access-conditions.js';
import { canonicalGenre } from './common/genres.js';
import { checkLength, ID_OFFSETS } from './common/limits.js';
import { type PriceEntry, trackPrice, writePrice } from './common/price-history.js';
import {
  allowedApiKeys,
  objectField,
  objectListField,
  previewStartSeconds,
  stringField,
} from './common/production-fields.js';
import { nextTrackRoute, routeHandle, routePatches, trackRouteId } from './common/slugs.js';
import { CURRENT_ROW, chainStamp, jsonOrNull, orNull, times } from './common/stamp.js';
import { isValidMusicalKey, parseReleaseDate } from './common/track-fields.js';

/** Strings an Update may set or clear (a present key with "" or null clears the column). */
const CLEARABLE_STRINGS = [
  'genre',
  'mood',
  'tags',
  'description',
  'cover_art',
  'cover_art_sizes',
  'preview_cid',
  'ddex_app',
  'license',
  'isrc',
  'iswc',
] as const;
/** Strings only the upload flow sets: an Update overwrites them with a non-empty string only (#410). */
const STICKY_STRINGS = ['track_cid', 'orig_file_cid', 'orig_filename', 'audio_upload_id'] as const;
const TRACK_BOOLS = [
  'is_unlisted',
  'is_downloadable',
  'is_download_gated',
  'is_stream_gated',
  'is_scheduled_release',
  'is_available',
  'is_playlist_upload',
  'is_custom_bpm',
  'is_custom_musical_key',
  'comments_disabled',
  'no_ai_use',
  'is_original_available',
] as const;
/** DDEX rights columns: a non-empty object (or a non-empty list of objects) sets, null clears. */
const DDEX_OBJECTS = [
  'ddex_release_ids',
  'rights_controller',
  'copyright_line',
  'producer_copyright_line',
] as const;
const DDEX_LISTS = ['artists', 'resource_contributors', 'indirect_resource_contributors'] as const;
/** Varchar columns a present key sets and ""/null clears. */
const PRODUCTION_STRINGS = [
  'cover_original_song_title',
  'cover_original_artist',
  'parental_warning_type',
] as const;
/** JSON columns an Update replaces when the key is present (stem_of is handled apart: #421). */
const UPDATE_JSON = ['field_visibility', 'remix_of', 'download_conditions', 'stream_conditions'] as const;
const MAX_COLLABORATORS = 50;

type ProductionKey =
  | (typeof DDEX_OBJECTS)[number]
  | (typeof DDEX_LISTS)[number]
  | (typeof PRODUCTION_STRINGS)[number]
  | 'allowed_api_keys'
  | 'preview_start_seconds'
  | 'ai_attribution_user_id';
type ProductionColumns = { [K in ProductionKey]?: Exclude<Updateable<TracksTable>[K], undefined> };

/**
 * Parse the production columns metadata can set (docs/schema.md): only keys present in the metadata
 * appear in the result, so an update leaves absent ones alone and a create leaves them NULL.
 */
function productionColumns(m: Metadata): ProductionColumns {
  const out: ProductionColumns = {};
  const put = <K extends keyof ProductionColumns>(k: K, v: ProductionColumns[K] | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  for (const k of DDEX_OBJECTS) put(k, objectField(m, k));
  for (const k of DDEX_LISTS) put(k, objectListField(m, k));
  for (const k of PRODUCTION_STRINGS) put(k, stringField(m, k));
  put('allowed_api_keys', allowedApiKeys(m));
  put('preview_start_seconds', previewStartSeconds(m));
  // An id: past int4 it is a reasoned rejection (metadata_id_invalid); null or absent keeps the column.
  put('ai_attribution_user_id', m.id('ai_attribution_user_id'));
  return out;
}

/** Parse: description length and the genre, normalised to its allow-list spelling. */
function parseCommon(m: Metadata): { genre: string | undefined } {
  if (m.str('description') !== '') checkLength('description', m.str('description'));
  validateAccessConditions(m);
  const raw = m.str('genre');
  // A blank genre is no genre (the reference normalises whitespace to "").
  if (raw.trim() === '') return { genre: undefined };
  const genre = canonicalGenre(raw);
  if (!genre) reject('genre_invalid', `genre ${JSON.stringify(raw.slice(0, 40))} is not allowed`);
  return { genre };
}

/** Block time as ISO 8601 UTC text, the form release dates are stored and compared in. */
const blockIso = (p: EmParams): string => new Date(p.blockTime).toISOString();

/** Update metadata must be a JSON object with at least one key. */
function requireFields(m: Metadata): void {
  if (Object.keys(m.require()).length === 0) reject('metadata_required', 'an update needs metadata fields');
}

async function currentTrack(db: Kysely<Database>, trackId: number) {
  return db
    .selectFrom('tracks')
    .selectAll()
    .where('track_id', '=', trackId)
    .where('is_current', '=', true)
    .executeTakeFirst();
}

/** remix_of = {"tracks": [{"parent_track_id": N}, …]}; entries without a numeric id are skipped. */
function remixParents(v: unknown): number[] {
  if (!isObject(v) || !Array.isArray(v.tracks)) return [];
  const ids = v.tracks.flatMap((t) => {
    const id = isObject(t) ? readId(t.parent_track_id, 'remix_of.tracks[].parent_track_id') : undefined;
    return id === undefined ? [] : [id];
  });
  return [...new Set(ids)];
}

/** stem_of = {"parent_track_id": N, "category": …}. */
function stemParent(v: unknown): number | undefined {
  return isObject(v) ? readId(v.parent_track_id, 'stem_of.parent_track_id') : undefined;
}

/** Invited collaborators: numbers or {user_id}, owner excluded, de-duplicated, capped. */
function collaboratorIds(v: unknown, ownerId: number): number[] {
  if (!Array.isArray(v)) return [];
  const ids = v.flatMap((c) => {
    const id = readId(isObject(c) ? c.user_id : c, 'collaborators[]');
    return id === undefined || id <= 0 || id === ownerId ? [] : [id];
  });
  return [...new Set(ids)].slice(0, MAX_COLLABORATORS);
}

async function insertCurrentRoute(db: Kysely<Database>, p: EmParams, title: string): Promise<void> {
  const route = await nextTrackRoute(db, p.userId, p.entityId, title);
  await writeThrough(db, routePatches('track_routes', p.userId, route), () =>
    insertRoute(db, {
      row: {
        slug: route.slug,
        title_slug: route.titleSlug,
        collision_id: route.collisionId,
        owner_id: p.userId,
        track_id: p.entityId,
        is_current: true,
        blockhash: p.blockHash,
        blocknumber: p.blockNumber,
        txhash: p.txHash,
      },
    }),
  );
}

const insertRoute = preparedWrite((db, $: { row: Insertable<TrackRoutesTable> }) =>
  db.insertInto('track_routes').values($.row),
);
const insertTrack = preparedWrite((db, $: { row: Insertable<TracksTable> }) =>
  db.insertInto('tracks').values($.row),
);

async function writeRemixes(db: Kysely<Database>, trackId: number, parents: readonly number[]) {
  if (parents.length === 0) return;
  await db
    .insertInto('remixes')
    .values(parents.map((parent) => ({ parent_track_id: parent, child_track_id: trackId })))
    .onConflict((oc) => oc.doNothing())
    .execute();
}

async function writeStem(db: Kysely<Database>, trackId: number, parent: number | undefined) {
  if (parent === undefined) return;
  await db
    .insertInto('stems')
    .values({ parent_track_id: parent, child_track_id: trackId })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/** New invites are pending; an invite already answered keeps its status. */
async function inviteCollaborators(db: Kysely<Database>, p: EmParams, ids: readonly number[]) {
  if (ids.length === 0) return;
  await db
    .insertInto('track_collaborators')
    .values(
      ids.map((id) => ({
        track_id: p.entityId,
        collaborator_user_id: id,
        // Production's column is NOT NULL without a default: the inviting owner.
        invited_by: p.userId,
        status: 'pending',
        blocknumber: p.blockNumber,
        txhash: p.txHash,
        ...times(p),
      })),
    )
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/**
 * access_authorities (#250, #541): the envelope root wins over the payload (core enforces the root);
 * an explicit root null clears; values are trimmed. Undefined = the key is absent everywhere.
 */
function accessAuthorities(m: Metadata): string[] | null | undefined {
  let root: unknown;
  try {
    root = JSON.parse(m.raw);
  } catch {
    root = undefined;
  }
  const fromRoot = isObject(root) && isObject(root.data) && Object.hasOwn(root, 'access_authorities');
  if (!fromRoot && !m.has('access_authorities')) return undefined;
  const v = fromRoot && isObject(root) ? root.access_authorities : m.json('access_authorities');
  if (!Array.isArray(v)) return null;
  return v.flatMap((a) => (typeof a === 'string' && a.trim() !== '' ? [a.trim().slice(0, 128)] : []));
}

/**
 * Remix-contest auto-subscribe (#311): a remix of a track hosting an open remix contest subscribes its
 * uploader to the contest event, unless the uploader is the host or already subscribed.
 */
async function subscribeToContests(db: Kysely<Database>, p: EmParams, parents: readonly number[]) {
  if (parents.length === 0) return;
  const contests = await db
    .selectFrom('events')
    .select(['event_id', 'user_id'])
    .where('event_type', '=', 'remix_contest')
    .where('entity_id', '=', anyOf(parents))
    .where('is_deleted', '=', false)
    // end_date is a zone-less UTC timestamp: compare in UTC, never in the session's zone.
    .where('end_date', '>', sql<Date>`${p.blockTime}::timestamptz AT TIME ZONE 'UTC'`)
    .orderBy('event_id')
    .execute();
  for (const c of contests) {
    if (c.user_id === p.userId) continue;
    await db
      .insertInto('subscriptions')
      .values({
        blockhash: p.blockHash,
        blocknumber: p.blockNumber,
        // The PK holds txhash: a synthetic one per (tx, event), prefixed like the reference's.
        txhash: `auto_e${c.event_id}_${p.txHash}`,
        subscriber_id: p.userId,
        user_id: c.event_id,
        entity_type: 'Event',
        entity_id: c.event_id,
        is_current: true,
        is_delete: false,
        created_at: p.blockTime,
      })
      .onConflict((oc) =>
        oc
          .columns(['subscriber_id', 'user_id', 'entity_type'])
          .where('is_current', '=', CURRENT_ROW)
          .doNothing(),
      )
      .execute();
  }
}

const createTrack: Handler = async ({ db }, p) => {
  // parse
  if (p.entityId < ID_OFFSETS.track)
    reject('track_id_below_offset', `track id ${p.entityId} is below ${ID_OFFSETS.track}`);
  const m = p.metadata;
  m.require();
  if (m.str('title') === '') reject('title_required', 'title is required');
  const owner = m.id('owner_id');
  if (owner === undefined || owner !== p.userId)
    reject('owner_mismatch', `metadata owner_id ${owner} is not the acting user ${p.userId}`);
  const { genre } = parseCommon(m);
  const parents = remixParents(m.json('remix_of'));
  const stemOf = stemParent(m.json('stem_of'));
  const collaborators = collaboratorIds(m.json('collaborators'), p.userId);
  const duration = m.int4('duration');
  const bpm = m.float('bpm');
  const authorities = accessAuthorities(m);
  const release = parseReleaseDate(m.str('release_date'));
  const production = productionColumns(m);
  const price = trackPrice(m);
  // authorize
  await validateSigner(db, p.userId, p.signer);
  // validate
  if (await lookup(db, 'currentTrack', String(p.entityId)))
    reject('track_exists', `track ${p.entityId} already exists`);
  // write
  const title = m.str('title');
  // No spread first: a literal that starts with one is built one property at a time (bench/FINDINGS.md).
  const row: Insertable<TracksTable> = {
    blockhash: p.blockHash,
    blocknumber: p.blockNumber,
    txhash: p.txHash,
    created_at: p.blockTime,
    updated_at: p.blockTime,
    slot: null,
    track_id: p.entityId,
    is_current: true,
    is_delete: false,
    owner_id: p.userId,
    title,
    genre: genre ?? null,
    mood: orNull(m.str('mood')),
    tags: orNull(m.str('tags')),
    description: orNull(m.str('description')),
    cover_art: orNull(m.str('cover_art')),
    cover_art_sizes: orNull(m.str('cover_art_sizes')),
    track_cid: orNull(m.str('track_cid')),
    preview_cid: orNull(m.str('preview_cid')),
    orig_file_cid: orNull(m.str('orig_file_cid')),
    orig_filename: orNull(m.str('orig_filename')),
    audio_upload_id: orNull(m.str('audio_upload_id')),
    license: orNull(m.str('license')),
    isrc: orNull(m.str('isrc')),
    iswc: orNull(m.str('iswc')),
    ddex_app: orNull(m.str('ddex_app')),
    // A scheduled release is hidden until its date (legacy rule; block time stands for its wall clock).
    is_unlisted:
      m.boolOr('is_scheduled_release', false) && release !== undefined
        ? release > blockIso(p)
        : m.boolOr('is_unlisted', false),
    is_downloadable: m.boolOr('is_downloadable', false),
    is_download_gated: m.boolOr('is_download_gated', false),
    is_stream_gated: m.boolOr('is_stream_gated', false),
    is_scheduled_release: m.boolOr('is_scheduled_release', false),
    is_available: m.boolOr('is_available', true),
    field_visibility: jsonOrNull(m.json('field_visibility')),
    remix_of: jsonOrNull(m.json('remix_of')),
    stem_of: jsonOrNull(m.json('stem_of')),
    download_conditions: jsonOrNull(m.json('download_conditions')),
    stream_conditions: jsonOrNull(m.json('stream_conditions')),
    duration: duration !== undefined && duration > 0 ? duration : 0,
    bpm: bpm !== undefined && bpm !== 0 ? bpm : null,
    musical_key: isValidMusicalKey(m.str('musical_key')) ? m.str('musical_key') : null,
    // A date that does not parse falls back to the block time, like an absent one (#333).
    release_date: release ?? blockIso(p),
    route_id: trackRouteId(title, await routeHandle(db, p.userId)),
    pinned_comment_id: null,
    access_authorities: authorities ?? null,
    is_playlist_upload: m.boolOr('is_playlist_upload', false),
    is_custom_bpm: m.boolOr('is_custom_bpm', false),
    is_custom_musical_key: m.boolOr('is_custom_musical_key', false),
    comments_disabled: m.boolOr('comments_disabled', false),
    no_ai_use: m.boolOr('no_ai_use', false),
    is_original_available: m.boolOr('is_original_available', false),
    ...production,
  };
  await writeThrough(db, [{ name: 'currentTrack', key: String(p.entityId), value: true }], () =>
    insertTrack(db, { row }),
  );
  await writePrice(db, p, 'track', p.entityId, price);
  await insertCurrentRoute(db, p, title);
  await writeStem(db, p.entityId, stemOf);
  await writeRemixes(db, p.entityId, parents);
  await inviteCollaborators(db, p, collaborators);
  await subscribeToContests(db, p, parents);
};

const updateTrack: Handler = async ({ db }, p) => {
  // parse: an update needs a non-empty metadata object (the legacy indexer's rule; the Go tests are silent)
  const m = p.metadata;
  requireFields(m);
  const { genre } = parseCommon(m);
  const parents = m.has('remix_of') ? remixParents(m.json('remix_of')) : undefined;
  const stemOf = stemParent(m.json('stem_of'));
  const collaborators = m.has('collaborators')
    ? collaboratorIds(m.json('collaborators'), p.userId)
    : undefined;
  const duration = m.int4('duration');
  const bpm = m.float('bpm');
  const authorities = accessAuthorities(m);
  const production = productionColumns(m);
  const price: PriceEntry | undefined = trackPrice(m);
  // authorize
  await validateSigner(db, p.userId, p.signer);
  // validate: the reference loads the current, non-deleted row; a deleted track is not edited.
  const row = await currentTrack(db, p.entityId);
  if (!row || row.is_delete) reject('track_not_found', `track ${p.entityId} does not exist or is deleted`);
  if (row.owner_id !== p.userId) reject('not_owner', `user ${p.userId} does not own track ${p.entityId}`);
  // write: owner_id, track_id, created_at, is_current are never taken from metadata (immutable).
  const set: Updateable<TracksTable> = { ...chainStamp(p), ...production, updated_at: p.blockTime };
  const title = m.str('title');
  if (title !== '') set.title = title;
  for (const k of CLEARABLE_STRINGS) if (m.has(k)) set[k] = orNull(m.str(k));
  if (m.has('genre')) set.genre = genre ?? null;
  for (const k of STICKY_STRINGS) if (m.str(k) !== '') set[k] = m.str(k);
  for (const k of TRACK_BOOLS) {
    const b = m.bool(k);
    if (b !== undefined) set[k] = b;
  }
  for (const k of UPDATE_JSON) if (m.has(k)) set[k] = jsonOrNull(m.json(k));
  // Updates must not unlink stems (#421): a null stem_of is ignored, a real one (re)links.
  if (stemOf !== undefined) set.stem_of = jsonOrNull(m.json('stem_of'));
  if (duration !== undefined && duration > 0) set.duration = duration;
  // bpm and musical_key: explicit null clears; a non-zero bpm / a recognised key sets; else kept.
  if (m.has('bpm') && m.json('bpm') === null) set.bpm = null;
  else if (bpm !== undefined && bpm !== 0) set.bpm = bpm;
  if (m.has('musical_key') && m.json('musical_key') === null) set.musical_key = null;
  else if (isValidMusicalKey(m.str('musical_key'))) set.musical_key = m.str('musical_key');
  // Scheduled releases (legacy indexer, block time for its wall clock): a future release date is ignored
  // on a public track; publishing a hidden track (is_unlisted true → false) releases it now.
  const release = parseReleaseDate(m.str('release_date'));
  if (release !== undefined && !(release > blockIso(p) && !row.is_unlisted)) set.release_date = release;
  if (row.is_unlisted && m.bool('is_unlisted') === false) {
    set.is_scheduled_release = false;
    set.release_date = blockIso(p);
  }
  if (authorities !== undefined) set.access_authorities = authorities;
  if (title !== '' && title !== row.title) {
    set.route_id = trackRouteId(title, await routeHandle(db, p.userId));
    await db
      .updateTable('track_routes')
      .set({ is_current: false })
      .where('track_id', '=', p.entityId)
      .where('is_current', '=', true)
      .execute();
    await insertCurrentRoute(db, p, title);
  }
  await db
    .updateTable('tracks')
    .set(set)
    .where('track_id', '=', p.entityId)
    .where('is_current', '=', true)
    .execute();
  await writePrice(db, p, 'track', p.entityId, price);
  if (parents !== undefined) {
    await db.deleteFrom('remixes').where('child_track_id', '=', p.entityId).execute();
    await writeRemixes(db, p.entityId, parents);
  }
  await writeStem(db, p.entityId, stemOf);
  if (collaborators !== undefined) {
    // Reconcile: invites dropped from the list go, the rest keep their status, new ones are pending.
    await db
      .deleteFrom('track_collaborators')
      .where('track_id', '=', p.entityId)
      .$if(collaborators.length > 0, (qb) => qb.where('collaborator_user_id', 'not in', collaborators))
      .execute();
    await inviteCollaborators(db, p, collaborators);
  }
};

const deleteTrack: Handler = async ({ db }, p) => {
  await validateSigner(db, p.userId, p.signer);
  const row = await currentTrack(db, p.entityId);
  if (!row || row.is_delete) reject('track_not_found', `track ${p.entityId} is not an active track`);
  if (row.owner_id !== p.userId) reject('not_owner', `user ${p.userId} does not own track ${p.entityId}`);
  const set: Updateable<TracksTable> = {
    ...chainStamp(p),
    is_delete: true,
    stem_of: null,
    updated_at: p.blockTime,
  };
  await db
    .updateTable('tracks')
    .set(set)
    .where('track_id', '=', p.entityId)
    .where('is_current', '=', true)
    .execute();
  // A deleted stem is no longer listed under its parent.
  await db.deleteFrom('stems').where('child_track_id', '=', p.entityId).execute();
};

const downloadTrack: Handler = async ({ db }, p) => {
  await validateSigner(db, p.userId, p.signer);
  // Newest build: a current track, deleted ones included (downloads of deleted tracks are recorded).
  const row = await currentTrack(db, p.entityId);
  if (!row) reject('track_not_found', `track ${p.entityId} does not exist`);
  const stemOf = row.stem_of;
  const parent =
    isObject(stemOf) && typeof stemOf.parent_track_id === 'number' ? stemOf.parent_track_id : p.entityId;
  const m = p.metadata;
  await db
    .insertInto('track_downloads')
    .values({
      txhash: p.txHash,
      blocknumber: p.blockNumber,
      parent_track_id: parent,
      track_id: p.entityId,
      user_id: p.userId,
      city: orNull(m.str('city')),
      region: orNull(m.str('region')),
      country: orNull(m.str('country')),
      created_at: p.blockTime,
    })
    // A duplicate (parent, track, txhash) is success without a write.
    .onConflict((oc) => oc.doNothing())
    .execute();
};

const muteTrackNotifications =
  (muted: boolean): Handler =>
  async ({ db }, p) => {
    await db
      .insertInto('comment_notification_settings')
      .values({
        user_id: p.userId,
        entity_id: p.entityId,
        entity_type: 'Track',
        is_muted: muted,
        ...times(p),
      })
      .onConflict((oc) =>
        oc
          .columns(['user_id', 'entity_id', 'entity_type'])
          .doUpdateSet({ is_muted: muted, updated_at: p.blockTime }),
      )
      .execute();
  };

// The registration pins entity_type = Track: no other type reaches these handlers (the dispatcher
// routes `<Type>:Create` by exact key), so the handlers do not re-check it.
export const trackHandlers: readonly HandlerRegistration[] = [
  {
    entityType: 'Track',
    action: 'Create',
    gate: 'Track',
    writes: [
      'tracks',
      'track_routes',
      'stems',
      'remixes',
      'track_collaborators',
      'subscriptions',
      'track_price_history',
    ],
    handle: createTrack,
  },
  {
    entityType: 'Track',
    action: 'Update',
    gate: 'Track',
    writes: ['tracks', 'track_routes', 'stems', 'remixes', 'track_collaborators', 'track_price_history'],
    handle: updateTrack,
  },
  { entityType: 'Track', action: 'Delete', gate: 'Track', writes: ['tracks', 'stems'], handle: deleteTrack },
  // Download: authorize → validate → write (no metadata to parse beyond optional geo strings).
  {
    entityType: 'Track',
    action: 'Download',
    gate: 'Track',
    writes: ['track_downloads'],
    handle: downloadTrack,
  },
  // Mute/Unmute: write only. Exception to the step order: no signer and no existence check in the
  // reference (docs/spec.md#handlers-track); the row is the acting user's own notification preference.
  {
    entityType: 'Track',
    action: 'Mute',
    gate: 'Track',
    writes: ['comment_notification_settings'],
    handle: muteTrackNotifications(true),
  },
  {
    entityType: 'Track',
    action: 'Unmute',
    gate: 'Track',
    writes: ['comment_notification_settings'],
    handle: muteTrackNotifications(false),
  },
];

// Track handlers (spec §3.2 rows 6–11).
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { validateSigner } from '../authorize.js';
import { isObject, type Metadata, readId } from '../metadata.js';
import type { EmParams, Handler, HandlerRegistration } from '../types.js';
import { reject } from '../validation-error.js';
import { validateAccessConditions } from './common/access-conditions.js';
import { canonicalGenre } from './common/genres.js';
import { checkLength, ID_OFFSETS } from './common/limits.js';
import { nextTrackRoute } from './common/slugs.js';
import { chainStamp, jsonOrNull, orNull, times } from './common/stamp.js';

const TRACK_STRINGS = [
  'title',
  'mood',
  'tags',
  'description',
  'cover_art',
  'cover_art_sizes',
  'track_cid',
  'preview_cid',
  'orig_file_cid',
  'orig_filename',
  'ddex_app',
  'audio_upload_id',
  'license',
  'isrc',
  'iswc',
] as const;
const TRACK_BOOLS = [
  'is_unlisted',
  'is_downloadable',
  'is_download_gated',
  'is_stream_gated',
  'is_scheduled_release',
] as const;
const TRACK_JSON = [
  'field_visibility',
  'remix_of',
  'stem_of',
  'download_conditions',
  'stream_conditions',
] as const;
const MAX_COLLABORATORS = 50;

function requireTrackType(p: EmParams): void {
  if (p.entityType !== 'Track') reject('wrong_entity_type', `entity_type must be Track, got ${p.entityType}`);
}

function checkGenre(m: Metadata): string | undefined {
  if (m.str('genre') === '') return undefined;
  const g = canonicalGenre(m.str('genre'));
  if (!g) reject('genre_invalid', `genre ${JSON.stringify(m.str('genre').slice(0, 40))} is not allowed`);
  return g;
}

async function currentTrack(db: Kysely<Database>, trackId: number) {
  return db
    .selectFrom('tracks')
    .selectAll()
    .where('track_id', '=', trackId)
    .where('is_current', '=', true)
    .executeTakeFirst();
}

function parents(v: unknown): number[] {
  // remix_of = {"tracks": [{"parent_track_id": N}, …]}
  if (!isObject(v) || !Array.isArray(v.tracks)) return [];
  return v.tracks.flatMap((t) => {
    const id = isObject(t) ? readId(t.parent_track_id, 'remix_of.tracks[].parent_track_id') : undefined;
    return id === undefined ? [] : [id];
  });
}

async function insertCurrentRoute(
  db: Kysely<Database>,
  p: EmParams,
  route: { slug: string; titleSlug: string; collisionId: number },
) {
  await db
    .insertInto('track_routes')
    .values({
      slug: route.slug,
      title_slug: route.titleSlug,
      collision_id: route.collisionId,
      owner_id: p.userId,
      track_id: p.entityId,
      is_current: true,
      blockhash: p.blockHash,
      blocknumber: p.blockNumber,
      txhash: p.txHash,
    })
    .execute();
}

const createTrack: Handler = async ({ db }, p) => {
  requireTrackType(p);
  if (p.entityId < ID_OFFSETS.track)
    reject('track_id_below_offset', `track id ${p.entityId} is below ${ID_OFFSETS.track}`);
  const m = p.metadata;
  m.require();
  if (m.str('title') === '') reject('title_required', 'title is required');
  const owner = m.id('owner_id');
  if (owner === undefined || owner !== p.userId)
    reject('owner_mismatch', `metadata owner_id ${owner} is not the acting user ${p.userId}`);
  if (m.str('description') !== '') checkLength('description', m.str('description'));
  const genre = checkGenre(m);
  validateAccessConditions(m);
  await validateSigner(db, p.userId, p.signer);
  if (await currentTrack(db, p.entityId)) reject('track_exists', `track ${p.entityId} already exists`);

  const ownerRow = await db
    .selectFrom('users')
    .select('handle')
    .where('user_id', '=', p.userId)
    .where('is_current', '=', true)
    .executeTakeFirst();
  const route = await nextTrackRoute(db, p.userId, m.str('title'));
  const duration = m.int4('duration');
  const bpm = m.float('bpm');
  const stemOf = m.json('stem_of');
  await db
    .insertInto('tracks')
    .values({
      ...chainStamp(p),
      ...times(p),
      ...Object.fromEntries(TRACK_STRINGS.map((k) => [k, orNull(m.str(k))])),
      ...Object.fromEntries(TRACK_BOOLS.map((k) => [k, m.boolOr(k, false)])),
      ...Object.fromEntries(TRACK_JSON.map((k) => [k, jsonOrNull(m.json(k))])),
      slot: null,
      track_id: p.entityId,
      is_current: true,
      is_delete: false,
      owner_id: p.userId,
      genre: genre ?? null,
      duration: duration !== undefined && duration > 0 && duration <= 2_147_483_647 ? duration : 0,
      bpm: bpm !== undefined && bpm !== 0 ? bpm : null,
      musical_key: orNull(m.str('musical_key')),
      is_available: m.boolOr('is_available', true),
      release_date: m.str('release_date') || p.blockTime,
      route_id: `${ownerRow?.handle ?? p.userId}/${route.slug}`,
      pinned_comment_id: null,
      access_authorities: null,
    })
    .execute();
  await insertCurrentRoute(db, p, route);
  if (
    isObject(stemOf) &&
    typeof stemOf.parent_track_id === 'number' &&
    Number.isInteger(stemOf.parent_track_id)
  ) {
    await db
      .insertInto('stems')
      .values({ parent_track_id: stemOf.parent_track_id, child_track_id: p.entityId })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
  const remixParents = parents(m.json('remix_of'));
  if (remixParents.length > 0) {
    await db
      .insertInto('remixes')
      .values(remixParents.map((parent) => ({ parent_track_id: parent, child_track_id: p.entityId })))
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
  const collaborators = m.json('collaborators');
  if (Array.isArray(collaborators)) {
    const ids = [
      ...new Set(
        collaborators.flatMap((c) =>
          [readId(isObject(c) ? c.user_id : c, 'collaborators[]')].filter((id) => id !== undefined),
        ),
      ),
    ]
      .filter((id) => id !== p.userId && id > 0 && id <= 2_147_483_647)
      .slice(0, MAX_COLLABORATORS);
    if (ids.length > 0) {
      await db
        .insertInto('track_collaborators')
        .values(
          ids.map((id) => ({
            track_id: p.entityId,
            collaborator_user_id: id,
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
  }
};

const updateTrack: Handler = async ({ db }, p) => {
  requireTrackType(p);
  const m = p.metadata;
  if (m.str('description') !== '') checkLength('description', m.str('description'));
  const genre = checkGenre(m);
  validateAccessConditions(m);
  await validateSigner(db, p.userId, p.signer);
  // Relaxed existence: the current row, deleted or not.
  const row = await currentTrack(db, p.entityId);
  if (!row) reject('track_not_found', `track ${p.entityId} does not exist`);
  if (row.owner_id !== p.userId) reject('not_owner', `user ${p.userId} does not own track ${p.entityId}`);
  const set: Record<string, unknown> = {};
  // Explicit null must not wipe CIDs (#410): only non-empty strings overwrite.
  for (const k of TRACK_STRINGS) if (m.str(k) !== '') set[k] = m.str(k);
  for (const k of TRACK_BOOLS) if (m.bool(k) !== undefined) set[k] = m.bool(k);
  // Updates must not unlink stems (#421): stem_of is never rewritten here.
  for (const k of TRACK_JSON) if (k !== 'stem_of' && m.has(k)) set[k] = jsonOrNull(m.json(k));
  if (genre) set.genre = genre;
  const titleChanged = m.str('title') !== '' && m.str('title') !== row.title;
  if (titleChanged) {
    const route = await nextTrackRoute(db, p.userId, m.str('title'));
    await db
      .updateTable('track_routes')
      .set({ is_current: false })
      .where('track_id', '=', p.entityId)
      .where('is_current', '=', true)
      .execute();
    await insertCurrentRoute(db, p, route);
    const handle = await db
      .selectFrom('users')
      .select('handle')
      .where('user_id', '=', p.userId)
      .where('is_current', '=', true)
      .executeTakeFirst();
    set.route_id = `${handle?.handle ?? p.userId}/${route.slug}`;
  }
  if (m.has('remix_of')) {
    await db.deleteFrom('remixes').where('child_track_id', '=', p.entityId).execute();
    const remixParents = parents(m.json('remix_of'));
    if (remixParents.length > 0) {
      await db
        .insertInto('remixes')
        .values(remixParents.map((parent) => ({ parent_track_id: parent, child_track_id: p.entityId })))
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
  }
  await db
    .updateTable('tracks')
    .set({ ...set, updated_at: p.blockTime, ...chainStamp(p) })
    .where('track_id', '=', p.entityId)
    .where('is_current', '=', true)
    .execute();
};

const deleteTrack: Handler = async ({ db }, p) => {
  requireTrackType(p);
  await validateSigner(db, p.userId, p.signer);
  const row = await currentTrack(db, p.entityId);
  if (!row || row.is_delete) reject('track_not_found', `track ${p.entityId} is not an active track`);
  if (row.owner_id !== p.userId) reject('not_owner', `user ${p.userId} does not own track ${p.entityId}`);
  await db
    .updateTable('tracks')
    .set({ is_delete: true, stem_of: null, updated_at: p.blockTime, ...chainStamp(p) })
    .where('track_id', '=', p.entityId)
    .where('is_current', '=', true)
    .execute();
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

/** Track/Mute, Track/Unmute: no signer or existence checks in the version read (spec rows 10–11). */
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

export const trackHandlers: readonly HandlerRegistration[] = [
  { entityType: 'Track', action: 'Create', gate: 'Track', handle: createTrack },
  { entityType: 'Track', action: 'Update', gate: 'Track', handle: updateTrack },
  { entityType: 'Track', action: 'Delete', gate: 'Track', handle: deleteTrack },
  { entityType: 'Track', action: 'Download', gate: 'Track', handle: downloadTrack },
  { entityType: 'Track', action: 'Mute', gate: 'Track', handle: muteTrackNotifications(true) },
  { entityType: 'Track', action: 'Unmute', gate: 'Track', handle: muteTrackNotifications(false) },
];

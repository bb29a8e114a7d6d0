// Builders for the content half of the parity corpus (tracks, playlists, social actions): the ids,
// txs and seeded rows the Go tests' helpers (seedUser, seedTrack, seedPlaylist, seedEvent) produce.
import { type EmStep, type ParityCase, type RowSeed, userCreate, walletOf } from './support.js';

/** Ids at the reference's offsets: UserIDOffset + n, TrackIDOffset + n, PlaylistIDOffset + n. */
export const U = (n: number): number => 3_000_000 + n;
export const T = (n: number): number => 2_000_000 + n;
export const P = (n: number): number => 400_000 + n;

const SEEDED_AT = '2024-12-31T00:00:00.000Z';

/** A users row as the Go tests' seedUser writes it (any id, wallet of `walletOf(id)`). */
export function seedUser(id: number, handle: string | null = `u${id}`): RowSeed {
  return {
    insert: 'users',
    values: {
      user_id: id,
      handle,
      handle_lc: handle?.toLowerCase() ?? null,
      wallet: walletOf(id),
      is_current: true,
      is_verified: false,
      is_deactivated: false,
      is_available: true,
      created_at: SEEDED_AT,
      updated_at: SEEDED_AT,
      txhash: `seed-user-${id}`,
      blocknumber: null,
      blockhash: null,
      slot: null,
    },
  };
}

/** A tracks row as seedTrack / seedTrackFull write it; `extra` overrides columns. */
export function seedTrack(
  id: number,
  owner: number,
  title: string | null = null,
  extra: Readonly<Record<string, unknown>> = {},
): RowSeed {
  return {
    insert: 'tracks',
    values: {
      track_id: id,
      owner_id: owner,
      title,
      is_current: true,
      is_delete: false,
      created_at: SEEDED_AT,
      updated_at: SEEDED_AT,
      txhash: `seed-track-${id}`,
      blocknumber: null,
      blockhash: null,
      slot: null,
      ...extra,
    },
  };
}

export function seedPlaylist(id: number, owner: number, isAlbum = false): RowSeed {
  return {
    insert: 'playlists',
    values: {
      playlist_id: id,
      playlist_owner_id: owner,
      is_album: isAlbum,
      is_private: false,
      playlist_contents: '{}',
      is_current: true,
      is_delete: false,
      created_at: SEEDED_AT,
      updated_at: SEEDED_AT,
      txhash: `seed-playlist-${id}`,
      blocknumber: null,
      blockhash: null,
      slot: null,
    },
  };
}

/** An open remix_contest event, as the Go tests' seedEvent writes it. */
export function seedEvent(
  id: number,
  host: number,
  opts: { deleted?: boolean; entityId?: number } = {},
): RowSeed {
  return {
    insert: 'events',
    values: {
      event_id: id,
      event_type: 'remix_contest',
      user_id: host,
      entity_type: 'track',
      entity_id: opts.entityId ?? 1,
      end_date: '2030-01-01T00:00:00',
      event_data: '{}',
      is_deleted: opts.deleted ?? false,
      created_at: SEEDED_AT,
      updated_at: SEEDED_AT,
      txhash: `seed-event-${id}`,
      blockhash: 'seed-block',
      blocknumber: null,
    },
  };
}

/** Track/Create by `user` with `owner_id` = user and a title unless overridden. */
export function trackCreate(
  user: number,
  id: number,
  metadata: Readonly<Record<string, unknown>> = {},
): EmStep {
  return {
    user,
    type: 'Track',
    id,
    action: 'Create',
    metadata: { owner_id: user, title: `T${id}`, ...metadata },
  };
}

export function trackTx(
  user: number,
  id: number,
  action: string,
  metadata?: Readonly<Record<string, unknown>> | string,
  extra: Partial<EmStep> = {},
): EmStep {
  return { user, type: 'Track', id, action, ...(metadata === undefined ? {} : { metadata }), ...extra };
}

export function playlistCreate(
  user: number,
  id: number,
  metadata: Readonly<Record<string, unknown>> = {},
  extra: Partial<EmStep> = {},
): EmStep {
  return {
    user,
    type: 'Playlist',
    id,
    action: 'Create',
    metadata: { playlist_name: `P${id}`, ...metadata },
    ...extra,
  };
}

export function playlistTx(
  user: number,
  id: number,
  action: string,
  metadata?: Readonly<Record<string, unknown>> | string,
): EmStep {
  return { user, type: 'Playlist', id, action, ...(metadata === undefined ? {} : { metadata }) };
}

/** A social action: `type` is the chain entity_type (User, Track, Playlist, Event…). */
export function socialTx(
  user: number,
  type: string,
  id: number,
  action: string,
  metadata: Readonly<Record<string, unknown>> = {},
): EmStep {
  return { user, type, id, action, metadata };
}

/** Event/Create of an open remix contest on `parent` (the host must own it). */
export function contestCreate(host: number, eventId: number, parent: number): EmStep {
  return {
    user: host,
    type: 'Event',
    id: eventId,
    action: 'Create',
    metadata: {
      event_type: 'remix_contest',
      entity_type: 'track',
      entity_id: parent,
      end_date: '2030-01-01T00:00:00Z',
      event_data: {},
    },
  };
}

/** The block time of the block at `height` (support.ts: genesis 2025-01-01 + height seconds). */
export const blockTimeAt = (height: number): string =>
  new Date(Date.UTC(2025, 0, 1) + height * 1000).toISOString();

/** What the Update guards shared by tracks and playlists need to know about one of them. */
export interface UpdateGuards {
  readonly noun: 'track' | 'playlist';
  readonly owner: number;
  readonly create: (user: number, id: number, metadata?: Readonly<Record<string, unknown>>) => EmStep;
  readonly tx: (
    user: number,
    id: number,
    action: string,
    metadata?: Readonly<Record<string, unknown>> | string,
  ) => EmStep;
  /** Free ids for: another user's row, a deleted row, a row updated without metadata. */
  readonly ids: readonly [number, number, number];
  /** A metadata edit that would apply if the guards let it through. */
  readonly edit: Readonly<Record<string, unknown>>;
  readonly deletedName: string;
  readonly from: { readonly owner: string; readonly deleted: string; readonly metadata: string };
}

/** An Update of another user's row, of a deleted row, and with absent or empty metadata: each rejected. */
export function updateGuardCases(g: UpdateGuards): ParityCase[] {
  const [theirs, deleted, same] = g.ids;
  return [
    {
      name: `updating another user's ${g.noun}`,
      from: g.from.owner,
      setup: [[userCreate(g.owner), userCreate(U(2))], g.create(U(2), theirs)],
      block: g.tx(g.owner, theirs, 'Update', g.edit),
      outcomes: ['not_owner'],
    },
    {
      name: g.deletedName,
      from: g.from.deleted,
      setup: [userCreate(g.owner), g.create(g.owner, deleted), g.tx(g.owner, deleted, 'Delete')],
      block: g.tx(g.owner, deleted, 'Update', g.edit),
      outcomes: [`${g.noun}_not_found`],
    },
    ...(
      [
        ['absent', ''],
        ['an empty object', {}],
      ] as const
    ).map(
      ([sub, metadata]): ParityCase => ({
        name: `an update with ${sub} metadata is rejected`,
        from: g.from.metadata,
        setup: [userCreate(g.owner), g.create(g.owner, same, { description: 'keep' })],
        block: g.tx(g.owner, same, 'Update', metadata),
        outcomes: ['metadata_required'],
      }),
    ),
  ];
}

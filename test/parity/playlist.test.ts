// Playlist handlers (Create/Update/Delete), translated from the Go ETL's tests.

import { type ParityCase, parityCases, userCreate } from './support.js';
import {
  blockTimeAt,
  P,
  playlistCreate,
  playlistTx,
  seedTrack,
  T,
  U,
  updateGuardCases,
} from './support-content.js';

/** Epoch seconds of an ISO time (the removal record's unit). */
const epochOf = (iso: string) => Math.floor(Date.parse(iso) / 1000);
const reverseIndexOf = (track_id: number) =>
  `SELECT playlists_containing_track AS containing, playlists_previously_containing_track AS previously FROM tracks WHERE track_id = ${track_id} AND is_current`;
const owner = U(400);
const current = (playlist_id: number) => ({ playlist_id, is_current: true });
const member = (playlist_id: number, track_id: number, is_removed = false) => ({
  table: 'playlist_tracks' as const,
  where: { playlist_id, track_id, is_removed },
  count: 1,
});
const active = (playlist_id: number, count: number) => ({
  table: 'playlist_tracks' as const,
  where: { playlist_id, is_removed: false },
  count,
});

const PT = 'go:playlist_tracks_test.go TestExtractPlaylistTrackIDs';
const contents: ParityCase[] = [
  {
    name: 'legacy {track_ids:[{track,time}]} contents',
    from: `${PT}/legacy {track_ids: [{track:..}]} format`,
    setup: [userCreate(owner)],
    block: playlistCreate(owner, P(1), {
      playlist_contents: {
        track_ids: [
          { track: T(1), time: 100 },
          { track: T(2), time: 200 },
        ],
      },
    }),
    outcomes: ['applied'],
    rows: [
      active(P(1), 2),
      member(P(1), T(1)),
      member(P(1), T(2)),
      {
        table: 'playlists',
        where: current(P(1)),
        equals: {
          playlist_contents: {
            track_ids: [
              { track: T(1), time: 100 },
              { track: T(2), time: 200 },
            ],
          },
        },
      },
    ],
  },
  {
    name: 'new bare-array contents with track_id',
    from: `${PT}/new array format with track_id`,
    setup: [userCreate(owner)],
    block: playlistCreate(owner, P(1), { playlist_contents: [{ track_id: T(3), time: 300 }] }),
    outcomes: ['applied'],
    rows: [
      active(P(1), 1),
      member(P(1), T(3)),
      {
        table: 'playlists',
        where: current(P(1)),
        equals: { playlist_contents: { track_ids: [{ track: T(3), time: 300 }] } },
      },
    ],
  },
  {
    name: 'missing playlist_contents',
    from: `${PT}/missing playlist_contents`,
    setup: [userCreate(owner)],
    block: playlistCreate(owner, P(1)),
    outcomes: ['applied'],
    rows: [
      active(P(1), 0),
      { table: 'playlists', where: current(P(1)), equals: { playlist_contents: { track_ids: [] } } },
    ],
  },
  {
    name: 'a hashid-encoded track id is decoded',
    from: `${PT}/hashid-encoded track ids decode`,
    setup: [userCreate(owner)],
    block: playlistCreate(owner, P(1), {
      playlist_contents: { track_ids: [{ track: '1aV5byE', time: 100 }] },
    }),
    outcomes: ['applied'],
    rows: [member(P(1), 1_031_900_541)],
  },
  {
    name: 'a numeric-string track id falls back to its decimal value',
    from: `${PT}/numeric string track id falls back to atoi`,
    setup: [userCreate(owner)],
    block: playlistCreate(owner, P(1), {
      playlist_contents: { track_ids: [{ track: '2007777', time: 100 }] },
    }),
    outcomes: ['applied'],
    rows: [member(P(1), 2_007_777)],
  },
  {
    name: 'a string that is neither a hashid nor a number is dropped',
    from: 'go:playlist_tracks.go extractPlaylistTrackIDs (undecodable entries skipped)',
    setup: [userCreate(owner)],
    block: playlistCreate(owner, P(1), {
      playlist_contents: {
        track_ids: [
          { track: 'not-an-id', time: 1 },
          { track: T(4), time: 2 },
        ],
      },
    }),
    outcomes: ['applied'],
    rows: [active(P(1), 1), member(P(1), T(4))],
  },
  {
    name: 'a create with two seeded tracks populates playlist_tracks',
    from: 'go:playlist_tracks_test.go TestPlaylistCreate_PopulatesPlaylistTracks',
    setup: [
      [userCreate(owner), seedTrack(T(6000), owner, 'Track One'), seedTrack(T(6001), owner, 'Track Two')],
    ],
    block: playlistCreate(owner, P(4000), {
      playlist_name: 'With Tracks',
      is_album: false,
      is_private: false,
      playlist_contents: {
        track_ids: [
          { track: T(6000), time: 1_700_000_000 },
          { track: T(6001), time: 1_700_000_100 },
        ],
      },
    }),
    outcomes: ['applied'],
    rows: [active(P(4000), 2)],
  },
  {
    name: 'an update that drops a track marks it removed',
    from: 'go:playlist_tracks_test.go TestPlaylistUpdate_RemovesTrackFromPlaylistTracks',
    setup: [
      [userCreate(owner), seedTrack(T(6100), owner, 'T1'), seedTrack(T(6101), owner, 'T2')],
      playlistCreate(owner, P(4100), {
        playlist_contents: {
          track_ids: [
            { track: T(6100), time: 1_700_000_000 },
            { track: T(6101), time: 1_700_000_100 },
          ],
        },
      }),
    ],
    block: playlistTx(owner, P(4100), 'Update', {
      playlist_contents: { track_ids: [{ track: T(6100), time: 1_700_000_000 }] },
    }),
    outcomes: ['applied'],
    rows: [member(P(4100), T(6100)), member(P(4100), T(6101), true)],
  },
];

const EC = 'go:empty_playlist_contents_test.go';
const withOne = { playlist_contents: { track_ids: [{ track: T(13000), time: 1_700_000_000 }] } };
const empty: ParityCase[] = [
  ...(
    [
      ['SDK bare empty array', []],
      ['legacy {track_ids: []}', { track_ids: [] }],
    ] as const
  ).map(
    ([sub, value]): ParityCase => ({
      name: `an update to empty contents (${sub}) removes every track`,
      from: `${EC} TestPlaylistUpdate_EmptyArrayMarksAllTracksRemoved (${sub})`,
      setup: [userCreate(U(1300)), playlistCreate(U(1300), P(12000), withOne)],
      block: playlistTx(U(1300), P(12000), 'Update', { playlist_contents: value }),
      outcomes: ['applied'],
      rows: [active(P(12000), 0), member(P(12000), T(13000), true)],
    }),
  ),
  {
    name: 'an update to empty contents writes the canonical {track_ids: []}',
    from: `${EC} TestPlaylistUpdate_EmptyArrayWritesJSONBColumn`,
    setup: [userCreate(U(1310)), playlistCreate(U(1310), P(12100), withOne)],
    block: playlistTx(U(1310), P(12100), 'Update', { playlist_contents: [] }),
    outcomes: ['applied'],
    rows: [
      { table: 'playlists', where: current(P(12100)), equals: { playlist_contents: { track_ids: [] } } },
    ],
  },
  ...(
    [
      ['explicit null', { playlist_contents: null }, []],
      ['bare empty array (apps#14306 SDK shape)', { playlist_contents: [] }, []],
      ['legacy empty dict', { playlist_contents: { track_ids: [] } }, []],
      ['bare array with entries', { playlist_contents: [{ track: 1, time: 2 }] }, [{ track: 1, time: 2 }]],
      [
        'legacy dict with entries',
        { playlist_contents: { track_ids: [{ track: 3, time: 4 }] } },
        [{ track: 3, time: 4 }],
      ],
    ] as const
  ).map(
    ([sub, meta, ids]): ParityCase => ({
      name: `contents normalised: ${sub}`,
      from: `${EC} TestNormalizePlaylistContentsJSON/${sub}`,
      setup: [userCreate(owner)],
      block: playlistCreate(owner, P(2), meta),
      outcomes: ['applied'],
      rows: [{ table: 'playlists', where: current(P(2)), equals: { playlist_contents: { track_ids: ids } } }],
    }),
  ),
];

const LA = 'go:playlist_last_added_to_test.go TestPlaylist_LastAddedTo';
const la = U(1700);
const pEmpty = P(17000);
const laSetup = [
  userCreate(la),
  playlistCreate(la, pEmpty, { playlist_name: 'Empty', playlist_contents: [] }),
];
const addOne = playlistTx(la, pEmpty, 'Update', {
  playlist_contents: { track_ids: [{ track: T(17001), time: 1 }] },
});
const lastAdded: ParityCase[] = [
  {
    name: 'an empty playlist has no last_added_to',
    from: `${LA} (1. empty create)`,
    setup: [userCreate(la)],
    block: playlistCreate(la, pEmpty, { playlist_name: 'Empty', playlist_contents: [] }),
    outcomes: ['applied'],
    rows: [{ table: 'playlists', where: current(pEmpty), equals: { last_added_to: null } }],
  },
  {
    name: 'a rename does not set last_added_to',
    from: `${LA} (2. metadata-only rename)`,
    setup: laSetup,
    block: playlistTx(la, pEmpty, 'Update', { playlist_name: 'Renamed' }),
    outcomes: ['applied'],
    rows: [
      {
        table: 'playlists',
        where: current(pEmpty),
        equals: { last_added_to: null, playlist_name: 'Renamed' },
      },
    ],
  },
  {
    name: 'adding a track sets last_added_to to the block time',
    from: `${LA} (3. add a track)`,
    setup: laSetup,
    block: addOne,
    outcomes: ['applied'],
    rows: [{ table: 'playlists', where: current(pEmpty), equals: { last_added_to: blockTimeAt(3) } }],
  },
  {
    name: 'a later rename keeps last_added_to',
    from: `${LA} (4. rename after add)`,
    setup: [...laSetup, addOne],
    block: playlistTx(la, pEmpty, 'Update', { playlist_name: 'Renamed2' }),
    outcomes: ['applied'],
    rows: [{ table: 'playlists', where: current(pEmpty), equals: { last_added_to: blockTimeAt(3) } }],
  },
  {
    name: 'removing the track keeps last_added_to',
    from: `${LA} (5. removal)`,
    setup: [...laSetup, addOne],
    block: playlistTx(la, pEmpty, 'Update', { playlist_contents: [] }),
    outcomes: ['applied'],
    rows: [{ table: 'playlists', where: current(pEmpty), equals: { last_added_to: blockTimeAt(3) } }],
  },
  {
    name: 'a create with tracks sets last_added_to at once',
    from: `${LA} (6. create with tracks)`,
    setup: [userCreate(la)],
    block: playlistCreate(la, P(17001), {
      playlist_name: 'WithTracks',
      playlist_contents: { track_ids: [{ track: T(17002), time: 1_700_000_000 }] },
    }),
    outcomes: ['applied'],
    rows: [{ table: 'playlists', where: current(P(17001)), equals: { last_added_to: blockTimeAt(2) } }],
  },
];

const TB = 'go:playlist_tombstones_test.go';
const tomb = U(421);
const tombstones: ParityCase[] = [
  {
    name: 'a migrated create carries its removal history as tombstones with the source timestamps',
    from: `${TB} TestMigratedPlaylistCreate_CarriesRemovalHistory`,
    setup: [[userCreate(tomb), seedTrack(T(6300), tomb, 'Kept'), seedTrack(T(6301), tomb, 'Left')]],
    block: playlistCreate(
      tomb,
      P(4201),
      {
        playlist_name: 'Album',
        is_album: true,
        playlist_contents: { track_ids: [{ track: T(6300), time: 1_700_000_000 }] },
        removed_tracks: [
          { track_id: T(6301), created_at: '2024-03-01T12:00:00Z', updated_at: '2025-07-14T08:30:00Z' },
        ],
      },
      { migration: true },
    ),
    outcomes: ['applied'],
    rows: [
      {
        table: 'playlist_tracks',
        where: { playlist_id: P(4201), track_id: T(6301) },
        equals: {
          is_removed: true,
          created_at: '2024-03-01T12:00:00.000Z',
          updated_at: '2025-07-14T08:30:00.000Z',
        },
      },
      member(P(4201), T(6300)),
    ],
    queries: [
      { query: reverseIndexOf(T(6300)), rows: [{ containing: [P(4201)], previously: {} }] },
      {
        query: reverseIndexOf(T(6301)),
        rows: [{ containing: [], previously: { [P(4201)]: { time: epochOf('2025-07-14T08:30:00Z') } } }],
      },
    ],
  },
  {
    name: 'a live create writes no tombstones',
    from: `${TB} TestPlaylistCreate_WritesNoTombstones`,
    setup: [[userCreate(U(422)), seedTrack(T(6302), U(422), 'Only')]],
    block: playlistCreate(U(422), P(4202), {
      playlist_name: 'Plain',
      playlist_contents: { track_ids: [{ track: T(6302), time: 1_700_000_000 }] },
      removed_tracks: [
        { track_id: T(6399), created_at: '2024-03-01T12:00:00Z', updated_at: '2025-07-14T08:30:00Z' },
      ],
    }),
    outcomes: ['applied'],
    rows: [
      { table: 'playlist_tracks', where: { playlist_id: P(4202), is_removed: true }, count: 0 },
      active(P(4202), 1),
    ],
  },
  {
    name: 'live membership beats a tombstone for the same track',
    from: `${TB} TestMigratedPlaylistCreate_LiveMembershipBeatsTombstone`,
    setup: [[userCreate(U(423)), seedTrack(T(6303), U(423), 'Contested')]],
    block: playlistCreate(
      U(423),
      P(4203),
      {
        playlist_name: 'Contested',
        playlist_contents: { track_ids: [{ track: T(6303), time: 1_700_000_000 }] },
        removed_tracks: [
          { track_id: T(6303), created_at: '2024-03-01T12:00:00Z', updated_at: '2025-07-14T08:30:00Z' },
        ],
      },
      { migration: true },
    ),
    outcomes: ['applied'],
    rows: [member(P(4203), T(6303))],
  },
  {
    name: 'tracks that left at different times keep their own removal times',
    from: `${TB} TestMigratedPlaylistCreate_PerTrackRemovalTimes`,
    setup: [[userCreate(U(424)), seedTrack(T(6304), U(424), 'Early'), seedTrack(T(6305), U(424), 'Late')]],
    block: playlistCreate(
      U(424),
      P(4204),
      {
        playlist_name: 'Two departures',
        removed_tracks: [
          { track_id: T(6304), created_at: '2024-01-01T00:00:00Z', updated_at: '2024-05-02T00:00:00Z' },
          { track_id: T(6305), created_at: '2024-01-01T00:00:00Z', updated_at: '2026-01-09T00:00:00Z' },
        ],
      },
      { migration: true },
    ),
    outcomes: ['applied'],
    rows: [
      {
        table: 'playlist_tracks',
        where: { playlist_id: P(4204), track_id: T(6304) },
        equals: { is_removed: true, updated_at: '2024-05-02T00:00:00.000Z' },
      },
      {
        table: 'playlist_tracks',
        where: { playlist_id: P(4204), track_id: T(6305) },
        equals: { is_removed: true, updated_at: '2026-01-09T00:00:00.000Z' },
      },
    ],
    queries: [
      {
        query: reverseIndexOf(T(6304)),
        rows: [{ containing: [], previously: { [P(4204)]: { time: epochOf('2024-05-02T00:00:00Z') } } }],
      },
      {
        query: reverseIndexOf(T(6305)),
        rows: [{ containing: [], previously: { [P(4204)]: { time: epochOf('2026-01-09T00:00:00Z') } } }],
      },
    ],
  },
];

const IDX = 'go:playlist_track_index_test.go';
const reverseIndex: ParityCase[] = [
  {
    name: 'add, drop and re-add a track: the reverse index follows and the removal record goes',
    from: `${IDX} TestPlaylistLifecycle_MaintainsTrackReverseIndex`,
    setup: [
      [userCreate(U(420)), seedTrack(T(6200), U(420), 'Kept'), seedTrack(T(6201), U(420), 'Dropped')],
      playlistCreate(U(420), P(4200), {
        playlist_name: 'Album',
        is_album: true,
        playlist_contents: {
          track_ids: [
            { track: T(6200), time: 1_700_000_000 },
            { track: T(6201), time: 1_700_000_100 },
          ],
        },
      }),
      playlistTx(U(420), P(4200), 'Update', {
        playlist_contents: { track_ids: [{ track: T(6200), time: 1_700_000_000 }] },
      }),
    ],
    block: playlistTx(U(420), P(4200), 'Update', {
      playlist_contents: {
        track_ids: [
          { track: T(6200), time: 1_700_000_000 },
          { track: T(6201), time: 1_700_000_100 },
        ],
      },
    }),
    outcomes: ['applied'],
    rows: [member(P(4200), T(6200)), member(P(4200), T(6201))],
    queries: [
      { query: reverseIndexOf(T(6200)), rows: [{ containing: [P(4200)], previously: {} }] },
      { query: reverseIndexOf(T(6201)), rows: [{ containing: [P(4200)], previously: {} }] },
    ],
  },
  {
    name: 'a track dropped from an album leaves it and gets a removal record at the block time',
    from: `${IDX} TestPlaylistLifecycle_MaintainsTrackReverseIndex (drop) / TestUpdatePlaylistTracks_RemoveRecordsBlockTime`,
    setup: [
      [userCreate(U(420)), seedTrack(T(6200), U(420), 'Kept'), seedTrack(T(6201), U(420), 'Dropped')],
      playlistCreate(U(420), P(4200), {
        playlist_name: 'Album',
        is_album: true,
        playlist_contents: {
          track_ids: [
            { track: T(6200), time: 1_700_000_000 },
            { track: T(6201), time: 1_700_000_100 },
          ],
        },
      }),
    ],
    block: playlistTx(U(420), P(4200), 'Update', {
      playlist_contents: { track_ids: [{ track: T(6200), time: 1_700_000_000 }] },
    }),
    outcomes: ['applied'],
    rows: [member(P(4200), T(6201), true)],
    queries: [
      { query: reverseIndexOf(T(6200)), rows: [{ containing: [P(4200)], previously: {} }] },
      {
        query: reverseIndexOf(T(6201)),
        rows: [{ containing: [], previously: { [P(4200)]: { time: epochOf(blockTimeAt(3)) } } }],
      },
    ],
  },
  {
    name: 'deleting a playlist leaves the reverse index as it was',
    from: 'go:playlist_delete.go (no playlist_tracks or tracks write) / py:entities/playlist.py delete_playlist',
    setup: [
      [userCreate(U(425)), seedTrack(T(6210), U(425), 'In')],
      playlistCreate(U(425), P(4210), { playlist_contents: [{ track: T(6210), time: 1 }] }),
    ],
    block: playlistTx(U(425), P(4210), 'Delete'),
    outcomes: ['applied'],
    rows: [member(P(4210), T(6210))],
    queries: [{ query: reverseIndexOf(T(6210)), rows: [{ containing: [P(4210)], previously: {} }] }],
  },
  {
    name: 'a track in two playlists lists both; leaving one keeps the other',
    from: 'py:entities/playlist.py update_playlist_tracks (playlists_containing_track is a set of ids)',
    setup: [
      [userCreate(U(426)), seedTrack(T(6220), U(426), 'Shared')],
      playlistCreate(U(426), P(4220), { playlist_contents: [{ track: T(6220), time: 1 }] }),
      playlistCreate(U(426), P(4221), { playlist_contents: [{ track: T(6220), time: 1 }] }),
    ],
    block: playlistTx(U(426), P(4220), 'Update', { playlist_contents: [] }),
    outcomes: ['applied'],
    queries: [
      {
        query: reverseIndexOf(T(6220)),
        rows: [{ containing: [P(4221)], previously: { [P(4220)]: { time: epochOf(blockTimeAt(4)) } } }],
      },
    ],
  },
  {
    name: 'an update that does not change membership touches no track row',
    from: `${IDX} TestUpdatePlaylistTracks_NoMembershipChangeSkipsTrackWrites`,
    setup: [
      [userCreate(owner), seedTrack(T(1), owner, 'a'), seedTrack(T(2), owner, 'b')],
      playlistCreate(owner, P(99), {
        playlist_contents: [
          { track: T(1), time: 1 },
          { track: T(2), time: 1 },
        ],
      }),
    ],
    block: playlistTx(owner, P(99), 'Update', {
      playlist_contents: [
        { track: T(2), time: 1 },
        { track: T(1), time: 1 },
      ],
    }),
    outcomes: ['applied'],
    rows: [
      { table: 'tracks', where: { track_id: T(1), txhash: 'seed-track-2000001' }, count: 1 },
      { table: 'playlists', where: current(P(99)), equals: { last_added_to: blockTimeAt(2) } },
    ],
  },
];

const lifecycle: ParityCase[] = [
  {
    name: 'a Track action sent as Playlist is unrouted (the registration pins the entity type)',
    from: 'go:playlist_create.go (EntityType() = Playlist; the dispatcher routes by exact key)',
    setup: [userCreate(owner)],
    block: playlistTx(owner, P(15), 'Download'),
    outcomes: ['unrouted'],
  },
  {
    name: 'Track-shaped metadata sent as Playlist/Create makes a playlist, never a track',
    from: 'go:handler.go (dispatch by entity type and action)',
    setup: [userCreate(owner)],
    block: playlistTx(owner, P(16), 'Create', { owner_id: owner, title: 'Not a track' }),
    outcomes: ['applied'],
    rows: [
      {
        table: 'playlists',
        where: current(P(16)),
        equals: { playlist_owner_id: owner, playlist_name: null },
      },
      { table: 'tracks', where: { track_id: P(16) }, count: 0 },
    ],
  },
  {
    name: 'is_album cannot be flipped by an update',
    from: 'go:immutable_fields_test.go TestPlaylistUpdate_IgnoresImmutableIsAlbum',
    setup: [
      userCreate(U(710)),
      playlistCreate(U(710), P(9600), { playlist_name: 'Not An Album', is_album: false, is_private: false }),
    ],
    block: playlistTx(U(710), P(9600), 'Update', { is_album: true }),
    outcomes: ['applied'],
    rows: [{ table: 'playlists', where: current(P(9600)), equals: { is_album: false } }],
  },
  {
    name: 'an album stays an album',
    from: 'go:immutable_fields.go immutablePlaylistFields (is_album)',
    setup: [userCreate(U(710)), playlistCreate(U(710), P(9601), { is_album: true })],
    block: playlistTx(U(710), P(9601), 'Update', { is_album: false, playlist_name: 'Still' }),
    outcomes: ['applied'],
    rows: [
      { table: 'playlists', where: current(P(9601)), equals: { is_album: true, playlist_name: 'Still' } },
    ],
  },
  {
    name: 'a named playlist gets its current route and the legacy id-suffixed one',
    from: 'go:track_routes_test.go TestPlaylistCreate_InsertsLegacyIDSuffixedRoute',
    setup: [userCreate(U(170))],
    block: playlistCreate(U(170), P(900), { playlist_name: 'Migration Album', is_album: true }),
    outcomes: ['applied'],
    rows: [
      {
        table: 'playlist_routes',
        where: { playlist_id: P(900), is_current: true },
        equals: { slug: 'migration-album' },
      },
      {
        table: 'playlist_routes',
        where: { playlist_id: P(900), is_current: false },
        equals: { slug: `migration-album-${P(900)}` },
      },
      { table: 'playlist_routes', where: { playlist_id: P(900) }, count: 2 },
    ],
  },
  {
    name: 'two same-name playlists in one block get distinct slugs',
    from: 'go:same_block_routes_test.go TestSameBlock_PlaylistRouteCollision',
    setup: [userCreate(U(610))],
    block: [
      playlistCreate(U(610), P(9100), { playlist_name: 'Mix', is_album: false, is_private: false }),
      playlistCreate(U(610), P(9101), { playlist_name: 'Mix', is_album: false, is_private: false }),
    ],
    outcomes: ['applied', 'applied'],
    rows: [
      {
        table: 'playlist_routes',
        where: { playlist_id: P(9100), is_current: true },
        equals: { slug: 'mix' },
      },
      {
        table: 'playlist_routes',
        where: { playlist_id: P(9101), is_current: true },
        equals: { slug: 'mix-1' },
      },
    ],
  },
  {
    name: 'a rename moves the current route',
    from: 'py:entities/playlist.py update_playlist_routes',
    setup: [userCreate(owner), playlistCreate(owner, P(5), { playlist_name: 'Road Trip' })],
    block: playlistTx(owner, P(5), 'Update', { playlist_name: 'Night Drive' }),
    outcomes: ['applied'],
    rows: [
      {
        table: 'playlist_routes',
        where: { playlist_id: P(5), is_current: true },
        equals: { slug: 'night-drive' },
      },
      {
        table: 'playlist_routes',
        where: { playlist_id: P(5), slug: 'road-trip' },
        equals: { is_current: false },
      },
    ],
  },
  {
    name: 'a premium album is created with its price history',
    from: 'go:price_history_test.go TestPlaylistCreate_WritesAlbumPriceHistory',
    setup: [userCreate(U(520))],
    block: playlistCreate(U(520), P(8000), {
      playlist_name: 'Premium Album',
      is_album: true,
      is_private: false,
      is_stream_gated: true,
      stream_conditions: { usdc_purchase: { price: 499, splits: [{ user_id: U(520), percentage: 100 }] } },
    }),
    outcomes: ['applied'],
    rows: [
      { table: 'playlists', where: current(P(8000)), equals: { is_album: true, is_stream_gated: true } },
      {
        table: 'album_price_history',
        where: { playlist_id: P(8000) },
        equals: {
          total_price_cents: 499,
          splits: [{ user_id: U(520), percentage: 100 }],
          blocknumber: 2,
          block_timestamp: blockTimeAt(2),
        },
      },
    ],
  },
  {
    name: 'an album price change adds a row; the same price again adds none',
    from: 'go:price_history.go updateAlbumPriceHistory / lastAlbumPriceMatches',
    setup: [
      userCreate(U(521)),
      playlistCreate(U(521), P(8001), {
        is_album: true,
        is_stream_gated: true,
        stream_conditions: { usdc_purchase: { price: 499, splits: [{ user_id: U(521), percentage: 100 }] } },
      }),
      playlistTx(U(521), P(8001), 'Update', {
        is_stream_gated: true,
        stream_conditions: { usdc_purchase: { price: 599, splits: [{ user_id: U(521), percentage: 100 }] } },
      }),
    ],
    block: playlistTx(U(521), P(8001), 'Update', {
      is_stream_gated: true,
      stream_conditions: { usdc_purchase: { price: 599, splits: [{ user_id: U(521), percentage: 100 }] } },
    }),
    outcomes: ['applied'],
    rows: [
      { table: 'album_price_history', where: { playlist_id: P(8001) }, count: 2 },
      {
        table: 'album_price_history',
        where: { playlist_id: P(8001), total_price_cents: 599 },
        equals: { blocknumber: 3 },
      },
    ],
  },
  {
    name: 'a playlist without a stream gate has no price history',
    from: 'go:price_history.go updateAlbumPriceHistory (is_stream_gated false)',
    setup: [userCreate(U(522))],
    block: playlistCreate(U(522), P(8002), {
      is_album: true,
      stream_conditions: { usdc_purchase: { price: 499, splits: [{ user_id: U(522), percentage: 100 }] } },
    }),
    outcomes: ['applied'],
    rows: [{ table: 'album_price_history', where: { playlist_id: P(8002) }, count: 0 }],
  },
  {
    name: 'DDEX fields, the autogenerated-image flag and the metadata cid are stored on create',
    from: 'py:entities/playlist.py create_playlist / go:playlist_row.go insertPlaylistRow',
    setup: [userCreate(owner)],
    block: playlistCreate(owner, P(8100), {
      is_album: true,
      is_image_autogenerated: true,
      upc: '123456789012',
      ddex_release_ids: { icpn: '123456789012' },
      artists: [{ name: 'A One', roles: ['MainArtist'] }],
      copyright_line: { text: '2024 Label', year: '2024' },
      producer_copyright_line: { text: '2024 Producer', year: '2024' },
      parental_warning_type: 'Explicit',
    }),
    outcomes: ['applied'],
    rows: [
      {
        table: 'playlists',
        where: current(P(8100)),
        equals: {
          is_image_autogenerated: true,
          metadata_multihash: 'bafyparity',
          ddex_release_ids: { icpn: '123456789012' },
          artists: [{ name: 'A One', roles: ['MainArtist'] }],
          copyright_line: { text: '2024 Label', year: '2024' },
          producer_copyright_line: { text: '2024 Producer', year: '2024' },
          parental_warning_type: 'Explicit',
        },
      },
    ],
  },
  {
    name: 'playlist update: present DDEX keys set or clear, absent ones keep, malformed ones are dropped',
    from: 'go:playlist_row.go mergePlaylistFromMetadata',
    setup: [
      userCreate(owner),
      playlistCreate(owner, P(8101), {
        is_image_autogenerated: true,
        artists: [{ name: 'A' }],
        copyright_line: { text: 'C' },
        parental_warning_type: 'Explicit',
      }),
    ],
    block: playlistTx(owner, P(8101), 'Update', {
      is_image_autogenerated: false,
      artists: null,
      parental_warning_type: '',
      producer_copyright_line: 'not an object',
    }),
    outcomes: ['applied'],
    rows: [
      {
        table: 'playlists',
        where: current(P(8101)),
        equals: {
          is_image_autogenerated: false,
          artists: null,
          copyright_line: { text: 'C' },
          producer_copyright_line: null,
          parental_warning_type: null,
        },
      },
    ],
  },
  {
    name: 'a playlist id below the offset',
    from: 'py:entities/playlist.py validate_playlist_tx (PLAYLIST_ID_OFFSET)',
    setup: [userCreate(owner)],
    block: playlistCreate(owner, 1000),
    outcomes: ['playlist_id_below_offset'],
  },
  {
    name: 'a deleted playlist id is never reused',
    from: 'go:playlist_create.go playlistExists (any version)',
    setup: [userCreate(owner), playlistCreate(owner, P(6)), playlistTx(owner, P(6), 'Delete')],
    block: playlistCreate(owner, P(6)),
    outcomes: ['playlist_exists'],
  },
  {
    name: 'a playlist create needs metadata',
    from: 'py:entities/playlist.py validate_playlist_tx (metadata required on create)',
    setup: [userCreate(owner)],
    block: playlistTx(owner, P(7), 'Create', ''),
    outcomes: ['metadata_required'],
  },
  ...updateGuardCases({
    noun: 'playlist',
    owner,
    create: playlistCreate,
    tx: playlistTx,
    ids: [P(8), P(9), P(10)],
    edit: { playlist_name: 'mine' },
    deletedName: 'updating a deleted playlist',
    from: {
      owner: 'py:entities/playlist.py validate_playlist_tx (owner)',
      deleted: 'py:entities/playlist.py validate_playlist_tx (active)',
      metadata:
        'py:entities/playlist.py validate_playlist_tx ("Metadata is required for playlist creation and update")',
    },
  }),
  {
    name: 'the owner deletes a playlist; a second delete is rejected',
    from: 'py:entities/playlist.py delete_playlist',
    setup: [userCreate(owner), playlistCreate(owner, P(11)), playlistTx(owner, P(11), 'Delete')],
    block: playlistTx(owner, P(11), 'Delete'),
    outcomes: ['playlist_not_found'],
  },
  {
    name: 'a delete marks the row deleted in place',
    from: 'go:playlist_delete.go',
    setup: [userCreate(owner), playlistCreate(owner, P(12))],
    block: playlistTx(owner, P(12), 'Delete'),
    outcomes: ['applied'],
    rows: [
      { table: 'playlists', where: current(P(12)), equals: { is_delete: true } },
      { table: 'playlists', where: { playlist_id: P(12) }, count: 1 },
    ],
  },
  {
    name: 'a scheduled album release keeps its release date (zone-less read as UTC)',
    from: 'py:entities/playlist.py (is_scheduled_release, release_date)',
    setup: [userCreate(owner)],
    block: playlistCreate(owner, P(13), {
      is_album: true,
      is_scheduled_release: true,
      release_date: '2031-02-03T04:05:06',
    }),
    outcomes: ['applied'],
    rows: [
      {
        table: 'playlists',
        where: current(P(13)),
        equals: { is_scheduled_release: true, release_date: '2031-02-03T04:05:06.000Z' },
      },
    ],
  },
  {
    name: 'an unparseable playlist release date is NULL',
    from: 'go:playlist_create.go (release_date parsed or NULL)',
    setup: [userCreate(owner)],
    block: playlistCreate(owner, P(14), { release_date: 'next week' }),
    outcomes: ['applied'],
    rows: [{ table: 'playlists', where: current(P(14)), equals: { release_date: null } }],
  },
];

parityCases('playlist', [...contents, ...empty, ...lastAdded, ...tombstones, ...reverseIndex, ...lifecycle]);

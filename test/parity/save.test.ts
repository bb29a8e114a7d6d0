// Save / Unsave (wildcard handlers), translated from social_save_test.go and social_playlist_test.go.

import { type ParityCase, parityCases, userCreate } from './support.js';
import { P, seedPlaylist, seedTrack, socialTx, T, trackCreate, trackTx, U } from './support-content.js';

const S = 'go:social_save_test.go';
const saver = U(1);
const trackOwner = U(2);
const world = [[userCreate(saver), userCreate(trackOwner), seedTrack(T(1), trackOwner)]];
const save = (id = T(1), meta: Record<string, unknown> = { type: 'track' }, type = 'Save') =>
  socialTx(saver, type, id, 'Save', meta);
const unsave = (id = T(1), meta: Record<string, unknown> = { type: 'track' }) =>
  socialTx(saver, 'Save', id, 'Unsave', meta);
const saveRow = (item: number, save_type: string) => ({
  table: 'saves' as const,
  where: { user_id: saver, save_item_id: item, save_type, is_current: true },
});

const cases: ParityCase[] = [
  {
    name: 'a track save is stored',
    from: `${S} TestSave_Track_Success`,
    setup: world,
    block: save(),
    outcomes: ['applied'],
    rows: [{ ...saveRow(T(1), 'track'), equals: { is_delete: false, is_save_of_repost: false } }],
  },
  {
    name: 'a second save is rejected',
    from: `${S} TestSave_RejectsDuplicate`,
    setup: [...world, save()],
    block: save(),
    outcomes: ['already_saved'],
  },
  {
    name: 'an unsave tombstones the save in place',
    from: `${S} TestUnsave_Success`,
    setup: [...world, save()],
    block: unsave(),
    outcomes: ['applied'],
    rows: [
      { ...saveRow(T(1), 'track'), equals: { is_delete: true } },
      { table: 'saves', where: { user_id: saver, save_item_id: T(1) }, count: 1 },
    ],
  },
  {
    name: 'an unsave without an active save is rejected',
    from: `${S} TestUnsave_RejectsNoActiveSave`,
    setup: world,
    block: unsave(),
    outcomes: ['not_saved'],
  },
  {
    name: 'a playlist save is stored as playlist',
    from: 'go:social_playlist_test.go TestSave_Playlist_Success',
    setup: [[userCreate(saver), userCreate(trackOwner), seedPlaylist(P(1), trackOwner)]],
    block: save(P(1), { type: 'playlist' }, 'Playlist'),
    outcomes: ['applied'],
    rows: [{ ...saveRow(P(1), 'playlist'), equals: { is_delete: false } }],
  },
  {
    name: 'an album save is stored as playlist',
    from: 'go:social_playlist_test.go TestSave_Album_Success (superseded by social_save.go #428: albums save as playlist)',
    setup: [[userCreate(saver), userCreate(trackOwner), seedPlaylist(P(3), trackOwner, true)]],
    block: save(P(3), { type: 'album' }, 'Playlist'),
    outcomes: ['applied'],
    rows: [
      { ...saveRow(P(3), 'playlist'), equals: { is_delete: false } },
      { table: 'saves', where: { save_item_id: P(3), save_type: 'album' }, count: 0 },
    ],
  },
  {
    name: 'a Playlist save resolves to playlist even when a track has the same id',
    from: 'go:social_playlist_test.go TestSave_Playlist_WhenTrackIdCollides',
    setup: [
      [
        userCreate(U(100)),
        userCreate(U(101)),
        userCreate(U(102)),
        seedTrack(T(4281), U(101)),
        seedPlaylist(T(4281), U(102)),
      ],
    ],
    block: socialTx(U(100), 'Playlist', T(4281), 'Save', { is_save_of_repost: false }),
    outcomes: ['applied'],
    rows: [
      {
        table: 'saves',
        where: { user_id: U(100), save_item_id: T(4281), is_current: true },
        equals: { save_type: 'playlist' },
      },
    ],
  },
  {
    name: 'without a type the database decides: a track',
    from: 'go:social_save.go inferSaveType',
    setup: world,
    block: save(T(1), {}),
    outcomes: ['applied'],
    rows: [{ ...saveRow(T(1), 'track'), count: 1 }],
  },
  {
    name: 'without a type and nothing with that id, the save is rejected',
    from: 'go:social_save.go validateSave (cannot determine save type)',
    setup: world,
    block: save(T(77), {}),
    outcomes: ['item_type_unknown'],
  },
  {
    name: 'a save of a track that does not exist',
    from: 'go:social_save.go validateSaveTarget',
    setup: world,
    block: save(T(78)),
    outcomes: ['target_not_found'],
  },
  {
    name: 'a deleted track can still be saved (relaxed existence)',
    from: 'go:track_queries.go trackExists (current row, deleted allowed)',
    setup: [
      [userCreate(saver), userCreate(trackOwner)],
      trackCreate(trackOwner, T(5)),
      trackTx(trackOwner, T(5), 'Delete'),
    ],
    block: save(T(5), { type: 'track' }, 'Track'),
    outcomes: ['applied'],
    rows: [{ ...saveRow(T(5), 'track'), count: 1 }],
  },
  {
    name: 'is_save_of_repost is stored',
    from: 'go:social_save.go insertSave (is_save_of_repost)',
    setup: world,
    block: save(T(1), { type: 'track', is_save_of_repost: true }),
    outcomes: ['applied'],
    rows: [{ ...saveRow(T(1), 'track'), equals: { is_save_of_repost: true } }],
  },
  {
    name: 'an Unsave reads the tx entity type before metadata.type',
    from: 'go:social_save.go validateUnsave (entity_type, then metadata type)',
    setup: [
      [userCreate(saver), userCreate(trackOwner), seedPlaylist(P(4), trackOwner)],
      save(P(4), {}, 'Playlist'),
    ],
    block: socialTx(saver, 'Playlist', P(4), 'Unsave', { type: 'track' }),
    outcomes: ['applied'],
    rows: [{ ...saveRow(P(4), 'playlist'), equals: { is_delete: true } }],
  },
];

parityCases('save', cases);

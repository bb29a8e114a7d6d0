// Repost / Unrepost (wildcard handlers), translated from social_repost_test.go and social_playlist_test.go.

import { type ParityCase, parityCases, userCreate } from './support.js';
import { P, seedPlaylist, seedTrack, socialTx, T, U } from './support-content.js';

const R = 'go:social_repost_test.go';
const reposter = U(1);
const itemOwner = U(2);
const world = [[userCreate(reposter), userCreate(itemOwner), seedTrack(T(1), itemOwner)]];
const repost = (id = T(1), meta: Record<string, unknown> = { type: 'track' }, type = 'Repost') =>
  socialTx(reposter, type, id, 'Repost', meta);
const repostRow = (item: number, repost_type: string) => ({
  table: 'reposts' as const,
  where: { user_id: reposter, repost_item_id: item, repost_type, is_current: true },
});

const cases: ParityCase[] = [
  {
    name: 'a track repost is stored',
    from: `${R} TestRepost_Track_Success`,
    setup: world,
    block: repost(),
    outcomes: ['applied'],
    rows: [{ ...repostRow(T(1), 'track'), equals: { is_delete: false, is_repost_of_repost: false } }],
  },
  {
    name: 'a second repost is rejected',
    from: `${R} TestRepost_RejectsDuplicate`,
    setup: [...world, repost()],
    block: repost(),
    outcomes: ['already_reposted'],
  },
  {
    name: 'an unrepost tombstones the repost',
    from: `${R} TestUnrepost_Success`,
    setup: [...world, repost()],
    block: socialTx(reposter, 'Repost', T(1), 'Unrepost', { type: 'track' }),
    outcomes: ['applied'],
    rows: [
      { ...repostRow(T(1), 'track'), equals: { is_delete: true } },
      { table: 'reposts', where: { user_id: reposter, repost_item_id: T(1) }, count: 1 },
    ],
  },
  {
    name: 'an unrepost without an active repost is rejected',
    from: `${R} TestUnrepost_RejectsNoActiveRepost`,
    setup: world,
    block: socialTx(reposter, 'Repost', T(1), 'Unrepost', { type: 'track' }),
    outcomes: ['not_reposted'],
  },
  {
    name: 'a playlist repost is stored as playlist',
    from: 'go:social_playlist_test.go TestRepost_Playlist_Success',
    setup: [[userCreate(reposter), userCreate(itemOwner), seedPlaylist(P(2), itemOwner)]],
    block: repost(P(2), { type: 'playlist' }, 'Playlist'),
    outcomes: ['applied'],
    rows: [{ ...repostRow(P(2), 'playlist'), equals: { is_delete: false } }],
  },
  {
    name: 'a Playlist repost of an album is stored as album',
    from: 'go:social_repost.go resolveRepostType (Playlist → album when is_album)',
    setup: [[userCreate(reposter), userCreate(itemOwner), seedPlaylist(P(3), itemOwner, true)]],
    block: repost(P(3), {}, 'Playlist'),
    outcomes: ['applied'],
    rows: [{ ...repostRow(P(3), 'album'), count: 1 }],
  },
  {
    name: 'a repost of a playlist that does not exist',
    from: 'go:social_repost.go validateRepostTarget',
    setup: world,
    block: repost(P(9), { type: 'playlist' }, 'Playlist'),
    outcomes: ['target_not_found'],
  },
  {
    name: 'is_repost_of_repost is stored',
    from: 'go:social_repost.go insertRepost (is_repost_of_repost)',
    setup: world,
    block: repost(T(1), { type: 'track', is_repost_of_repost: true }),
    outcomes: ['applied'],
    rows: [{ ...repostRow(T(1), 'track'), equals: { is_repost_of_repost: true } }],
  },
  {
    name: 'a re-repost after an unrepost revives the one current row',
    from: 'go:social_repost.go (upsert on the current row)',
    setup: [...world, repost(), socialTx(reposter, 'Repost', T(1), 'Unrepost', { type: 'track' })],
    block: repost(),
    outcomes: ['applied'],
    rows: [
      { ...repostRow(T(1), 'track'), equals: { is_delete: false } },
      { table: 'reposts', where: { user_id: reposter, repost_item_id: T(1) }, count: 1 },
    ],
  },
];

parityCases('repost', cases);

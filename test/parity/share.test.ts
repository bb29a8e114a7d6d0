// Share (wildcard handler): no Go test file; the rules are social_share.go's and the spec's (row 23).

import { type ParityCase, parityCases, userCreate } from './support.js';
import { P, seedPlaylist, seedTrack, socialTx, T, U } from './support-content.js';

const S = 'go:social_share.go';
const sharer = U(1);
const itemOwner = U(2);
const world = [
  [
    userCreate(sharer),
    userCreate(itemOwner),
    seedTrack(T(1), itemOwner),
    seedPlaylist(P(1), itemOwner, true),
  ],
];

const cases: ParityCase[] = [
  {
    name: 'a track share is stored',
    from: S,
    setup: world,
    block: socialTx(sharer, 'Track', T(1), 'Share'),
    outcomes: ['applied'],
    rows: [
      { table: 'shares', where: { user_id: sharer, share_item_id: T(1) }, equals: { share_type: 'track' } },
    ],
  },
  {
    name: 'sharing twice writes two rows (no duplicate check)',
    from: `${S} (no duplicate check)`,
    setup: [...world, socialTx(sharer, 'Track', T(1), 'Share')],
    block: socialTx(sharer, 'Track', T(1), 'Share'),
    outcomes: ['applied'],
    rows: [{ table: 'shares', where: { user_id: sharer, share_item_id: T(1) }, count: 2 }],
  },
  {
    name: 'a re-delivered share tx (same hash) writes one row',
    from: `${S} (PK includes txhash: ON CONFLICT DO NOTHING)`,
    setup: [...world, { ...socialTx(sharer, 'Track', T(1), 'Share'), hash: 'cd'.repeat(32) }],
    block: { ...socialTx(sharer, 'Track', T(1), 'Share'), hash: 'cd'.repeat(32) },
    outcomes: ['applied'],
    rows: [{ table: 'shares', where: { user_id: sharer, share_item_id: T(1) }, count: 1 }],
  },
  {
    name: 'an album share is stored as a playlist share',
    from: `${S} (share_type album kept)`,
    difference: 'docs/parity-content.md: an album share',
    setup: world,
    block: socialTx(sharer, 'Album', P(1), 'Share'),
    outcomes: ['applied'],
    rows: [
      {
        table: 'shares',
        where: { user_id: sharer, share_item_id: P(1) },
        equals: { share_type: 'playlist' },
      },
    ],
  },
  {
    name: 'a playlist share by metadata type',
    from: `${S} (entity_type, then metadata.type)`,
    setup: world,
    block: socialTx(sharer, 'Share', P(1), 'Share', { type: 'playlist' }),
    outcomes: ['applied'],
    rows: [
      {
        table: 'shares',
        where: { user_id: sharer, share_item_id: P(1) },
        equals: { share_type: 'playlist' },
      },
    ],
  },
  {
    name: 'a share of a track that does not exist',
    from: `${S} (target exists)`,
    setup: world,
    block: socialTx(sharer, 'Track', T(9), 'Share'),
    outcomes: ['target_not_found'],
  },
];

parityCases('share', cases);

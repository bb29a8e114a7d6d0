// Coverage drafts and the cursor that takes them in turn.
import { pair } from '../world.js';
import { asUser, GENRES, signedBy } from './common.js';
import type { Draft, GenContext, Generator } from './types.js';

/**
 * Coverage drafts: one per handler or rejection reason the weighted generators reach too rarely for the
 * corpus seeds (sim/seeds.json, test/sim/coverage.test.ts). SimChain appends one now and then, taken in
 * turn (world.coverageCursor) and drawn from the `coverage` stream only, so these never shift the `txs`
 * stream the weighted generators share. Valid ones update the world like the others; the rest read it.
 */
export const COVERAGE: readonly Generator[] = [
  {
    key: 'DeveloperApp:Delete',
    weight: 1,
    gen: ({ world }) => {
      // The oldest live app. It stays in world.apps: later Updates and Grants on it are rejected, as on chain.
      const a = world.apps.find((x) => !world.deletedApps.has(x.address));
      const u = a && world.userById(a.owner);
      if (!a || !u) return undefined;
      world.deletedApps.add(a.address);
      return signedBy(u, 'DeveloperApp', 'Delete', 0, { address: a.address });
    },
  },
  {
    key: 'Event:Delete',
    weight: 1,
    gen: ({ world }) => {
      const e = world.events.shift();
      const u = e && world.userById(e.owner);
      return u && { entityType: 'Event', action: 'Delete', entityId: e.id, ...asUser(u) };
    },
  },
  {
    key: 'app_not_found',
    weight: 1,
    gen: ({ world, rng }) => {
      const u = world.user(rng);
      return (
        u &&
        signedBy(u, 'DeveloperApp', 'Update', 0, {
          address: `0x${rng.hex(20)}`,
          name: 'no such app',
          description: 'updated',
        })
      );
    },
  },
  {
    key: 'grantee_invalid',
    weight: 1,
    gen: ({ world, rng }) => {
      const u = world.user(rng);
      return u && signedBy(u, 'Grant', 'Create', 0, { grantee_address: `0x${rng.hex(20)}` });
    },
  },
  {
    key: 'handle_taken',
    weight: 1,
    gen: ({ world, rng }) => {
      const u = world.user(rng);
      const other = world.users.find((x) => x !== u);
      return u && other && signedBy(u, 'User', 'Update', u.id, { handle: other.handle });
    },
  },
  {
    key: 'wallet_taken',
    weight: 1,
    gen: ({ world, rng }) => {
      const taken = world.user(rng);
      const id = 3_980_000 + world.coverageCursor;
      return (
        taken && {
          entityType: 'User',
          action: 'Create',
          userId: id,
          entityId: id,
          signer: taken.wallet,
          metadata: { handle: `cov${id}` },
        }
      );
    },
  },
  {
    key: 'not_reposted',
    weight: 1,
    gen: ({ world, rng }) => {
      const u = world.user(rng);
      const t = world.liveTrack(rng);
      if (!u || !t || world.reposts.has(pair(u.id, t.id, 'track'))) return undefined;
      return signedBy(u, 'Track', 'Unrepost', t.id, { type: 'track' });
    },
  },
  ...([false, true] as const).map(
    (otherTrack): Generator => ({
      key: otherTrack ? 'parent_comment_mismatch' : 'parent_comment_not_found',
      weight: 1,
      gen: ({ world, rng }) => {
        const u = world.user(rng);
        const parent = world.comments[0];
        const t = otherTrack
          ? world.tracks.find((x) => !x.deleted && x.id !== parent?.track)
          : world.liveTrack(rng);
        if (!u || !t || (otherTrack && !parent)) return undefined;
        return signedBy(u, 'Comment', 'Create', 4_900_000 + world.coverageCursor, {
          entity_type: 'Track',
          entity_id: t.id,
          body: 'a reply',
          parent_comment_id: otherTrack && parent ? parent.id : 4_999_999,
        });
      },
    }),
  ),
  {
    key: 'playlist_exists',
    weight: 1,
    gen: ({ world, rng }) => {
      const p = world.livePlaylist(rng);
      const u = p && world.userById(p.owner);
      return p && u && signedBy(u, 'Playlist', 'Create', p.id, { playlist_name: 'again' });
    },
  },
  {
    key: 'track_id_below_offset',
    weight: 1,
    gen: ({ world, rng }) => {
      const u = world.user(rng);
      return (
        u &&
        signedBy(u, 'Track', 'Create', 1_999_999, {
          owner_id: u.id,
          title: 'low id',
          genre: rng.pick(GENRES),
        })
      );
    },
  },
  ...(
    [
      ['stem_cannot_be_gated', { stem_of: { parent_track_id: 2_000_000 }, is_stream_gated: true }],
      [
        'stream_gated_not_download_gated',
        { is_stream_gated: true, stream_conditions: { follow_user_id: 1 } },
      ],
    ] as const
  ).map(
    ([key, gating]): Generator => ({
      key,
      weight: 1,
      gen: ({ world, rng }) => {
        const u = world.user(rng);
        return (
          u &&
          signedBy(u, 'Track', 'Create', 3_500_000 + world.coverageCursor, {
            owner_id: u.id,
            title: 'gated probe',
            genre: rng.pick(GENRES),
            ...gating,
          })
        );
      },
    }),
  ),
];

/** The next coverage draft in turn (skipping those the world cannot make yet), or none. */
export function coverageDraft(ctx: GenContext): { key: string; draft: Draft } | undefined {
  const w = ctx.world;
  for (let i = 0; i < COVERAGE.length; i++) {
    const g = COVERAGE[(w.coverageCursor + i) % COVERAGE.length]!;
    const draft = g.gen(ctx);
    if (draft) {
      w.coverageCursor += i + 1;
      return { key: g.key, draft };
    }
  }
  return undefined;
}

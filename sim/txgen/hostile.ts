// Hostile mutations of valid drafts, and the single-rule violations `rule_violation` picks from.
import type { Draft, GenContext } from './types.js';

/** How a valid draft is made hostile. Each is a rejection the indexer must record, never a crash. */
export const HOSTILE: Record<string, (d: Draft, ctx: GenContext) => Draft> = {
  unknown_user: (d, { rng }) => ({ ...d, userId: 2_900_000 - rng.int(1, 1000) }),
  wrong_signer: (d, { world }) => ({ ...d, signer: world.newWallet() }),
  missing_entity: (d, { rng }) => ({ ...d, entityId: 1_000_000_000 + rng.int(0, 1000) }),
  malformed_json: (d) => ({ ...d, metadata: '{"cid":"bafy","data":{"title":"unterminated' }),
  wrong_json_types: (d) => ({
    ...d,
    metadata: { owner_id: 'not-a-number', title: 42, handle: ['x'], body: { a: 1 }, name: true },
  }),
  non_integer_id: (d, { rng }) => ({
    ...d,
    userId: rng.pick(['abc', '1.5', '', '0x10', '-']),
    entityId: rng.pick(['NaN', '1e9', ' 7']),
  }),
  oversized_string: (d, { rng }) => ({
    ...d,
    metadata: {
      ...(typeof d.metadata === 'object' ? d.metadata : {}),
      name: 'n'.repeat(rng.int(40, 5000)),
      bio: 'b'.repeat(rng.int(300, 20_000)),
      body: 'c'.repeat(600),
    },
  }),
  sql_metacharacters: (d) => ({
    ...d,
    metadata: {
      ...(typeof d.metadata === 'object' ? d.metadata : {}),
      name: "Robert'); DROP TABLE users; --",
      handle: "x' OR '1'='1",
      title: '$$; SELECT pg_sleep(10); $$',
    },
  }),
  nul_byte: (d) => ({
    ...d,
    metadata: { ...(typeof d.metadata === 'object' ? d.metadata : {}), name: 'nul\u0000byte' },
  }),
  int4_overflow: (d, { rng }) => ({
    ...d,
    entityId: String(2_147_483_648 + rng.int(0, 1e6)),
    userId: rng.chance(0.5) ? '9223372036854775808' : d.userId,
  }),
  unknown_pair: (d, { rng }) => ({
    ...d,
    entityType: rng.pick(['Spaceship', 'User', 'Track']),
    action: rng.pick(['Launch', 'Teleport', 'Frobnicate']),
  }),
  duplicate_entity: (d, { world, rng }) => {
    const u = world.users.length > 0 ? world.users[rng.int(0, world.users.length - 1)]! : undefined;
    return u
      ? {
          ...d,
          entityType: 'User',
          action: 'Create',
          userId: u.id,
          entityId: u.id,
          signer: u.wallet,
          metadata: { handle: u.handle },
        }
      : d;
  },
};

/**
 * Txs that break exactly one validation rule of a handler, so every rejection reason is reachable by a
 * seed (coverage marks). Each reads the world; none changes it.
 */
const RULE_VIOLATIONS: readonly ((ctx: GenContext) => Draft | undefined)[] = [
  ({ world, rng }) => {
    const u = world.user(rng);
    return u && { entityType: 'User', action: 'Follow', userId: u.id, entityId: u.id, signer: u.wallet };
  },
  ({ world }) => {
    const k = [...world.follows][0];
    const [a, b] = (k ?? '').split(':').map(Number);
    const u = a ? world.userById(a) : undefined;
    return (
      u && ({ entityType: 'User', action: 'Follow', userId: u.id, entityId: b!, signer: u.wallet } as Draft)
    );
  },
  ({ world, rng }) => {
    const u = world.user(rng);
    return (
      u && {
        entityType: 'User',
        action: rng.pick(['Unsubscribe', 'Unmute', 'Unsave']),
        userId: u.id,
        entityId: 3_999_000,
        signer: u.wallet,
      }
    );
  },
  ({ world, rng }) => {
    const id = 3_990_000 + rng.int(0, 9_999);
    const taken = world.user(rng);
    const kind = rng.int(0, 3);
    const handle =
      kind === 0 ? 'admin' : kind === 1 ? (taken?.handle ?? 'x') : kind === 2 ? 'h'.repeat(31) : `ok${id}`;
    const signer =
      kind === 3 && taken
        ? taken.wallet
        : kind === 3 && world.apps[0]
          ? world.apps[0].address
          : world.newWallet();
    return { entityType: 'User', action: 'Create', userId: id, entityId: id, signer, metadata: { handle } };
  },
  ({ world, rng }) => {
    const u = world.user(rng);
    if (!u) return undefined;
    const usdc = { usdc_purchase: { price: 100, splits: [{ user_id: u.id, percentage: 100 }] } };
    const variants: Record<string, unknown>[] = [
      { genre: 'Polka Metal' },
      { owner_id: u.id + 1 },
      { stem_of: { parent_track_id: 2_000_000 }, is_download_gated: true, download_conditions: usdc },
      { is_stream_gated: true, stream_conditions: { usdc_purchase: { price: 1, splits: [] } } },
      { is_stream_gated: true, stream_conditions: usdc },
      {
        is_stream_gated: true,
        stream_conditions: usdc,
        is_download_gated: true,
        download_conditions: { follow_user_id: u.id },
      },
      { is_stream_gated: true, stream_conditions: { a: 1, b: 2 }, is_download_gated: true },
      { is_download_gated: true, download_conditions: { a: 1, b: 2 } },
    ];
    const id = rng.chance(0.1) ? 1_999_999 : world.nextTrackId + 1_000_000 + rng.int(0, 9999);
    return {
      entityType: 'Track',
      action: 'Create',
      userId: u.id,
      entityId: id,
      signer: u.wallet,
      metadata: { owner_id: u.id, title: 'probe', ...rng.pick(variants) },
    };
  },
  ({ world, rng }) => {
    const u = world.user(rng);
    const v = rng.int(0, 4);
    if (!u) return undefined;
    if (v === 0)
      return {
        entityType: 'Playlist',
        action: 'Create',
        userId: u.id,
        entityId: 399_999,
        signer: u.wallet,
        metadata: { playlist_name: 'low' },
      };
    if (v === 1)
      return {
        entityType: 'Playlist',
        action: 'Update',
        userId: u.id,
        entityId: 499_999,
        signer: u.wallet,
        metadata: { playlist_name: 'gone' },
      };
    if (v === 2)
      return {
        entityType: 'User',
        action: 'Verify',
        userId: u.id,
        entityId: u.id,
        signer: u.wallet,
        metadata: { is_verified: true },
      };
    if (v === 3)
      return { entityType: 'Comment', action: 'Save', userId: u.id, entityId: 123, signer: u.wallet };
    const other = world.tracks.find((t) => t.owner !== u.id && !t.deleted);
    return (
      other && {
        entityType: 'User',
        action: 'Update',
        userId: u.id,
        entityId: u.id,
        signer: u.wallet,
        metadata: { artist_pick_track_id: other.id },
      }
    );
  },
];

HOSTILE.rule_violation = (d, ctx) => ctx.rng.pick(RULE_VIOLATIONS)(ctx) ?? d;

export const HOSTILE_KINDS = Object.keys(HOSTILE);

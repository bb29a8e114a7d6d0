// The genesis-migration path (manage_entity_migration txs) for users: migration_test.go and
// migration_state_test.go. The other entities' migration cases sit in their own files (comment, grant,
// developer-app, event, wallet).
import { type ParityCase, parityCases } from './support.js';
import { migrated, T, tx, U, user } from './support-accounts.js';

const legacy = (id: number, metadata: Record<string, unknown>) =>
  migrated({ user: id, type: 'User', id, action: 'Create', metadata });
const row = (id: number) => ({ user_id: id, is_current: true });

const cases: ParityCase[] = [
  {
    name: 'a legacy user (below the offset, reserved handle, over-long name and bio) is replayed',
    from: 'go:migration_test.go TestMigratedUserCreate_AcceptsLegacyRow',
    block: legacy(999, { handle: 'admin', name: 'x'.repeat(33), bio: 'y'.repeat(257) }),
    outcomes: ['applied'],
    rows: [{ table: 'users', where: row(999), equals: { handle: 'admin', name: 'x'.repeat(33) } }],
  },
  {
    name: 'the same row as a live tx is still rejected',
    from: 'go:migration_test.go TestProductionUserCreate_StillRejectsLegacyRow',
    block: {
      user: 999,
      type: 'User',
      id: 999,
      action: 'Create',
      metadata: { handle: 'admin', name: 'Alice', bio: 'hello' },
    },
    outcomes: ['user_id_below_offset'],
  },
  {
    name: 'a verified user replays verified',
    from: 'go:migration_test.go TestMigratedUserCreate_PipesAccountState/verified',
    block: legacy(999, { handle: 'a', is_verified: true, is_deactivated: false, is_available: true }),
    outcomes: ['applied'],
    rows: [
      {
        table: 'users',
        where: row(999),
        equals: { is_verified: true, is_deactivated: false, is_available: true },
      },
    ],
  },
  {
    name: 'a deactivated user replays deactivated',
    from: 'go:migration_test.go TestMigratedUserCreate_PipesAccountState/deactivated',
    block: legacy(999, { handle: 'b', is_verified: false, is_deactivated: true, is_available: true }),
    outcomes: ['applied'],
    rows: [
      {
        table: 'users',
        where: row(999),
        equals: { is_verified: false, is_deactivated: true, is_available: true },
      },
    ],
  },
  {
    name: 'an unavailable user replays unavailable',
    from: 'go:migration_test.go TestMigratedUserCreate_PipesAccountState/unavailable',
    block: legacy(999, { handle: 'c', is_verified: false, is_deactivated: false, is_available: false }),
    outcomes: ['applied'],
    rows: [{ table: 'users', where: row(999), equals: { is_available: false } }],
  },
  {
    name: 'absent flags fall back to new-account defaults',
    from: 'go:migration_test.go TestMigratedUserCreate_PipesAccountState/absent',
    block: legacy(999, { handle: 'd' }),
    outcomes: ['applied'],
    rows: [
      {
        table: 'users',
        where: row(999),
        equals: { is_verified: false, is_deactivated: false, is_available: true },
      },
    ],
  },
  {
    name: 'profile settings survive the replay',
    from: 'go:migration_state_test.go TestMigratedUserCreate_PipesProfileSettings/all set',
    block: legacy(999, {
      handle: 'a',
      spl_usdc_payout_wallet: 'So11111111111111111111111111111111111111112',
      profile_type: 'label',
      coin_flair_mint: 'MintAddr1111111111111111111111111111111111',
    }),
    outcomes: ['applied'],
    rows: [
      {
        table: 'users',
        where: row(999),
        equals: {
          spl_usdc_payout_wallet: 'So11111111111111111111111111111111111111112',
          profile_type: 'label',
          coin_flair_mint: 'MintAddr1111111111111111111111111111111111',
        },
      },
    ],
  },
  {
    name: 'absent profile settings insert NULL',
    from: 'go:migration_state_test.go TestMigratedUserCreate_PipesProfileSettings/absent',
    block: legacy(999, { handle: 'b' }),
    outcomes: ['applied'],
    rows: [
      {
        table: 'users',
        where: row(999),
        equals: { spl_usdc_payout_wallet: null, profile_type: null, coin_flair_mint: null },
      },
    ],
  },
  {
    name: 'empty-string profile settings insert NULL',
    from: 'go:migration_state_test.go TestMigratedUserCreate_PipesProfileSettings/empty strings',
    block: legacy(999, { handle: 'c', spl_usdc_payout_wallet: '', coin_flair_mint: '' }),
    outcomes: ['applied'],
    rows: [
      { table: 'users', where: row(999), equals: { spl_usdc_payout_wallet: null, coin_flair_mint: null } },
    ],
  },
  {
    name: 'an unknown profile type is dropped, not written',
    from: 'go:migration_state_test.go TestMigratedUserCreate_PipesProfileSettings/unknown profile type',
    block: legacy(999, { handle: 'd', profile_type: 'conglomerate' }),
    outcomes: ['applied'],
    rows: [{ table: 'users', where: row(999), equals: { profile_type: null } }],
  },
  {
    name: 'the library, artist pick and AI flag a live client sends only on Update are replayed',
    from: 'go:migration.go migratedUserCreate (playlist_library, artist_pick_track_id, allow_ai_attribution)',
    block: legacy(999, {
      handle: 'e',
      playlist_library: { contents: [{ type: 'playlist', playlist_id: 1 }] },
      artist_pick_track_id: T(5),
      allow_ai_attribution: true,
    }),
    outcomes: ['applied'],
    rows: [
      {
        table: 'users',
        where: row(999),
        equals: {
          playlist_library: { contents: [{ type: 'playlist', playlist_id: 1 }] },
          artist_pick_track_id: T(5),
          allow_ai_attribution: true,
        },
      },
    ],
  },
  {
    name: 'a migrated artist_pick_track_id past int4 is a reasoned rejection',
    from: 'go:migration.go MetadataInt64("artist_pick_track_id") (issue 18: ids inside metadata past int4)',
    block: legacy(999, { handle: 'f', artist_pick_track_id: 2 ** 32 }),
    outcomes: ['metadata_id_invalid'],
  },
  {
    name: 'a user replayed twice lands once (idempotency)',
    from: 'go:migration.go migratedUserCreate (userExists)',
    setup: [legacy(999, { handle: 'g' })],
    block: legacy(999, { handle: 'g' }),
    outcomes: ['user_exists'],
  },
  {
    name: 'duplicate legacy handles both replay (uniqueness is not re-adjudicated)',
    from: 'go:migration.go (wallet/handle uniqueness not enforced on replay)',
    setup: [user(1, { handle: 'dup' })],
    block: legacy(998, { handle: 'dup' }),
    outcomes: ['applied'],
    rows: [{ table: 'users', where: { handle_lc: 'dup', is_current: true }, count: 2 }],
  },
  {
    name: 'a User/Update is the production handler on the migration path too',
    from: 'go:migration_test.go TestRegisterMigrationOverrides_ReplacesOnlyIntendedHandlers',
    setup: [user(1)],
    block: migrated(tx(1, 'User', U(1), 'Update', { name: 'n'.repeat(33) })),
    outcomes: ['name_too_long'],
  },
];

parityCases('migration', cases);

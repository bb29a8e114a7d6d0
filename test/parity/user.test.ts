// User/Create, User/Update, User/Verify, translated from the Go ETL's user_*_test.go (and user.py where they
// are silent). Seeded users become User/Create setup blocks signed by their own wallets.
import { type ParityCase, parityCases } from './support.js';
import { T, track, tx, U, user, W } from './support-accounts.js';

const VERIFIER = '0xbeef8e42e8b5964fdd2b7ca8efa0d9aef38aa996';
const current = (n: number) => ({ user_id: U(n), is_current: true });

const cases: ParityCase[] = [
  // --- User/Create ---
  {
    name: 'Create stores the handle, name and bio',
    from: 'go:user_create_test.go TestUserCreate_Success',
    block: user(1, { handle: 'alice', name: 'Alice', bio: 'hello world' }),
    outcomes: ['applied'],
    rows: [
      {
        table: 'users',
        where: current(1),
        equals: { handle: 'alice', handle_lc: 'alice', name: 'Alice', bio: 'hello world', wallet: W(1) },
      },
    ],
  },
  {
    name: 'Create rejects an existing user',
    from: 'go:user_create_test.go TestUserCreate_RejectsExistingUser',
    setup: [user(1, { handle: 'existing' })],
    block: { ...user(1, { handle: 'newhandle' }), signer: '0x00000000000000000000000000000000000fe999' },
    outcomes: ['user_exists'],
  },
  {
    name: 'Create rejects a wallet already used by another user (case-insensitive signer)',
    from: 'go:user_create_test.go TestUserCreate_RejectsDuplicateWallet',
    setup: [user(1, { handle: 'existinguser' })],
    block: { ...user(2, { handle: 'newuser' }), signer: W(1).toUpperCase().replace('0X', '0x') },
    outcomes: ['wallet_taken'],
  },
  {
    name: 'Create rejects a handle taken in another case',
    from: 'go:user_create_test.go TestUserCreate_RejectsDuplicateHandle',
    setup: [user(1, { handle: 'alice' })],
    block: user(2, { handle: 'Alice' }),
    outcomes: ['handle_taken'],
  },
  {
    name: 'Create with no metadata stores the lower-cased signer as wallet',
    from: 'go:user_create_test.go TestUserCreate_NoMetadata',
    block: {
      user: U(1),
      type: 'User',
      id: U(1),
      action: 'Create',
      signer: '0x00000000000000000000000000000000000ABCDE',
    },
    outcomes: ['applied'],
    rows: [
      {
        table: 'users',
        where: current(1),
        equals: { wallet: '0x00000000000000000000000000000000000abcde', handle: null },
      },
    ],
  },
  {
    name: 'Create rejects a user id below the offset',
    from: 'go:user_create_test.go TestUserCreate_StatelessValidation/user_id below offset',
    block: { user: 999, type: 'User', id: 999, action: 'Create', metadata: { handle: 'alice' } },
    outcomes: ['user_id_below_offset'],
  },
  {
    name: 'Create rejects a bio over 256 characters',
    from: 'go:user_create_test.go TestUserCreate_StatelessValidation/bio too long',
    block: user(1, { bio: 'x'.repeat(257) }),
    outcomes: ['bio_too_long'],
  },
  {
    name: 'Create rejects a name over 32 characters',
    from: 'go:user_create_test.go TestUserCreate_StatelessValidation/name too long',
    block: user(1, { name: 'x'.repeat(33) }),
    outcomes: ['name_too_long'],
  },
  {
    name: 'Create rejects a handle over 30 characters',
    from: 'go:user_create_test.go TestUserCreate_StatelessValidation/handle too long',
    block: user(1, { handle: 'a'.repeat(31) }),
    outcomes: ['handle_too_long'],
  },
  {
    name: 'Create rejects a handle with illegal characters',
    from: 'go:user_create_test.go TestUserCreate_StatelessValidation/handle illegal characters',
    block: user(1, { handle: 'alice@#$' }),
    outcomes: ['handle_invalid'],
  },
  {
    name: 'Create rejects a reserved handle',
    from: 'go:user_create_test.go TestUserCreate_StatelessValidation/handle reserved word',
    block: user(1, { handle: 'admin' }),
    outcomes: ['handle_reserved'],
  },
  {
    name: 'Create leaves absent profile fields NULL',
    from: 'go:user_nullable_test.go TestUserCreate_NullableFieldsStayNull',
    block: { user: U(99), type: 'User', id: U(99), action: 'Create', metadata: { handle: 'nulltest' } },
    outcomes: ['applied'],
    rows: [
      {
        table: 'users',
        where: current(99),
        equals: { name: null, bio: null, location: null, profile_picture: null, cover_photo: null },
      },
    ],
  },
  {
    name: 'Create stores a profile_type the enum declares',
    from: 'go:user_create.go insertUser (profile_type accepted on a live Create)',
    block: user(1, { profile_type: 'label' }),
    outcomes: ['applied'],
    rows: [{ table: 'users', where: current(1), equals: { profile_type: 'label' } }],
  },
  {
    name: 'Create stores NULL for a profile_type outside the enum',
    from: 'go:user_create.go isKnownProfileType',
    block: user(1, { profile_type: 'conglomerate' }),
    outcomes: ['applied'],
    rows: [{ table: 'users', where: current(1), equals: { profile_type: null } }],
  },
  {
    name: 'a live Create cannot self-assign account state (verified, deactivated, unavailable, library, AI flag)',
    from: 'go:migration_test.go TestProductionInsertUser_IgnoresStateMetadata',
    block: user(1, {
      is_verified: true,
      is_deactivated: true,
      is_available: false,
      playlist_library: { contents: [] },
      allow_ai_attribution: true,
    }),
    outcomes: ['applied'],
    rows: [
      {
        table: 'users',
        where: current(1),
        equals: {
          is_verified: false,
          is_deactivated: false,
          is_available: true,
          playlist_library: null,
          allow_ai_attribution: false,
        },
      },
    ],
  },
  {
    name: 'Create keeps the social links and payout wallet it is sent',
    from: 'go:user_create.go insertUserWithState',
    block: user(1, { twitter_handle: 'al', website: 'https://a.example', spl_usdc_payout_wallet: 'So1' }),
    outcomes: ['applied'],
    rows: [
      {
        table: 'users',
        where: current(1),
        equals: { twitter_handle: 'al', website: 'https://a.example', spl_usdc_payout_wallet: 'So1' },
      },
    ],
  },

  // --- User/Update ---
  {
    name: 'Update changes the name',
    from: 'go:user_update_test.go TestUserUpdate_Success_ChangesName',
    setup: [user(1, { handle: 'alice' })],
    block: tx(1, 'User', U(1), 'Update', { name: 'Alice Updated' }),
    outcomes: ['applied'],
    rows: [{ table: 'users', where: current(1), equals: { name: 'Alice Updated', handle: 'alice' } }],
  },
  {
    name: 'Update changes the handle',
    from: 'go:user_update_test.go TestUserUpdate_HandleChange',
    setup: [[user(1, { handle: 'alice' }), user(2, { handle: 'other' })]],
    block: tx(1, 'User', U(1), 'Update', { handle: 'alice2' }),
    outcomes: ['applied'],
    rows: [{ table: 'users', where: current(1), equals: { handle: 'alice2', handle_lc: 'alice2' } }],
  },
  {
    name: 'Update rejects a handle another user holds (any case)',
    from: 'go:user_update_test.go TestUserUpdate_RejectsHandleCollision',
    setup: [[user(1, { handle: 'alice' }), user(2, { handle: 'bob' })]],
    block: tx(1, 'User', U(1), 'Update', { handle: 'Bob' }),
    outcomes: ['handle_taken'],
  },
  {
    name: 'Update rejects a signer that is not the user',
    from: 'go:user_update_test.go TestUserUpdate_RejectsSignerMismatch',
    setup: [user(1, { handle: 'alice' })],
    block: tx(1, 'User', U(1), 'Update', { name: 'Hacked' }, '0x00000000000000000000000000000000000bad00'),
    outcomes: ['signer_not_authorized'],
  },
  {
    name: 'Update rejects a user that does not exist',
    from: 'go:user_update_test.go TestUserUpdate_RejectsUserNotFound',
    block: tx(1, 'User', U(1), 'Update', { name: 'Alice' }),
    outcomes: ['user_not_found'],
  },
  {
    name: 'Update rejects a bio over the limit',
    from: 'go:user_update_test.go TestUserUpdate_StatelessValidation/bio too long',
    setup: [user(1)],
    block: tx(1, 'User', U(1), 'Update', { bio: 'x'.repeat(257) }),
    outcomes: ['bio_too_long'],
  },
  {
    name: 'Update rejects a name over the limit',
    from: 'go:user_update_test.go TestUserUpdate_StatelessValidation/name too long',
    setup: [user(1)],
    block: tx(1, 'User', U(1), 'Update', { name: 'x'.repeat(33) }),
    outcomes: ['name_too_long'],
  },
  {
    name: 'Update rejects a handle with illegal characters',
    from: 'go:user_update_test.go TestUserUpdate_StatelessValidation/handle illegal characters',
    setup: [user(1)],
    block: tx(1, 'User', U(1), 'Update', { handle: 'alice@#$' }),
    outcomes: ['handle_invalid'],
  },
  {
    name: 'Update sets the artist pick to an owned track',
    from: 'go:user_update_test.go TestUserUpdate_ArtistPickTrackId',
    setup: [user(1, { handle: 'alice' }), track(1, 1)],
    block: tx(1, 'User', U(1), 'Update', { artist_pick_track_id: T(1) }),
    outcomes: ['applied'],
    rows: [{ table: 'users', where: current(1), equals: { artist_pick_track_id: T(1) } }],
  },
  {
    name: 'Update rejects an artist pick owned by another user',
    from: 'go:user_update_test.go TestUserUpdate_RejectsArtistPickTrackNotOwned',
    setup: [[user(1, { handle: 'alice' }), user(2, { handle: 'bob' })], track(2, 1)],
    block: tx(1, 'User', U(1), 'Update', { artist_pick_track_id: T(1) }),
    outcomes: ['artist_pick_invalid'],
  },
  {
    name: 'Update rejects an artist_pick_track_id past int4 as a reasoned rejection',
    from: 'go:user_update.go MetadataInt64("artist_pick_track_id") (issue 18: ids inside metadata past int4)',
    setup: [user(1)],
    block: tx(1, 'User', U(1), 'Update', { artist_pick_track_id: 2 ** 31 }),
    outcomes: ['metadata_id_invalid'],
  },
  {
    name: 'Update keeps absent fields NULL',
    from: 'go:user_nullable_test.go TestUserUpdate_PreservesNulls',
    setup: [
      { user: U(100), type: 'User', id: U(100), action: 'Create', metadata: { handle: 'nullpreserve' } },
    ],
    block: tx(100, 'User', U(100), 'Update', { name: 'Updated Name' }),
    outcomes: ['applied'],
    rows: [
      { table: 'users', where: current(100), equals: { name: 'Updated Name', bio: null, location: null } },
    ],
  },
  {
    name: 'Update with an empty handle keeps the stored handle',
    from: 'go:user_update.go mergeNullStr (empty string = no change)',
    setup: [user(1, { handle: 'alice' })],
    block: tx(1, 'User', U(1), 'Update', { handle: '', name: '' }),
    outcomes: ['applied'],
    rows: [
      { table: 'users', where: current(1), equals: { handle: 'alice', handle_lc: 'alice', name: 'U1' } },
    ],
  },
  {
    name: 'Update sets profile_type to a known label',
    from: 'go:user_update.go profile_type',
    setup: [user(1)],
    block: tx(1, 'User', U(1), 'Update', { profile_type: 'label' }),
    outcomes: ['applied'],
    rows: [{ table: 'users', where: current(1), equals: { profile_type: 'label' } }],
  },
  {
    name: 'Update keeps the stored profile_type when sent one outside the enum',
    from: 'go:user_update.go isKnownProfileType',
    setup: [user(1, { profile_type: 'label' })],
    block: tx(1, 'User', U(1), 'Update', { profile_type: 'conglomerate' }),
    outcomes: ['applied'],
    rows: [{ table: 'users', where: current(1), equals: { profile_type: 'label' } }],
  },
  {
    name: 'Update persists is_deactivated and the payout wallet',
    from: 'go:user_update.go is_deactivated, spl_usdc_payout_wallet',
    setup: [user(1)],
    block: tx(1, 'User', U(1), 'Update', {
      is_deactivated: true,
      spl_usdc_payout_wallet: 'So1',
      coin_flair_mint: 'M1',
    }),
    outcomes: ['applied'],
    rows: [
      {
        table: 'users',
        where: current(1),
        equals: { is_deactivated: true, spl_usdc_payout_wallet: 'So1', coin_flair_mint: 'M1' },
      },
    ],
  },
  {
    name: 'Update does not re-validate an unchanged legacy name over the limit',
    from: 'go:user_update.go validateUserUpdate (only if changing)',
    // The legacy row comes from a genesis replay, which predates the limits.
    setup: [{ ...user(1, { name: 'n'.repeat(40) }), migration: true }],
    block: tx(1, 'User', U(1), 'Update', { name: 'n'.repeat(40), bio: 'fine' }),
    outcomes: ['applied'],
    rows: [{ table: 'users', where: current(1), equals: { bio: 'fine' } }],
  },
  {
    name: 'a lone UTF-16 surrogate in playlist_library is stored as U+FFFD, not a failed tx',
    from: 'go:user_update.go MetadataJSON("playlist_library") (encoding/json decodes a lone surrogate as U+FFFD)',
    setup: [user(1)],
    block: tx(1, 'User', U(1), 'Update', '{"cid":"x","data":{"playlist_library":{"contents":["\\ud800"]}}}'),
    outcomes: ['applied'],
    rows: [{ table: 'users', where: current(1), equals: { playlist_library: { contents: ['\ufffd'] } } }],
  },

  // --- User/Verify ---
  {
    name: 'Verify by the verifier sets is_verified and the twitter handle',
    from: 'go:user_verify_test.go TestUserVerify_Success',
    setup: [user(1, { handle: 'alice' })],
    block: tx(1, 'User', U(1), 'Verify', { is_verified: true, twitter_handle: 'alice_twitter' }, VERIFIER),
    outcomes: ['applied'],
    rows: [
      {
        table: 'users',
        where: current(1),
        equals: { is_verified: true, twitter_handle: 'alice_twitter', verified_with_twitter: true },
      },
    ],
  },
  {
    name: 'Verify rejects a user that does not exist',
    from: 'go:user_verify_test.go TestUserVerify_RejectsUserNotFound',
    block: tx(1, 'User', U(1), 'Verify', { is_verified: true }, VERIFIER),
    outcomes: ['user_not_found'],
  },
  {
    name: 'Verify rejects any signer but the verifier (the user itself included)',
    from: 'go:user_verify_test.go TestUserVerify_RejectsWrongSignerWhenConfigured',
    setup: [user(1, { handle: 'alice' })],
    block: tx(1, 'User', U(1), 'Verify', { is_verified: true }),
    outcomes: ['not_verifier'],
  },
  {
    name: 'Verify stores the instagram and tiktok handles',
    from: 'go:user_verify_test.go TestUserVerify_Metadata',
    setup: [user(1, { handle: 'alice' })],
    block: tx(
      1,
      'User',
      U(1),
      'Verify',
      { is_verified: true, instagram_handle: 'alice_insta', tiktok_handle: 'alice_tiktok' },
      VERIFIER,
    ),
    outcomes: ['applied'],
    rows: [
      {
        table: 'users',
        where: current(1),
        equals: { instagram_handle: 'alice_insta', tiktok_handle: 'alice_tiktok', is_verified: true },
      },
    ],
  },
  {
    name: 'Verify never takes is_verified back',
    from: 'py:entities/user.py verify_user (is_verified = is_verified or metadata)',
    setup: [user(1), tx(1, 'User', U(1), 'Verify', { is_verified: true }, VERIFIER)],
    block: tx(1, 'User', U(1), 'Verify', { is_verified: false }, VERIFIER),
    outcomes: ['applied'],
    rows: [{ table: 'users', where: current(1), equals: { is_verified: true } }],
  },

  // --- the dispatcher pins the entity type (the handlers hold no entity-type check of their own) ---
  {
    name: 'a Create with entity_type Track is never routed to the User handler',
    from: 'go:user_create_test.go TestUserCreate_StatelessValidation/wrong entity type',
    block: { user: U(1), type: 'Track', id: U(1), action: 'Create', metadata: { handle: 'alice' } },
    // It reaches Track/Create, which wants a title; no users row is written.
    outcomes: ['title_required'],
    rows: [{ table: 'users', where: { user_id: U(1) }, count: 0 }],
  },
  {
    name: 'Verify under another entity type is unrouted, not a user verification',
    from: 'go:user_verify_test.go TestUserVerify_StatelessValidation/wrong entity type',
    setup: [user(1)],
    block: tx(1, 'Track', U(1), 'Verify', { is_verified: true }, VERIFIER),
    outcomes: ['unrouted'],
  },
  {
    name: 'User with an unknown action is unrouted (the wrong-action checks are the dispatch table)',
    from: 'go:user_update_test.go TestUserUpdate_StatelessValidation/wrong action',
    setup: [user(1)],
    block: tx(1, 'User', U(1), 'Frobnicate', { name: 'x' }),
    outcomes: ['unrouted'],
  },
];

parityCases('user', cases);

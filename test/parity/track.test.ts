// Track handlers (Create/Update/Delete/Download/Mute/Unmute), translated from the Go ETL's tests.

import { type ParityCase, parityCases, userCreate, walletOf } from './support.js';
import {
  blockTimeAt,
  seedTrack,
  seedUser,
  T,
  trackCreate,
  trackTx,
  U,
  updateGuardCases,
} from './support-content.js';

const G = 'go:track_create_test.go';
const owner = U(1);
const tid = T(42);
const current = (track_id: number) => ({ track_id, is_current: true });

/** TestTrackCreate_StatelessValidation: each rule rejects before anything is written. */
const stateless: ParityCase[] = [
  {
    name: 'an unknown entity type never reaches the Track handler (the registration pins Track)',
    from: `${G} TestTrackCreate_StatelessValidation/wrong entity type`,
    setup: [userCreate(owner)],
    block: { ...trackCreate(owner, T(1)), type: 'Trackk' },
    outcomes: ['unrouted'],
  },
  {
    name: 'a Track tx with an action no handler has is unrouted',
    from: `${G} TestTrackCreate_StatelessValidation/wrong action`,
    setup: [userCreate(owner)],
    block: trackTx(owner, T(1), 'Approve', { owner_id: owner, title: 'T' }),
    outcomes: ['unrouted'],
  },
  {
    name: 'track id below the offset',
    from: `${G} TestTrackCreate_StatelessValidation/track id below offset`,
    setup: [userCreate(owner)],
    block: trackCreate(owner, 100, { genre: 'Electronic' }),
    outcomes: ['track_id_below_offset'],
  },
  {
    name: 'missing metadata',
    from: `${G} TestTrackCreate_StatelessValidation/missing metadata`,
    setup: [userCreate(owner)],
    block: trackTx(owner, T(1), 'Create', ''),
    outcomes: ['metadata_required'],
  },
  {
    name: 'missing owner_id',
    from: `${G} TestTrackCreate_StatelessValidation/missing owner_id`,
    setup: [userCreate(owner)],
    block: trackTx(owner, T(1), 'Create', { title: 'x' }),
    outcomes: ['owner_mismatch'],
  },
  {
    name: 'owner_id differs from the acting user',
    from: `${G} TestTrackCreate_StatelessValidation/owner_id mismatch`,
    setup: [userCreate(owner)],
    block: trackCreate(owner, T(1), { owner_id: 9_999_999 }),
    outcomes: ['owner_mismatch'],
  },
  {
    name: 'description over 2,500 characters',
    from: `${G} TestTrackCreate_StatelessValidation/description too long`,
    setup: [userCreate(owner)],
    block: trackCreate(owner, T(1), { description: 'x'.repeat(2501) }),
    outcomes: ['description_too_long'],
  },
  {
    name: 'a 101-character genre is rejected (outside the allow-list)',
    from: `${G} TestTrackCreate_StatelessValidation/genre too long`,
    setup: [userCreate(owner)],
    block: trackCreate(owner, T(1), { genre: 'x'.repeat(101) }),
    outcomes: ['genre_invalid'],
  },
];

const create: ParityCase[] = [
  {
    name: 'a track is created with its title and a current route',
    from: `${G} TestTrackCreate_Success`,
    setup: [userCreate(owner, { handle: 'trackowner' })],
    block: trackCreate(owner, tid, { title: 'Electronic Dreams', genre: 'Electronic' }),
    outcomes: ['applied'],
    rows: [
      { table: 'tracks', where: current(tid), equals: { title: 'Electronic Dreams', genre: 'Electronic' } },
      { table: 'track_routes', where: current(tid), equals: { slug: 'electronic-dreams', collision_id: 0 } },
    ],
  },
  {
    name: 'no relationship metadata: no remixes, no collaborators',
    from: `${G} TestTrackCreate_SkipsEmptyRelationshipReconciliation/no relationship metadata`,
    setup: [userCreate(owner)],
    block: trackCreate(owner, T(1), { title: 'No Relations' }),
    outcomes: ['applied'],
    rows: [
      { table: 'remixes', where: { child_track_id: T(1) }, count: 0 },
      { table: 'track_collaborators', where: { track_id: T(1) }, count: 0 },
    ],
  },
  {
    name: 'empty remix_of.tracks and collaborators write nothing',
    from: `${G} TestTrackCreate_SkipsEmptyRelationshipReconciliation/empty relationship metadata`,
    setup: [userCreate(owner)],
    block: trackCreate(owner, T(1), {
      title: 'Empty Relations',
      remix_of: { tracks: [] },
      collaborators: [],
    }),
    outcomes: ['applied'],
    rows: [
      { table: 'remixes', where: { child_track_id: T(1) }, count: 0 },
      { table: 'track_collaborators', where: { track_id: T(1) }, count: 0 },
    ],
  },
  {
    name: 'the owner listed as its own collaborator is not recorded',
    from: `${G} TestTrackCreate_SkipsEmptyRelationshipReconciliation/only owner collaborator`,
    setup: [userCreate(owner)],
    block: trackCreate(owner, T(1), { title: 'Owner Only', collaborators: [owner] }),
    outcomes: ['applied'],
    rows: [{ table: 'track_collaborators', where: { track_id: T(1) }, count: 0 }],
  },
  {
    name: 'remix parents and collaborators are recorded',
    from: `${G} TestTrackCreate_SkipsEmptyRelationshipReconciliation/has relationship metadata`,
    setup: [[userCreate(owner), userCreate(U(2))]],
    block: trackCreate(owner, T(1), {
      title: 'Relations',
      remix_of: { tracks: [{ parent_track_id: T(42) }] },
      collaborators: [U(2)],
    }),
    outcomes: ['applied'],
    rows: [
      { table: 'remixes', where: { child_track_id: T(1), parent_track_id: T(42) }, count: 1 },
      { table: 'track_collaborators', where: { track_id: T(1), collaborator_user_id: U(2) }, count: 1 },
    ],
  },
  {
    name: 'bpm, musical_key and audio_upload_id persist',
    from: `${G} TestTrackCreate_PersistsBpmAndKey`,
    setup: [userCreate(owner)],
    block: trackCreate(owner, T(43), {
      title: 'Keyed',
      genre: 'Electronic',
      bpm: 128.5,
      musical_key: 'D flat minor',
      is_custom_bpm: true,
      is_custom_musical_key: true,
      audio_upload_id: 'upload-abc',
    }),
    outcomes: ['applied'],
    rows: [
      {
        table: 'tracks',
        where: current(T(43)),
        equals: {
          bpm: 128.5,
          musical_key: 'D flat minor',
          audio_upload_id: 'upload-abc',
          is_custom_bpm: true,
          is_custom_musical_key: true,
        },
      },
    ],
  },
  {
    name: 'migrated state flags: is_scheduled_release persists',
    from: `${G} TestTrackCreate_PersistsMigratedStateFlags`,
    setup: [userCreate(owner)],
    block: trackCreate(owner, T(45), {
      title: 'Flagged',
      genre: 'Electronic',
      is_scheduled_release: true,
      is_playlist_upload: true,
      is_custom_bpm: true,
      is_custom_musical_key: true,
      comments_disabled: true,
      no_ai_use: true,
      is_available: true,
      is_delete: false,
    }),
    outcomes: ['applied'],
    rows: [
      {
        table: 'tracks',
        where: current(T(45)),
        equals: {
          is_scheduled_release: true,
          is_delete: false,
          is_playlist_upload: true,
          is_custom_bpm: true,
          is_custom_musical_key: true,
          comments_disabled: true,
          no_ai_use: true,
        },
      },
    ],
  },
  {
    name: 'omitted state flags default to false',
    from: `${G} TestTrackCreate_OmittedStateFlagsDefaultFalse`,
    setup: [userCreate(owner)],
    block: trackCreate(owner, T(46), { title: 'Unflagged', genre: 'Electronic', is_available: true }),
    outcomes: ['applied'],
    rows: [
      {
        table: 'tracks',
        where: current(T(46)),
        equals: {
          is_scheduled_release: false,
          is_unlisted: false,
          is_downloadable: false,
          is_available: true,
          is_playlist_upload: false,
          is_custom_bpm: false,
          is_custom_musical_key: false,
          comments_disabled: false,
          no_ai_use: false,
        },
      },
    ],
  },
  {
    name: 'an unrecognised musical key (a sharp) and a zero bpm are stored as NULL',
    from: `${G} TestTrackCreate_RejectsInvalidMusicalKey`,
    setup: [userCreate(owner)],
    block: trackCreate(owner, T(44), {
      title: 'BadKey',
      genre: 'Electronic',
      bpm: 0,
      musical_key: 'C# minor',
    }),
    outcomes: ['applied'],
    rows: [{ table: 'tracks', where: current(T(44)), equals: { bpm: null, musical_key: null } }],
  },
  {
    name: 'a second create of an existing track is rejected',
    from: `${G} TestTrackCreate_RejectsDuplicate`,
    setup: [[userCreate(owner), seedTrack(T(50), owner)]],
    block: trackCreate(owner, T(50), { title: 'Dup', genre: 'Pop' }),
    outcomes: ['track_exists'],
  },
  {
    name: 'a signer that is not the user wallet nor a grantee is rejected',
    from: `${G} TestTrackCreate_RejectsSignerMismatch`,
    setup: [userCreate(owner)],
    block: { ...trackCreate(owner, T(51), { title: 'X', genre: 'Rock' }), signer: '0xwrong' },
    outcomes: ['signer_not_authorized'],
  },
  {
    name: 'DDEX rights metadata on create is stored',
    from: `${G} TestTrackCreate_PersistsDdexRightsMetadata`,
    setup: [userCreate(owner)],
    block: trackCreate(owner, T(91), {
      title: 'Rights',
      genre: 'Electronic',
      artists: [{ name: 'A One', roles: ['MainArtist'] }],
      resource_contributors: [{ name: 'R One', roles: ['Producer'] }],
      indirect_resource_contributors: [{ name: 'I One', roles: ['Composer'] }],
      rights_controller: { name: 'Michael Kumar', roles: ['RightsController'] },
      copyright_line: { text: '2024 Label', year: '2024' },
      producer_copyright_line: { text: '2024 Producer', year: '2024' },
      parental_warning_type: 'Explicit',
      is_original_available: true,
    }),
    outcomes: ['applied'],
    rows: [
      {
        table: 'tracks',
        where: current(T(91)),
        equals: {
          title: 'Rights',
          artists: [{ name: 'A One', roles: ['MainArtist'] }],
          resource_contributors: [{ name: 'R One', roles: ['Producer'] }],
          indirect_resource_contributors: [{ name: 'I One', roles: ['Composer'] }],
          rights_controller: { name: 'Michael Kumar', roles: ['RightsController'] },
          copyright_line: { text: '2024 Label', year: '2024' },
          producer_copyright_line: { text: '2024 Producer', year: '2024' },
          parental_warning_type: 'Explicit',
          is_original_available: true,
        },
      },
    ],
  },
  {
    name: 'DDEX fields on update are read from metadata',
    from: 'go:track_ddex_test.go TestTrackDDEXFieldsReadFromMetadata',
    setup: [userCreate(owner), trackCreate(owner, T(92))],
    block: trackTx(owner, T(92), 'Update', {
      artists: [{ name: 'A' }],
      resource_contributors: [{ name: 'B' }],
      indirect_resource_contributors: [{ name: 'C' }],
      rights_controller: { name: 'D' },
      copyright_line: { text: 'E' },
      producer_copyright_line: { text: 'F' },
      parental_warning_type: 'Explicit',
      is_original_available: true,
    }),
    outcomes: ['applied'],
    rows: [
      {
        table: 'tracks',
        where: current(T(92)),
        equals: {
          title: `T${T(92)}`,
          artists: [{ name: 'A' }],
          resource_contributors: [{ name: 'B' }],
          indirect_resource_contributors: [{ name: 'C' }],
          rights_controller: { name: 'D' },
          copyright_line: { text: 'E' },
          producer_copyright_line: { text: 'F' },
          parental_warning_type: 'Explicit',
          is_original_available: true,
        },
      },
    ],
  },
  {
    name: 'DDEX fields absent from an update leave the row alone',
    from: 'go:track_ddex_test.go TestTrackDDEXFieldsPreservedWhenAbsent',
    setup: [
      userCreate(owner),
      trackCreate(owner, T(93), {
        artists: [{ name: 'kept' }],
        is_original_available: true,
        description: 'd',
      }),
    ],
    block: trackTx(owner, T(93), 'Update', { mood: 'calm' }),
    outcomes: ['applied'],
    rows: [
      {
        table: 'tracks',
        where: current(T(93)),
        equals: { description: 'd', artists: [{ name: 'kept' }], is_original_available: true },
      },
    ],
  },
];

const update: ParityCase[] = [
  {
    name: 'the owner renames a track and sets its genre',
    from: 'go:track_update_test.go TestTrackUpdate_Success',
    setup: [userCreate(owner), trackCreate(owner, T(60), { title: 'Old Title' })],
    block: trackTx(owner, T(60), 'Update', { title: 'New Title', genre: 'Jazz' }),
    outcomes: ['applied'],
    rows: [{ table: 'tracks', where: current(T(60)), equals: { title: 'New Title', genre: 'Jazz' } }],
  },
  {
    name: 'updating a track that does not exist',
    from: 'go:track_update_test.go TestTrackUpdate_NotFound',
    setup: [userCreate(owner)],
    block: trackTx(owner, T(99), 'Update', { title: 'X' }),
    outcomes: ['track_not_found'],
  },
  ...updateGuardCases({
    noun: 'track',
    owner,
    create: trackCreate,
    tx: trackTx,
    ids: [T(61), T(62), T(63)],
    edit: { title: 'Hack' },
    deletedName: 'a deleted track is not edited',
    from: {
      owner: 'go:track_update_test.go TestTrackUpdate_OwnerMismatch',
      deleted: 'go:track_row.go loadCurrentTrackRow (is_delete = false) via track_update.go',
      metadata: 'py:entities/track.py validate_track_tx ("Metadata is required for … creation and update")',
    },
  }),
  {
    name: 'an explicit null CID does not wipe it; an explicit null description clears it',
    from: 'go:track_row.go mergeTrackFromMetadata (mergeCidPtr / mergeStrPtr, #410)',
    setup: [userCreate(owner), trackCreate(owner, T(64), { track_cid: 'bafyA', description: 'old' })],
    block: trackTx(owner, T(64), 'Update', { track_cid: null, orig_file_cid: '', description: null }),
    outcomes: ['applied'],
    rows: [{ table: 'tracks', where: current(T(64)), equals: { track_cid: 'bafyA', description: null } }],
  },
  {
    name: 'musical_key on update: an invalid key is ignored, a valid one sets',
    from: 'go:track_row.go mergeTrackFromMetadata (musical_key mirrors track.py)',
    setup: [
      userCreate(owner),
      trackCreate(owner, T(65), { musical_key: 'A minor', bpm: 90 }),
      trackTx(owner, T(65), 'Update', { musical_key: 'H major' }),
    ],
    block: trackTx(owner, T(65), 'Update', { musical_key: 'E flat major', bpm: 0 }),
    outcomes: ['applied'],
    rows: [{ table: 'tracks', where: current(T(65)), equals: { musical_key: 'E flat major', bpm: 90 } }],
  },
  {
    name: 'musical_key and bpm: an explicit null clears them',
    from: 'go:track_row.go mergeTrackFromMetadata (explicit null clears bpm and musical_key)',
    setup: [userCreate(owner), trackCreate(owner, T(66), { musical_key: 'A minor', bpm: 90 })],
    block: trackTx(owner, T(66), 'Update', { musical_key: null, bpm: null }),
    outcomes: ['applied'],
    rows: [{ table: 'tracks', where: current(T(66)), equals: { musical_key: null, bpm: null } }],
  },
  {
    name: 'owner_id in update metadata is ignored; the title still changes',
    from: 'go:immutable_fields_test.go TestTrackUpdate_IgnoresImmutableMetadataKeys',
    setup: [[userCreate(U(700)), userCreate(U(701))], trackCreate(U(700), T(9500), { title: 'Original' })],
    block: trackTx(U(700), T(9500), 'Update', { title: 'New Title', owner_id: U(701) }),
    outcomes: ['applied'],
    rows: [{ table: 'tracks', where: current(T(9500)), equals: { owner_id: U(700), title: 'New Title' } }],
  },
  {
    name: 'created_at, is_current and track_id in update metadata are ignored',
    from: 'go:immutable_fields_test.go TestStripImmutableFields_RemovesKeys',
    setup: [userCreate(owner), trackCreate(owner, T(67))],
    block: trackTx(owner, T(67), 'Update', {
      title: 'ok',
      created_at: 'should-be-stripped',
      is_current: false,
      track_id: 12345,
    }),
    outcomes: ['applied'],
    rows: [
      { table: 'tracks', where: current(T(67)), equals: { title: 'ok', created_at: blockTimeAt(2) } },
      { table: 'tracks', where: { track_id: 12345 }, count: 0 },
    ],
  },
  {
    name: 'a remix parent id past int4 is a reasoned rejection, not a database error',
    from: 'go:track_remixes.go getRemixParentTrackIDs (issue 18: ids past int4 reached PostgreSQL)',
    setup: [userCreate(owner)],
    block: trackCreate(owner, T(68), { remix_of: { tracks: [{ parent_track_id: 2_147_483_648 }] } }),
    outcomes: ['metadata_id_invalid'],
  },
];

const remixes: ParityCase[] = [
  ...(
    [
      ['single parent', [{ parent_track_id: T(123) }], [T(123)]],
      ['multiple parents', [{ parent_track_id: T(1) }, { parent_track_id: T(2) }], [T(1), T(2)]],
      [
        'remix_of with non-int parent_track_id is skipped',
        [{ parent_track_id: 'abc' }, { parent_track_id: T(3) }],
        [T(3)],
      ],
    ] as const
  ).map(
    ([sub, tracks, parents]): ParityCase => ({
      name: `remix parents: ${sub}`,
      from: `go:track_remixes_test.go TestGetRemixParentTrackIDs/${sub}`,
      setup: [userCreate(owner)],
      block: trackCreate(owner, T(300), { remix_of: { tracks } }),
      outcomes: ['applied'],
      rows: [
        { table: 'remixes', where: { child_track_id: T(300) }, count: parents.length },
        ...parents.map((parent) => ({
          table: 'remixes' as const,
          where: { child_track_id: T(300), parent_track_id: parent },
          count: 1,
        })),
      ],
    }),
  ),
  ...(
    [
      ['missing remix_of', {}],
      ['remix_of without tracks', { remix_of: {} }],
    ] as const
  ).map(
    ([sub, meta]): ParityCase => ({
      name: `remix parents: ${sub}`,
      from: `go:track_remixes_test.go TestGetRemixParentTrackIDs/${sub}`,
      setup: [userCreate(owner)],
      block: trackCreate(owner, T(300), { title: 'foo', ...meta }),
      outcomes: ['applied'],
      rows: [{ table: 'remixes', where: { child_track_id: T(300) }, count: 0 }],
    }),
  ),
  {
    name: 'a remix of two seeded tracks writes two remixes rows',
    from: 'go:track_remixes_test.go TestTrackCreate_PopulatesRemixesTable',
    setup: [
      [userCreate(U(110)), seedTrack(T(300), U(110), 'Original A'), seedTrack(T(301), U(110), 'Original B')],
    ],
    block: trackCreate(U(110), T(302), {
      title: 'Remix Master',
      genre: 'Electronic',
      remix_of: { tracks: [{ parent_track_id: T(300) }, { parent_track_id: T(301) }] },
    }),
    outcomes: ['applied'],
    rows: [{ table: 'remixes', where: { child_track_id: T(302) }, count: 2 }],
  },
  {
    name: 'an update with remix_of replaces the remix links',
    from: 'go:track_remixes_test.go TestTrackUpdate_RefreshesRemixes',
    setup: [
      [userCreate(U(140)), seedTrack(T(600), U(140), 'Original X'), seedTrack(T(601), U(140), 'Original Y')],
      [trackCreate(U(140), T(602), { title: 'My Remix' })],
      [{ insert: 'remixes', values: { parent_track_id: T(600), child_track_id: T(602) } }],
    ],
    block: trackTx(U(140), T(602), 'Update', { remix_of: { tracks: [{ parent_track_id: T(601) }] } }),
    outcomes: ['applied'],
    rows: [
      { table: 'remixes', where: { parent_track_id: T(600), child_track_id: T(602) }, count: 0 },
      { table: 'remixes', where: { parent_track_id: T(601), child_track_id: T(602) }, count: 1 },
    ],
  },
];

const RT = 'go:track_routes_test.go';
const routes: ParityCase[] = [
  ...(
    [
      ['My Awesome Track!', 'Alice', 'alice/my-awesome-track', 'my-awesome-track'],
      ['Bonjour, comment ça va?', 'BoB', 'bob/bonjour-comment-ça-va', 'bonjour-comment-ça-va'],
      ['  spaced   out ', 'carol', 'carol/-spaced-out-', 'spaced-out'],
    ] as const
  ).map(
    ([title, handle, routeId, slug]): ParityCase => ({
      name: `route_id of ${JSON.stringify(title)} by ${handle}`,
      from: `${RT} TestCreateTrackRouteID`,
      setup: [userCreate(U(120), { handle })],
      block: trackCreate(U(120), T(400), { title }),
      outcomes: ['applied'],
      rows: [
        { table: 'tracks', where: current(T(400)), equals: { route_id: routeId } },
        { table: 'track_routes', where: current(T(400)), equals: { slug, title_slug: slug } },
      ],
    }),
  ),
  {
    name: 'route_id is the lower-cased handle and the sanitised title',
    from: `${RT} TestTrackCreate_SetsRouteID`,
    setup: [userCreate(U(120), { handle: 'rayhandle' })],
    block: trackCreate(U(120), T(400), { title: 'Cool Title!', genre: 'Electronic' }),
    outcomes: ['applied'],
    rows: [{ table: 'tracks', where: current(T(400)), equals: { route_id: 'rayhandle/cool-title' } }],
  },
  {
    name: 'a guest user without a handle gets the synthetic user-<id> handle',
    from: `${RT} TestTrackCreate_GuestUserSyntheticHandle`,
    setup: [seedUser(U(130), null)],
    block: trackCreate(U(130), T(500), { title: 'Guest Track', genre: 'Electronic' }),
    outcomes: ['applied'],
    rows: [{ table: 'tracks', where: current(T(500)), equals: { route_id: 'user-3000130/guest-track' } }],
  },
  {
    name: 'a title change rebuilds route_id and the current route',
    from: `${RT} TestTrackUpdate_RebuildsRouteIDOnTitleChange`,
    setup: [
      userCreate(U(150), { handle: 'titler' }),
      trackCreate(U(150), T(700), { title: 'Original Title' }),
    ],
    block: trackTx(U(150), T(700), 'Update', { title: 'Brand New Title' }),
    outcomes: ['applied'],
    rows: [
      { table: 'tracks', where: current(T(700)), equals: { route_id: 'titler/brand-new-title' } },
      { table: 'track_routes', where: current(T(700)), equals: { slug: 'brand-new-title' } },
      {
        table: 'track_routes',
        where: { track_id: T(700), is_current: false },
        equals: { slug: 'original-title' },
      },
    ],
  },
  {
    name: 'two same-title tracks in one block get distinct slugs',
    from: 'go:same_block_routes_test.go TestSameBlock_TrackRouteCollision',
    setup: [userCreate(U(600), { handle: 'sameblock' })],
    block: [
      trackCreate(U(600), T(9000), { title: 'My Song', genre: 'Electronic' }),
      trackCreate(U(600), T(9001), { title: 'My Song', genre: 'Electronic' }),
    ],
    outcomes: ['applied', 'applied'],
    rows: [
      { table: 'track_routes', where: current(T(9000)), equals: { slug: 'my-song', collision_id: 0 } },
      { table: 'track_routes', where: current(T(9001)), equals: { slug: 'my-song-1', collision_id: 1 } },
    ],
  },
  {
    name: 'a title that sanitises to nothing falls back to the track id as its slug',
    from: 'go:slug.go SanitizeSlug (empty → record id)',
    setup: [userCreate(owner)],
    block: trackCreate(owner, T(401), { title: '!!!' }),
    outcomes: ['applied'],
    rows: [{ table: 'track_routes', where: current(T(401)), equals: { slug: String(T(401)) } }],
  },
  {
    name: 'a slug ending in a digit that is already taken gets a collision suffix',
    from: 'go:slug.go GenerateSlugAndCollisionID (utf8LastRuneIsDigit check)',
    setup: [
      userCreate(owner),
      trackCreate(owner, T(402), { title: 'Take' }),
      trackCreate(owner, T(403), { title: 'Take' }),
    ],
    block: trackCreate(owner, T(404), { title: 'take 1' }),
    outcomes: ['applied'],
    rows: [
      { table: 'track_routes', where: current(T(404)), equals: { slug: 'take-1-1', title_slug: 'take-1' } },
    ],
  },
];

const SR = 'go:stem_repro_test.go TestTrackCreate_ReproAndrewLuxStem';
const luxOwner = 8151;
const luxParent = 1_595_511_751;
const luxStem = 61_740_430;
const luxMeta = {
  title: '  Backing Vox 2.wav',
  is_stream_gated: false,
  is_unlisted: false,
  field_visibility: { genre: true, mood: true, tags: true, share: true, play_count: true },
  is_downloadable: true,
  stem_of: { category: 'OTHER', parent_track_id: luxParent },
  owner_id: luxOwner,
  track_cid: 'baeaaaiqsedlsqgtnjuvefdimo54dcl7pllqu3xrl7crjtdkwlp27gjjpoqksw',
  orig_file_cid: 'baeaaaiqseayqdgyxk5neb7uxjmbjwhrfy2lwe7uyu64zdcpkhpz5i4lar67ao',
  orig_filename: '  Backing Vox 2.wav',
  audio_upload_id: 'a194483f5cd05735bcb9463af6d60ee7',
  duration: 179,
  bpm: 121,
  musical_key: 'G flat major',
  audio_analysis_error_count: 0,
};
const luxSetup = [[seedUser(luxOwner, 'andrewluxmusic'), seedTrack(luxParent, luxOwner, 'Alone')]];
const stems: ParityCase[] = [
  {
    name: 'no stem_of: no stems row',
    from: 'go:track_stems_test.go TestUpdateStemsTable_NoOpWithoutStemOf',
    setup: [userCreate(owner)],
    block: trackCreate(owner, T(100), { title: 'foo' }),
    outcomes: ['applied'],
    rows: [{ table: 'stems', where: { child_track_id: T(100) }, count: 0 }],
  },
  {
    name: 'stem_of without parent_track_id: no stems row',
    from: 'go:track_stems_test.go TestUpdateStemsTable_NoOpWithoutParentTrackID',
    setup: [userCreate(owner)],
    block: trackCreate(owner, T(100), { stem_of: {} }),
    outcomes: ['applied'],
    rows: [{ table: 'stems', where: { child_track_id: T(100) }, count: 0 }],
  },
  {
    name: 'a stem writes its stems row',
    from: 'go:track_stems_test.go TestTrackCreate_PopulatesStemsTable',
    setup: [[userCreate(U(100)), seedTrack(T(200), U(100), 'Parent Song')]],
    block: trackCreate(U(100), T(201), {
      title: 'Vocal Stem',
      genre: 'Electronic',
      stem_of: { category: 'vocals', parent_track_id: T(200) },
    }),
    outcomes: ['applied'],
    rows: [{ table: 'stems', where: { parent_track_id: T(200), child_track_id: T(201) }, count: 1 }],
  },
  {
    name: 'deleting a stem removes its stems row',
    from: 'go:track_stems_test.go TestTrackDelete_RemovesStemsForChild',
    setup: [
      [userCreate(U(160)), seedTrack(T(800), U(160), 'Parent')],
      trackCreate(U(160), T(801), { title: 'Stem Child' }),
      [{ insert: 'stems', values: { parent_track_id: T(800), child_track_id: T(801) } }],
    ],
    block: trackTx(U(160), T(801), 'Delete'),
    outcomes: ['applied'],
    rows: [
      { table: 'stems', where: { child_track_id: T(801) }, count: 0 },
      { table: 'tracks', where: current(T(801)), equals: { is_delete: true } },
    ],
  },
  {
    name: 'the production stem payload keeps stem_of, its stems row and orig_filename',
    from: SR,
    setup: luxSetup,
    block: { user: luxOwner, type: 'Track', id: luxStem, action: 'Create', metadata: luxMeta },
    outcomes: ['applied'],
    rows: [
      {
        table: 'tracks',
        where: current(luxStem),
        equals: {
          stem_of: { category: 'OTHER', parent_track_id: luxParent },
          orig_filename: '  Backing Vox 2.wav',
          musical_key: 'G flat major',
          bpm: 121,
          duration: 179,
        },
      },
      { table: 'stems', where: { parent_track_id: luxParent, child_track_id: luxStem }, count: 1 },
    ],
  },
  {
    name: 'an update carrying stem_of: null does not unlink the stem',
    from: `${SR} (update with explicit stem_of null, #421)`,
    setup: [...luxSetup, { user: luxOwner, type: 'Track', id: luxStem, action: 'Create', metadata: luxMeta }],
    block: trackTx(luxOwner, luxStem, 'Update', {
      title: '  Backing Vox 2.wav',
      stem_of: null,
      is_downloadable: true,
    }),
    outcomes: ['applied'],
    rows: [
      {
        table: 'tracks',
        where: current(luxStem),
        equals: { stem_of: { category: 'OTHER', parent_track_id: luxParent } },
      },
      { table: 'stems', where: { child_track_id: luxStem }, count: 1 },
    ],
  },
  {
    name: 'an update carrying a real stem_of restores a lost stems row',
    from: `${SR} (repair update)`,
    setup: [
      [
        ...(luxSetup[0] ?? []),
        seedTrack(luxStem, luxOwner, 'Backing Vox', {
          stem_of: JSON.stringify({ parent_track_id: luxParent }),
        }),
      ],
    ],
    block: trackTx(luxOwner, luxStem, 'Update', {
      stem_of: { category: 'OTHER', parent_track_id: luxParent },
    }),
    outcomes: ['applied'],
    rows: [{ table: 'stems', where: { parent_track_id: luxParent, child_track_id: luxStem }, count: 1 }],
  },
];

const RD = 'go:release_date_test.go TestParseReleaseDate';
const releaseDates: ParityCase[] = [
  ...(
    [
      ['rfc3339 utc', '2026-05-01T00:00:00Z'],
      ['rfc3339 nano', '2026-05-01T00:00:00.000Z'],
      ['timezoneless T separator', '2026-05-01T00:00:00'],
      ['space separated', '2026-05-01 00:00:00'],
      ['date only', '2026-05-01'],
    ] as const
  ).map(
    ([sub, input]): ParityCase => ({
      name: `release_date ${sub}: ${input}`,
      from: `${RD}/${sub}`,
      setup: [userCreate(owner)],
      block: trackCreate(owner, T(750), { release_date: input }),
      outcomes: ['applied'],
      rows: [
        { table: 'tracks', where: current(T(750)), equals: { release_date: '2026-05-01T00:00:00.000Z' } },
      ],
    }),
  ),
  ...(
    [
      ['empty', ''],
      ['garbage', 'not a date'],
    ] as const
  ).map(
    ([sub, input]): ParityCase => ({
      name: `release_date ${sub}: falls back to the block time`,
      from: `${RD}/${sub} (+ release_date.go releaseDateOrDefault)`,
      setup: [userCreate(owner)],
      block: trackCreate(owner, T(750), { release_date: input }),
      outcomes: ['applied'],
      rows: [{ table: 'tracks', where: current(T(750)), equals: { release_date: blockTimeAt(2) } }],
    }),
  ),
  {
    name: 'a timezone-less release date is indexed, not dropped',
    from: 'go:release_date_test.go TestTrackCreate_TimezonelessReleaseDate',
    setup: [userCreate(owner)],
    block: trackCreate(owner, T(751), { title: 'Backdated Live Set', release_date: '2026-05-01T00:00:00' }),
    outcomes: ['applied'],
    rows: [{ table: 'tracks', where: current(T(751)), equals: { release_date: '2026-05-01T00:00:00.000Z' } }],
  },
  {
    name: 'a scheduled release keeps its future release date and the flag',
    from: 'py:entities/track.py (is_scheduled_release with a future release_date)',
    setup: [userCreate(owner)],
    block: trackCreate(owner, T(752), {
      is_scheduled_release: true,
      is_unlisted: true,
      release_date: '2031-01-01T12:00:00Z',
    }),
    outcomes: ['applied'],
    rows: [
      {
        table: 'tracks',
        where: current(T(752)),
        equals: { is_scheduled_release: true, is_unlisted: true, release_date: '2031-01-01T12:00:00.000Z' },
      },
    ],
  },
  {
    name: 'a scheduled release whose date has passed is created public',
    from: 'py:entities/track.py populate_track_record_metadata (scheduled release: is_unlisted = release_date >= now)',
    setup: [userCreate(owner)],
    block: trackCreate(owner, T(754), {
      is_scheduled_release: true,
      is_unlisted: true,
      release_date: '2020-01-01',
    }),
    outcomes: ['applied'],
    rows: [
      { table: 'tracks', where: current(T(754)), equals: { is_unlisted: false, is_scheduled_release: true } },
    ],
  },
  {
    name: 'a scheduled release with a future date is created hidden',
    from: 'py:entities/track.py populate_track_record_metadata (scheduled release on create)',
    setup: [userCreate(owner)],
    block: trackCreate(owner, T(755), {
      is_scheduled_release: true,
      is_unlisted: false,
      release_date: '2031-01-01',
    }),
    outcomes: ['applied'],
    rows: [{ table: 'tracks', where: current(T(755)), equals: { is_unlisted: true } }],
  },
  {
    name: 'a future release date on a public track is ignored by an update',
    from: 'py:entities/track.py populate_track_record_metadata (future date ignored when updating public tracks)',
    setup: [userCreate(owner), trackCreate(owner, T(756), { release_date: '2024-06-01' })],
    block: trackTx(owner, T(756), 'Update', { release_date: '2031-01-01' }),
    outcomes: ['applied'],
    rows: [{ table: 'tracks', where: current(T(756)), equals: { release_date: '2024-06-01T00:00:00.000Z' } }],
  },
  {
    name: 'publishing a scheduled release releases it at the block time',
    from: 'py:entities/track.py populate_track_record_metadata (is_unlisted true → false)',
    setup: [
      userCreate(owner),
      trackCreate(owner, T(757), {
        is_scheduled_release: true,
        is_unlisted: true,
        release_date: '2031-01-01',
      }),
    ],
    block: trackTx(owner, T(757), 'Update', { is_unlisted: false }),
    outcomes: ['applied'],
    rows: [
      {
        table: 'tracks',
        where: current(T(757)),
        equals: { is_unlisted: false, is_scheduled_release: false, release_date: blockTimeAt(3) },
      },
    ],
  },
  {
    name: 'an update with an unparseable release date keeps the old one',
    from: 'go:track_row.go mergeTrackFromMetadata (release_date set only when it parses)',
    setup: [userCreate(owner), trackCreate(owner, T(753), { release_date: '2026-05-01' })],
    block: trackTx(owner, T(753), 'Update', { release_date: 'soon' }),
    outcomes: ['applied'],
    rows: [{ table: 'tracks', where: current(T(753)), equals: { release_date: '2026-05-01T00:00:00.000Z' } }],
  },
];

const GN = 'go:genre_normalize_test.go TestNormalizeGenre';
const genres: ParityCase[] = [
  ...(
    [
      ['hip hop', 'Hip-Hop/Rap'],
      ['  HIP-HOP  ', 'Hip-Hop/Rap'],
      ['rap', 'Hip-Hop/Rap'],
      ['RNB', 'R&B/Soul'],
      ['r and b', 'R&B/Soul'],
      ['DnB', 'Drum & Bass'],
      ['drum and bass', 'Drum & Bass'],
      ['EDM', 'Electronic'],
      ['lo fi', 'Lo-Fi'],
      ['DEEP HOUSE', 'Deep House'],
      ['progressive house', 'Progressive House'],
    ] as const
  ).map(
    ([input, want]): ParityCase => ({
      name: `genre ${JSON.stringify(input)} is stored as ${want}`,
      from: GN,
      setup: [userCreate(owner)],
      block: trackCreate(owner, T(800), { genre: input }),
      outcomes: ['applied'],
      rows: [{ table: 'tracks', where: current(T(800)), equals: { genre: want } }],
    }),
  ),
  {
    name: 'a whitespace-only genre is no genre',
    from: `${GN} ("   " → "")`,
    setup: [userCreate(owner)],
    block: trackCreate(owner, T(801), { genre: '   ' }),
    outcomes: ['applied'],
    rows: [{ table: 'tracks', where: current(T(801)), equals: { genre: null } }],
  },
  {
    name: 'a genre outside the allow-list is rejected',
    from: `${GN} ("polka" → "Polka", title-cased fallback)`,
    setup: [userCreate(owner)],
    block: trackCreate(owner, T(802), { genre: 'polka' }),
    outcomes: ['genre_invalid'],
    difference:
      'unknown genre: the reference title-cases it; we keep the allow-list (docs/parity-content.md)',
  },
];

const gating: ParityCase[] = [
  {
    name: 'a gated stem is rejected',
    from: 'go:validate.go ValidateAccessConditions (stem tracks cannot be gated)',
    setup: [userCreate(owner)],
    block: trackCreate(owner, T(900), {
      stem_of: { parent_track_id: T(1), category: 'bass' },
      is_download_gated: true,
      download_conditions: { follow_user_id: owner },
    }),
    outcomes: ['stem_cannot_be_gated'],
  },
  {
    name: 'a USDC purchase gate without splits is rejected',
    from: 'go:validate.go validateUSDCSplits',
    setup: [userCreate(owner)],
    block: trackCreate(owner, T(900), {
      is_stream_gated: true,
      is_download_gated: true,
      stream_conditions: { usdc_purchase: { price: 100 } },
      download_conditions: { usdc_purchase: { price: 100 } },
    }),
    outcomes: ['usdc_splits_required'],
  },
  {
    name: 'a stream-gated track must also be download-gated',
    from: 'go:validate.go ValidateAccessConditions (stream gated ⇒ download gated)',
    setup: [userCreate(owner)],
    block: trackCreate(owner, T(900), {
      is_stream_gated: true,
      stream_conditions: { follow_user_id: owner },
    }),
    outcomes: ['stream_gated_not_download_gated'],
  },
  {
    name: 'stream and download conditions must be equal',
    from: 'go:validate.go ValidateAccessConditions (jsonEqual)',
    setup: [userCreate(owner)],
    block: trackCreate(owner, T(900), {
      is_stream_gated: true,
      is_download_gated: true,
      stream_conditions: { follow_user_id: owner },
      download_conditions: { tip_user_id: owner },
    }),
    outcomes: ['gating_conditions_differ'],
  },
  {
    name: 'a download-gated track needs exactly one download condition',
    from: 'go:validate.go ValidateAccessConditions (download_conditions exactly one key)',
    setup: [userCreate(owner)],
    block: trackCreate(owner, T(900), { is_download_gated: true, download_conditions: {} }),
    outcomes: ['download_conditions_invalid'],
  },
  {
    name: 'a consistent USDC gate is stored',
    from: 'go:price_history_test.go TestTrackCreate_WritesTrackPriceHistory (gating half)',
    setup: [userCreate(U(500))],
    block: trackCreate(U(500), T(7000), {
      title: 'Premium Track',
      genre: 'Electronic',
      is_stream_gated: true,
      is_download_gated: true,
      stream_conditions: { usdc_purchase: { price: 199, splits: [{ user_id: U(500), percentage: 100 }] } },
      download_conditions: { usdc_purchase: { price: 199, splits: [{ user_id: U(500), percentage: 100 }] } },
    }),
    outcomes: ['applied'],
    rows: [
      {
        table: 'tracks',
        where: current(T(7000)),
        equals: {
          is_stream_gated: true,
          is_download_gated: true,
          stream_conditions: {
            usdc_purchase: { price: 199, splits: [{ user_id: U(500), percentage: 100 }] },
          },
        },
      },
      {
        table: 'track_price_history',
        where: { track_id: T(7000) },
        equals: {
          total_price_cents: 199,
          access: 'stream',
          splits: [{ user_id: U(500), percentage: 100 }],
          blocknumber: 2,
          block_timestamp: blockTimeAt(2),
        },
      },
    ],
  },
  {
    name: 'a free track has no price history',
    from: 'go:price_history_test.go TestTrackCreate_NoPriceHistoryForFreeTrack',
    setup: [userCreate(U(510))],
    block: trackCreate(U(510), T(7100), { title: 'Free Track', genre: 'Electronic' }),
    outcomes: ['applied'],
    rows: [
      {
        table: 'tracks',
        where: current(T(7100)),
        equals: { is_stream_gated: false, stream_conditions: null },
      },
      { table: 'track_price_history', where: { track_id: T(7100) }, count: 0 },
    ],
  },
];

const AA = 'go:access_authorities_root_test.go TestAccessAuthorities_RootWinsOverPayload';
const rootAddr = '0xAAAA000000000000000000000000000000000001';
const payloadAddr = '0xBBBB000000000000000000000000000000000002';
const envelope = (root: Record<string, unknown>, data: Record<string, unknown>) =>
  JSON.stringify({ cid: 'c1', ...root, data: { title: 't', owner_id: U(661), track_cid: 'tc', ...data } });
const access: ParityCase[] = [
  {
    name: 'access_authorities are trimmed; allowed_api_keys are lower-cased',
    from: 'go:access_authorities_test.go TestTrackCreate_AppliesAccessNormalization',
    setup: [userCreate(U(900))],
    block: trackCreate(U(900), T(9900), {
      title: 'Access Track',
      genre: 'Electronic',
      allowed_api_keys: ['UPPER-KEY'],
      access_authorities: ['  0xLOWER  '],
    }),
    outcomes: ['applied'],
    rows: [
      {
        table: 'tracks',
        where: current(T(9900)),
        equals: { access_authorities: ['0xLOWER'], allowed_api_keys: ['upper-key'] },
      },
    ],
  },
  ...(
    [
      [
        'root wins when both are present',
        { access_authorities: [rootAddr] },
        { access_authorities: [payloadAddr] },
        [rootAddr],
      ],
      ['root alone is honoured', { access_authorities: [rootAddr] }, {}, [rootAddr]],
      [
        'payload is still honoured when the root has none',
        {},
        { access_authorities: [payloadAddr] },
        [payloadAddr],
      ],
    ] as const
  ).map(
    ([sub, root, data, want]): ParityCase => ({
      name: `access_authorities: ${sub}`,
      from: `${AA}/${sub}`,
      setup: [userCreate(U(661))],
      block: trackTx(U(661), T(661), 'Create', envelope(root, data)),
      outcomes: ['applied'],
      rows: [{ table: 'tracks', where: current(T(661)), equals: { access_authorities: want } }],
    }),
  ),
  {
    name: 'an explicit null at the root clears access_authorities',
    from: 'go:access_authorities_root_test.go TestAccessAuthorities_ExplicitRootNullClears',
    setup: [userCreate(U(661))],
    block: trackTx(
      U(661),
      T(664),
      'Create',
      envelope(
        { access_authorities: null },
        { access_authorities: ['0xCCCC000000000000000000000000000000000003'] },
      ),
    ),
    outcomes: ['applied'],
    rows: [{ table: 'tracks', where: current(T(664)), equals: { access_authorities: null } }],
  },
];

const lifecycle: ParityCase[] = [
  {
    name: 'the owner deletes a track: is_delete, stem_of cleared, one row',
    from: 'py:entities/track.py delete_track',
    setup: [userCreate(owner), trackCreate(owner, T(10))],
    block: trackTx(owner, T(10), 'Delete'),
    outcomes: ['applied'],
    rows: [
      { table: 'tracks', where: current(T(10)), equals: { is_delete: true, stem_of: null } },
      { table: 'tracks', where: { track_id: T(10) }, count: 1 },
    ],
  },
  {
    name: 'deleting twice: the second is rejected',
    from: 'py:entities/track.py validate_track_tx (delete needs an active track)',
    setup: [userCreate(owner), trackCreate(owner, T(11)), trackTx(owner, T(11), 'Delete')],
    block: trackTx(owner, T(11), 'Delete'),
    outcomes: ['track_not_found'],
  },
  {
    name: "deleting another user's track",
    from: 'py:entities/track.py validate_track_tx (owner)',
    setup: [[userCreate(owner), userCreate(U(2))], trackCreate(U(2), T(12))],
    block: trackTx(owner, T(12), 'Delete'),
    outcomes: ['not_owner'],
  },
  {
    name: 'a download records geo fields; the parent of a stem is its parent track',
    from: 'py:entities/track.py download_track',
    setup: [
      [userCreate(owner), userCreate(U(2))],
      [
        trackCreate(owner, T(13)),
        trackCreate(owner, T(14), { stem_of: { parent_track_id: T(13), category: 'bass' } }),
      ],
    ],
    block: trackTx(U(2), T(14), 'Download', { city: 'Lagos', region: '', country: 'NG' }),
    outcomes: ['applied'],
    rows: [
      {
        table: 'track_downloads',
        where: { track_id: T(14) },
        equals: { parent_track_id: T(13), user_id: U(2), city: 'Lagos', region: null, country: 'NG' },
      },
    ],
  },
  {
    name: 'a replayed download tx (same hash) writes one row',
    from: 'go:track_download_dedupe_test.go TestTrackDownload_DedupesByTxHash',
    setup: [
      [userCreate(U(800)), userCreate(U(801))],
      trackCreate(U(801), T(9700), { title: 'Downloadable' }),
      { ...trackTx(U(800), T(9700), 'Download', {}), hash: 'ab'.repeat(32) },
    ],
    block: { ...trackTx(U(800), T(9700), 'Download', {}), hash: 'ab'.repeat(32) },
    outcomes: ['applied'],
    rows: [{ table: 'track_downloads', where: { track_id: T(9700) }, count: 1 }],
  },
  {
    name: 'a download of a deleted track is recorded (relaxed existence)',
    from: 'go:track_download.go (newest: current row, deleted allowed)',
    setup: [
      [userCreate(owner), userCreate(U(2))],
      trackCreate(owner, T(15)),
      trackTx(owner, T(15), 'Delete'),
    ],
    block: trackTx(U(2), T(15), 'Download'),
    outcomes: ['applied'],
    rows: [{ table: 'track_downloads', where: { track_id: T(15), user_id: U(2) }, count: 1 }],
  },
  {
    name: 'a download of a track that never existed',
    from: 'go:track_download.go (no current row)',
    setup: [userCreate(owner)],
    block: trackTx(owner, T(16), 'Download'),
    outcomes: ['track_not_found'],
  },
  {
    name: 'Track/Mute stores a Track-typed notification mute',
    from: 'go:track_mute.go',
    setup: [userCreate(owner), trackCreate(owner, T(17))],
    block: trackTx(owner, T(17), 'Mute'),
    outcomes: ['applied'],
    rows: [
      {
        table: 'comment_notification_settings',
        where: { user_id: owner, entity_id: T(17) },
        equals: { entity_type: 'Track', is_muted: true },
      },
    ],
  },
  {
    name: 'Track/Unmute flips the same row',
    from: 'go:track_mute.go',
    setup: [userCreate(owner), trackCreate(owner, T(18)), trackTx(owner, T(18), 'Mute')],
    block: trackTx(owner, T(18), 'Unmute'),
    outcomes: ['applied'],
    rows: [
      {
        table: 'comment_notification_settings',
        where: { user_id: owner, entity_id: T(18), entity_type: 'Track' },
        equals: { is_muted: false },
      },
    ],
  },
  {
    name: 'a grantee app may create a track for its user',
    from: 'go:validate.go ValidateSigner (developer app grant)',
    setup: [
      [userCreate(owner), userCreate(U(2))],
      {
        user: U(2),
        type: 'DeveloperApp',
        id: 0,
        action: 'Create',
        metadata: { address: walletOf(U(99)), name: 'app', is_personal_access: false },
      },
      { user: owner, type: 'Grant', id: 0, action: 'Create', metadata: { grantee_address: walletOf(U(99)) } },
    ],
    block: { ...trackCreate(owner, T(19)), signer: walletOf(U(99)) },
    outcomes: ['applied'],
    rows: [{ table: 'tracks', where: current(T(19)), equals: { owner_id: owner } }],
  },
];

const TR = 'go:track_row.go mergeTrackFromMetadata';
const PH = 'go:price_history.go';
const usdc = (owner: number, price: number) => ({
  usdc_purchase: { price, splits: [{ user_id: owner, percentage: 100 }] },
});
const priced = (owner: number, price: number) => ({
  is_stream_gated: true,
  is_download_gated: true,
  stream_conditions: usdc(owner, price),
  download_conditions: usdc(owner, price),
});
/** The production columns (docs/schema.md): create, merge on update, malformed values, price history. */
const production: ParityCase[] = [
  {
    name: 'cover, preview start and AI attribution are stored on create',
    from: 'go:track_create.go insertTrackAndRouteWithState',
    setup: [userCreate(owner), userCreate(U(2))],
    block: trackCreate(owner, T(1100), {
      cover_original_song_title: 'Original',
      cover_original_artist: 'Someone',
      preview_start_seconds: 30.5,
      ai_attribution_user_id: U(2),
      ddex_release_ids: { grid: 'A1-2345', icpn: '0123' },
    }),
    outcomes: ['applied'],
    rows: [
      {
        table: 'tracks',
        where: current(T(1100)),
        equals: {
          cover_original_song_title: 'Original',
          cover_original_artist: 'Someone',
          preview_start_seconds: 30.5,
          ai_attribution_user_id: U(2),
          ddex_release_ids: { grid: 'A1-2345', icpn: '0123' },
        },
      },
    ],
  },
  {
    name: 'absent production fields are NULL on create',
    from: 'go:track_create.go insertTrackAndRouteWithState (absent → NULL)',
    setup: [userCreate(owner)],
    block: trackCreate(owner, T(1101)),
    outcomes: ['applied'],
    rows: [
      {
        table: 'tracks',
        where: current(T(1101)),
        equals: {
          artists: null,
          rights_controller: null,
          ddex_release_ids: null,
          parental_warning_type: null,
          allowed_api_keys: null,
          preview_start_seconds: null,
          ai_attribution_user_id: null,
          cover_original_song_title: null,
          is_original_available: false,
        },
      },
    ],
  },
  {
    name: 'an ai_attribution_user_id past int4 is rejected before any write',
    from: 'go:track_create.go (MetadataInt64 into an integer column: 22003 in the reference)',
    setup: [userCreate(owner)],
    block: trackCreate(owner, T(1102), { ai_attribution_user_id: 2 ** 31 }),
    outcomes: ['metadata_id_invalid'],
  },
  {
    name: 'update: null clears preview_start_seconds, "" clears a cover field, flags set, a null id keeps',
    from: TR,
    setup: [
      userCreate(owner),
      userCreate(U(2)),
      trackCreate(owner, T(1103), {
        preview_start_seconds: 12,
        cover_original_song_title: 'Original',
        cover_original_artist: 'Someone',
        ai_attribution_user_id: U(2),
        is_playlist_upload: true,
      }),
    ],
    block: trackTx(owner, T(1103), 'Update', {
      preview_start_seconds: null,
      cover_original_song_title: '',
      ai_attribution_user_id: null,
      comments_disabled: true,
      no_ai_use: true,
    }),
    outcomes: ['applied'],
    rows: [
      {
        table: 'tracks',
        where: current(T(1103)),
        equals: {
          preview_start_seconds: null,
          cover_original_song_title: null,
          cover_original_artist: 'Someone',
          ai_attribution_user_id: U(2),
          comments_disabled: true,
          no_ai_use: true,
          is_playlist_upload: true,
        },
      },
    ],
  },
  {
    name: 'update: an explicit null clears a DDEX column and ddex_release_ids',
    from: `${TR} (MetadataJSON present → marshalJSONOrNil)`,
    setup: [
      userCreate(owner),
      trackCreate(owner, T(1104), { artists: [{ name: 'A' }], ddex_release_ids: { grid: 'G' } }),
    ],
    block: trackTx(owner, T(1104), 'Update', { artists: null, ddex_release_ids: null }),
    outcomes: ['applied'],
    rows: [{ table: 'tracks', where: current(T(1104)), equals: { artists: null, ddex_release_ids: null } }],
  },
  {
    name: 'malformed DDEX values are dropped on create: a list of non-objects, a string controller',
    from: 'py:entities/track.py populate_track_record_metadata (only lists of dicts / non-empty dicts)',
    setup: [userCreate(owner)],
    block: trackCreate(owner, T(1105), {
      artists: ['not an object'],
      resource_contributors: [],
      rights_controller: 'Label',
      copyright_line: {},
      ddex_release_ids: ['x'],
    }),
    outcomes: ['applied'],
    rows: [
      {
        table: 'tracks',
        where: current(T(1105)),
        equals: {
          artists: null,
          resource_contributors: null,
          rights_controller: null,
          copyright_line: null,
          ddex_release_ids: null,
        },
      },
    ],
  },
  {
    name: 'a malformed DDEX value on update keeps the stored one',
    from: 'py:entities/track.py populate_track_record_metadata (invalid value: attribute untouched)',
    setup: [
      userCreate(owner),
      trackCreate(owner, T(1106), { artists: [{ name: 'kept' }], rights_controller: { name: 'R' } }),
    ],
    block: trackTx(owner, T(1106), 'Update', { artists: 'x', rights_controller: [1] }),
    outcomes: ['applied'],
    rows: [
      {
        table: 'tracks',
        where: current(T(1106)),
        equals: { artists: [{ name: 'kept' }], rights_controller: { name: 'R' } },
      },
    ],
  },
  {
    name: 'a DDEX list over 100 entries is dropped',
    from: 'py:entities/track.py populate_track_record_metadata (a list of dicts)',
    setup: [userCreate(owner)],
    block: trackCreate(owner, T(1107), {
      artists: Array.from({ length: 101 }, (_, i) => ({ name: `a${i}` })),
    }),
    outcomes: ['applied'],
    rows: [{ table: 'tracks', where: current(T(1107)), equals: { artists: null } }],
    difference: 'bounded DDEX lists: the reference stores any list of objects (docs/parity-content.md)',
  },
  {
    name: 'allowed_api_keys: null clears; a value that is not a list clears too',
    from: 'go:access_authorities.go normalizeAllowedAPIKeys',
    setup: [
      userCreate(owner),
      trackCreate(owner, T(1108), { allowed_api_keys: ['KEY-1', 7, 'key-2'] }),
      trackCreate(owner, T(1109), { allowed_api_keys: ['k'] }),
    ],
    block: [
      trackTx(owner, T(1108), 'Update', { allowed_api_keys: null }),
      trackTx(owner, T(1109), 'Update', { allowed_api_keys: 'k' }),
    ],
    outcomes: ['applied', 'applied'],
    rows: [
      { table: 'tracks', where: current(T(1108)), equals: { allowed_api_keys: null } },
      { table: 'tracks', where: current(T(1109)), equals: { allowed_api_keys: null } },
    ],
  },
  {
    name: 'allowed_api_keys keep only strings, lower-cased',
    from: 'go:access_authorities.go normalizeAllowedAPIKeys (non-strings skipped)',
    setup: [userCreate(owner)],
    block: trackCreate(owner, T(1110), { allowed_api_keys: ['KEY-1', 7, 'key-2'] }),
    outcomes: ['applied'],
    rows: [{ table: 'tracks', where: current(T(1110)), equals: { allowed_api_keys: ['key-1', 'key-2'] } }],
  },
  {
    name: 'a price change on update adds a price history row at the block time',
    from: `${PH} updateTrackPriceHistory / py:entities/track.py update_track_price_history`,
    setup: [userCreate(owner), trackCreate(owner, T(1111), priced(owner, 199))],
    block: trackTx(owner, T(1111), 'Update', priced(owner, 299)),
    outcomes: ['applied'],
    rows: [
      { table: 'track_price_history', where: { track_id: T(1111) }, count: 2 },
      {
        table: 'track_price_history',
        where: { track_id: T(1111), total_price_cents: 299 },
        equals: { access: 'stream', blocknumber: 3, block_timestamp: blockTimeAt(3) },
      },
    ],
  },
  {
    name: 'an update with the same price and splits adds no price history row',
    from: `${PH} lastTrackPriceMatches`,
    setup: [userCreate(owner), trackCreate(owner, T(1112), priced(owner, 199))],
    block: trackTx(owner, T(1112), 'Update', { ...priced(owner, 199), title: 'renamed' }),
    outcomes: ['applied'],
    rows: [{ table: 'track_price_history', where: { track_id: T(1112) }, count: 1 }],
  },
  {
    name: 'a download-only USDC gate is priced with access download',
    from: `${PH} pickPriceConditions`,
    setup: [userCreate(owner)],
    block: trackCreate(owner, T(1113), { is_download_gated: true, download_conditions: usdc(owner, 50) }),
    outcomes: ['applied'],
    rows: [
      {
        table: 'track_price_history',
        where: { track_id: T(1113) },
        equals: { access: 'download', total_price_cents: 50 },
      },
    ],
  },
  {
    name: 'a USDC price that is not an integer is rejected',
    from: `${PH} (missing or non-int price) / py:entities/track.py ("Invalid type of … 'price'")`,
    setup: [userCreate(owner)],
    block: trackCreate(owner, T(1114), priced(owner, 1.5)),
    outcomes: ['metadata_value_invalid'],
  },
];

parityCases('track', [
  ...stateless,
  ...create,
  ...update,
  ...remixes,
  ...routes,
  ...stems,
  ...releaseDates,
  ...genres,
  ...gating,
  ...access,
  ...production,
  ...lifecycle,
]);

// User handlers (docs/spec.md#handlers-user). Step order: parse → authorize → validate → write; the
// exceptions are stated at each registration below. Mutes live in muted-user.ts.
import type { Insertable, Kysely, Updateable } from 'kysely';
import { preparedWrite } from '../../db/prepared-write.js';
import type { Database } from '../../db/schema.js';
import type { UsersTable } from '../../db/tables/users-tracks.js';
import { validateSigner } from '../authorize.js';
import { lookup, type Patch, writeThrough } from '../block-view/view.js';
import type { Metadata } from '../metadata.js';
import type { EmParams, Handler, HandlerRegistration } from '../types.js';
import { reject } from '../validation-error.js';
import { validateHandle } from './common/handles.js';
import { jsonbText } from './common/jsonb.js';
import { checkLength, ID_OFFSETS } from './common/limits.js';
import { CURRENT_ROW, orNull } from './common/stamp.js';

/** The hard-coded verifier (User/Verify does not go through ValidateSigner). */
export const VERIFIER_ADDRESS = '0xbeef8e42e8b5964fdd2b7ca8efa0d9aef38aa996';

/** Profile strings a live Create and an Update take from metadata (empty → NULL on Create, keep on Update). */
const PROFILE_STRINGS = [
  'name',
  'bio',
  'location',
  'profile_picture',
  'profile_picture_sizes',
  'cover_photo',
  'cover_photo_sizes',
  'twitter_handle',
  'instagram_handle',
  'tiktok_handle',
  'website',
  'donation',
  'spl_usdc_payout_wallet',
  'coin_flair_mint',
] as const satisfies readonly (keyof UsersTable)[];

type ProfileStrings = { [K in (typeof PROFILE_STRINGS)[number]]: string | null };

/** The labels of production's `profile_type_enum`; anything else is not stored (NULL on Create, kept on Update). */
const PROFILE_TYPES: ReadonlySet<string> = new Set(['label']);

function profileType(m: Metadata): string | undefined {
  const v = m.str('profile_type');
  return PROFILE_TYPES.has(v) ? v : undefined;
}

function profileStrings(m: Metadata): ProfileStrings {
  const out = {} as ProfileStrings;
  for (const k of PROFILE_STRINGS) out[k] = orNull(m.str(k));
  return out;
}

async function currentUser(db: Kysely<Database>, userId: number) {
  return db
    .selectFrom('users')
    .selectAll()
    .where('user_id', '=', userId)
    .where('is_current', '=', true)
    .executeTakeFirst();
}

/**
 * A live Create: new accounts are unverified, active and available whatever the metadata says; the fields a
 * client only ever sends on Update (playlist_library, artist pick, AI attribution) are not read here.
 */
function liveUserRow(p: EmParams, handle: string): Insertable<UsersTable> {
  const m = p.metadata;
  // Named fields first and spreads last: a literal that starts with a spread is built one property at a
  // time (bench/FINDINGS.md, allocation per row).
  return {
    blockhash: p.blockHash,
    blocknumber: p.blockNumber,
    txhash: p.txHash,
    created_at: p.blockTime,
    updated_at: p.blockTime,
    slot: null,
    user_id: p.userId,
    is_current: true,
    handle: orNull(handle),
    handle_lc: handle === '' ? null : handle.toLowerCase(),
    wallet: p.signer,
    metadata_multihash: null,
    creator_node_endpoint: null,
    is_verified: false,
    is_deactivated: false,
    is_available: true,
    is_storage_v2: true,
    playlist_library: null,
    artist_pick_track_id: null,
    allow_ai_attribution: false,
    profile_type: profileType(m) ?? null,
    ...profileStrings(m),
  };
}

/** A genesis replay collapses an account's history into one Create: its final state comes from metadata. */
function migratedUserRow(p: EmParams, handle: string): Insertable<UsersTable> {
  const m = p.metadata;
  const library = m.json('playlist_library');
  return {
    ...liveUserRow(p, handle),
    is_verified: m.boolOr('is_verified', false),
    is_deactivated: m.boolOr('is_deactivated', false),
    is_available: m.boolOr('is_available', true),
    allow_ai_attribution: m.boolOr('allow_ai_attribution', false),
    playlist_library: jsonbText(library),
    artist_pick_track_id: m.id('artist_pick_track_id') ?? null,
  };
}

const createUser: Handler = async ({ db }, p) => {
  // parse
  const m = p.metadata;
  const handle = m.str('handle');
  // validate (stateless); a genesis replay keeps legacy ids, limits and reserved handles (migration.go)
  if (!p.migration) {
    if (p.userId < ID_OFFSETS.user)
      reject('user_id_below_offset', `user id ${p.userId} is below ${ID_OFFSETS.user}`);
    if (m.str('bio') !== '') checkLength('bio', m.str('bio'));
    if (handle !== '') validateHandle(handle);
    if (m.str('name') !== '') checkLength('name', m.str('name'));
  }
  // validate (stateful)
  if (await lookup(db, 'userWallet', String(p.userId)))
    reject('user_exists', `user ${p.userId} already exists`);
  if (!p.migration) {
    const walletTaken = await lookup(db, 'walletOwner', p.signer);
    if (walletTaken)
      reject('wallet_taken', `wallet ${p.signer} already belongs to user ${walletTaken.user_id}`);
    if (await lookup(db, 'liveApp', p.signer))
      reject('signer_is_app', `signer ${p.signer} is a developer app`);
    if (handle !== '') {
      const taken = await lookup(db, 'handleOwner', handle.toLowerCase());
      if (taken) reject('handle_taken', `handle ${handle.toLowerCase()} is taken`);
    }
  }
  // write
  const row = p.migration ? migratedUserRow(p, handle) : liveUserRow(p, handle);
  const id = String(p.userId);
  const patches: Patch[] = [
    { name: 'userWallet', key: id, value: { wallet: p.signer } },
    { name: 'userHandle', key: id, value: { handle: row.handle ?? null } },
    {
      name: 'userProfile',
      key: id,
      value: {
        bio: row.bio ?? null,
        name: row.name ?? null,
        handle_lc: row.handle_lc ?? null,
        artist_pick_track_id: row.artist_pick_track_id ?? null,
      },
    },
    // Another active user may hold the wallet: a deactivated row leaves the answer as it was.
    row.is_deactivated ? { name: 'activeWallet' } : { name: 'activeWallet', key: p.signer, value: true },
  ];
  // A live create read both owners above and found none; a genesis replay did not read them.
  if (!p.migration) {
    patches.push({ name: 'walletOwner', key: p.signer, value: { user_id: p.userId } });
    if (row.handle_lc)
      patches.push({ name: 'handleOwner', key: row.handle_lc, value: { user_id: p.userId } });
    else patches.push({ name: 'handleOwner' });
  }
  await writeThrough(db, patches, () => insertUser(db, { row }));
};

const insertUser = preparedWrite((db, $: { row: Insertable<UsersTable> }) =>
  db
    .insertInto('users')
    .values($.row)
    // The partial unique index (one current row per user) guards concurrent writers.
    .onConflict((oc) => oc.column('user_id').where('is_current', '=', CURRENT_ROW).doNothing()),
);

/** The user's current row, updated. */
const updateCurrentUser = preparedWrite((db, $: { set: Updateable<UsersTable>; userId: number }) =>
  db.updateTable('users').set($.set).where('user_id', '=', $.userId).where('is_current', '=', true),
);

const updateUser: Handler = async ({ db }, p) => {
  const m = p.metadata;
  const handle = m.str('handle');
  const pick = m.id('artist_pick_track_id');
  await validateSigner(db, p.userId, p.signer);
  const row = await lookup(db, 'userProfile', String(p.userId));
  if (!row) reject('user_not_found', `user ${p.userId} does not exist`);
  // Re-validate a field only when it changes: clients resend the whole profile and old rows may fail today's rules.
  const changed = (k: 'bio' | 'name') => m.str(k) !== '' && m.str(k) !== (row[k] ?? '');
  if (changed('bio')) checkLength('bio', m.str('bio'));
  if (changed('name')) checkLength('name', m.str('name'));
  if (handle !== '' && handle.toLowerCase() !== (row.handle_lc ?? '')) {
    validateHandle(handle);
    const taken = await db
      .selectFrom('users')
      .select('user_id')
      .where('handle_lc', '=', handle.toLowerCase())
      .where('is_current', '=', true)
      .where('user_id', '<>', p.userId)
      .executeTakeFirst();
    if (taken) reject('handle_taken', `handle ${handle.toLowerCase()} is taken`);
  }
  if (pick !== undefined && pick !== 0 && pick !== row.artist_pick_track_id) {
    const t = await db
      .selectFrom('tracks')
      .select('owner_id')
      .where('track_id', '=', pick)
      .where('is_current', '=', true)
      .where('is_delete', '=', false)
      .executeTakeFirst();
    if (!t || t.owner_id !== p.userId)
      reject('artist_pick_invalid', `artist pick ${pick} is not an active track of user ${p.userId}`);
  }
  // Empty or absent strings keep the stored value: a profile field can never be cleared this way.
  const set: Updateable<UsersTable> = {
    updated_at: p.blockTime,
    txhash: p.txHash,
    blocknumber: p.blockNumber,
    blockhash: p.blockHash,
  };
  for (const k of PROFILE_STRINGS) if (m.str(k) !== '') set[k] = m.str(k);
  if (handle !== '') Object.assign(set, { handle, handle_lc: handle.toLowerCase() });
  // An unknown profile_type is not a value of the enum: the stored one is kept.
  const type = profileType(m);
  if (type !== undefined) set.profile_type = type;
  const library = m.json('playlist_library');
  if (library !== undefined && library !== null) set.playlist_library = jsonbText(library);
  if (pick !== undefined) set.artist_pick_track_id = pick;
  const ai = m.bool('allow_ai_attribution');
  if (ai !== undefined) set.allow_ai_attribution = ai;
  const deactivated = m.bool('is_deactivated');
  if (deactivated !== undefined) set.is_deactivated = deactivated;
  // The wallet never changes here; the handle and the active flag only when the metadata sets them (a
  // handle that moves may free the old one for another holder: that lookup is re-read).
  const patches: Patch[] = [{ name: 'userWallet' }, { name: 'walletOwner' }];
  if (handle === '') patches.push({ name: 'userHandle' }, { name: 'handleOwner' });
  else patches.push({ name: 'userHandle', key: String(p.userId), value: { handle } });
  if (deactivated === undefined) patches.push({ name: 'activeWallet' });
  patches.push({
    name: 'userProfile',
    key: String(p.userId),
    value: {
      bio: set.bio ?? row.bio,
      name: set.name ?? row.name,
      handle_lc: set.handle_lc ?? row.handle_lc,
      artist_pick_track_id: set.artist_pick_track_id ?? row.artist_pick_track_id,
    },
  });
  await writeThrough(db, patches, () => updateCurrentUser(db, { set, userId: p.userId }));
};

const verifyUser: Handler = async ({ db }, p) => {
  const m = p.metadata;
  const row = await currentUser(db, p.userId);
  if (!row) reject('user_not_found', `user ${p.userId} does not exist`);
  if (p.signer !== VERIFIER_ADDRESS) reject('not_verifier', `signer ${p.signer} is not the verifier`);
  // is_verified never goes back to false.
  const verified = row.is_verified || m.bool('is_verified') === true;
  const handles = {
    twitter_handle: m.str('twitter_handle') || row.twitter_handle,
    instagram_handle: m.str('instagram_handle') || row.instagram_handle,
    tiktok_handle: m.str('tiktok_handle') || row.tiktok_handle,
  };
  const set: Updateable<UsersTable> = {
    is_verified: verified,
    ...handles,
    updated_at: p.blockTime,
    txhash: p.txHash,
    blocknumber: p.blockNumber,
    blockhash: p.blockHash,
  };
  if (verified) {
    set.verified_with_twitter = handles.twitter_handle !== null || row.verified_with_twitter === true;
    set.verified_with_instagram = handles.instagram_handle !== null || row.verified_with_instagram === true;
    set.verified_with_tiktok = handles.tiktok_handle !== null || row.verified_with_tiktok === true;
  }
  await updateCurrentUser(db, { set, userId: p.userId });
};

export const userHandlers: readonly HandlerRegistration[] = [
  // No authorize step: the signer becomes the new user's wallet (it must not be a user or an app).
  // A genesis-migration tx (p.migration) skips the offset, limits, reserved handles and the wallet/handle
  // uniqueness checks and carries the account's state (is_verified, is_deactivated…) from metadata.
  { entityType: 'User', action: 'Create', gate: 'User', writes: ['users'], handle: createUser },
  { entityType: 'User', action: 'Update', gate: 'User', writes: ['users'], handle: updateUser },
  // Authorize is the hard-coded verifier, checked after the user exists (reference order).
  { entityType: 'User', action: 'Verify', gate: 'User', writes: ['users'], handle: verifyUser },
];

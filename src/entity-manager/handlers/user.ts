// User handlers (spec §3.2 rows 1–5).
import { validateSigner } from '../authorize.js';
import type { Handler, HandlerRegistration } from '../types.js';
import { reject } from '../validation-error.js';
import { validateHandle } from './common/handles.js';
import { checkLength, ID_OFFSETS } from './common/limits.js';
import { chainStamp, jsonOrNull, orNull, times } from './common/stamp.js';

/** The hard-coded verifier (User/Verify does not go through ValidateSigner). */
export const VERIFIER_ADDRESS = '0xbeef8e42e8b5964fdd2b7ca8efa0d9aef38aa996';

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
  'profile_type',
  'spl_usdc_payout_wallet',
  'coin_flair_mint',
] as const;

function requireUserType(p: Parameters<Handler>[1]): void {
  if (p.entityType !== 'User') reject('wrong_entity_type', `entity_type must be User, got ${p.entityType}`);
}

const createUser: Handler = async ({ db }, p) => {
  requireUserType(p);
  if (p.userId < ID_OFFSETS.user)
    reject('user_id_below_offset', `user id ${p.userId} is below ${ID_OFFSETS.user}`);
  const m = p.metadata;
  if (m.str('bio') !== '') checkLength('bio', m.str('bio'));
  const handle = m.str('handle');
  if (handle !== '') validateHandle(handle);
  if (m.str('name') !== '') checkLength('name', m.str('name'));

  const exists = await db
    .selectFrom('users')
    .select('user_id')
    .where('user_id', '=', p.userId)
    .where('is_current', '=', true)
    .executeTakeFirst();
  if (exists) reject('user_exists', `user ${p.userId} already exists`);
  const walletTaken = await db
    .selectFrom('users')
    .select('user_id')
    .where('wallet', '=', p.signer)
    .executeTakeFirst();
  if (walletTaken)
    reject('wallet_taken', `wallet ${p.signer} already belongs to user ${walletTaken.user_id}`);
  const app = await db
    .selectFrom('developer_apps')
    .select('address')
    .where('address', '=', p.signer)
    .where('is_current', '=', true)
    .where('is_delete', '=', false)
    .executeTakeFirst();
  if (app) reject('signer_is_app', `signer ${p.signer} is a developer app`);
  if (handle !== '') {
    const taken = await db
      .selectFrom('users')
      .select('user_id')
      .where('handle_lc', '=', handle.toLowerCase())
      .where('is_current', '=', true)
      .executeTakeFirst();
    if (taken) reject('handle_taken', `handle ${handle.toLowerCase()} is taken`);
  }
  const strings = Object.fromEntries(PROFILE_STRINGS.map((k) => [k, orNull(m.str(k))]));
  await db
    .insertInto('users')
    .values({
      ...chainStamp(p),
      ...times(p),
      ...strings,
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
      playlist_library: jsonOrNull(m.json('playlist_library')),
      artist_pick_track_id: null,
      allow_ai_attribution: m.boolOr('allow_ai_attribution', false),
    })
    // The partial unique index (one current row per user) guards concurrent writers.
    .onConflict((oc) => oc.column('user_id').where('is_current', '=', true).doNothing())
    .execute();
};

const updateUser: Handler = async ({ db }, p) => {
  requireUserType(p);
  await validateSigner(db, p.userId, p.signer);
  const row = await db
    .selectFrom('users')
    .selectAll()
    .where('user_id', '=', p.userId)
    .where('is_current', '=', true)
    .executeTakeFirst();
  if (!row) reject('user_not_found', `user ${p.userId} does not exist`);
  const m = p.metadata;
  // Re-validate a field only when it changes: clients resend the whole profile and old rows may fail today's rules.
  const changed = (k: 'bio' | 'name' | 'handle') => m.str(k) !== '' && m.str(k) !== (row[k] ?? '');
  if (changed('bio')) checkLength('bio', m.str('bio'));
  if (changed('name')) checkLength('name', m.str('name'));
  const handle = m.str('handle');
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
  const pick = m.id('artist_pick_track_id');
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
  const set: Record<string, unknown> = {};
  for (const k of PROFILE_STRINGS) if (m.str(k) !== '') set[k] = m.str(k);
  if (handle !== '') Object.assign(set, { handle, handle_lc: handle.toLowerCase() });
  if (m.has('playlist_library') && m.json('playlist_library') !== null)
    set.playlist_library = JSON.stringify(m.json('playlist_library'));
  if (pick !== undefined) set.artist_pick_track_id = pick;
  if (m.bool('allow_ai_attribution') !== undefined) set.allow_ai_attribution = m.bool('allow_ai_attribution');
  if (m.bool('is_deactivated') !== undefined) set.is_deactivated = m.bool('is_deactivated');
  await db
    .updateTable('users')
    .set({
      ...set,
      updated_at: p.blockTime,
      txhash: p.txHash,
      blocknumber: p.blockNumber,
      blockhash: p.blockHash,
    })
    .where('user_id', '=', p.userId)
    .where('is_current', '=', true)
    .execute();
};

const verifyUser: Handler = async ({ db }, p) => {
  requireUserType(p);
  const row = await db
    .selectFrom('users')
    .selectAll()
    .where('user_id', '=', p.userId)
    .where('is_current', '=', true)
    .executeTakeFirst();
  if (!row) reject('user_not_found', `user ${p.userId} does not exist`);
  if (p.signer !== VERIFIER_ADDRESS) reject('not_verifier', `signer ${p.signer} is not the verifier`);
  const m = p.metadata;
  // is_verified never goes back to false.
  const verified = row.is_verified || m.bool('is_verified') === true;
  const handles = {
    twitter_handle: m.str('twitter_handle') || row.twitter_handle,
    instagram_handle: m.str('instagram_handle') || row.instagram_handle,
    tiktok_handle: m.str('tiktok_handle') || row.tiktok_handle,
  };
  await db
    .updateTable('users')
    .set({
      is_verified: verified,
      ...handles,
      ...(verified && {
        verified_with_twitter: handles.twitter_handle !== null || row.verified_with_twitter === true,
        verified_with_instagram: handles.instagram_handle !== null || row.verified_with_instagram === true,
        verified_with_tiktok: handles.tiktok_handle !== null || row.verified_with_tiktok === true,
      }),
      updated_at: p.blockTime,
      txhash: p.txHash,
      blocknumber: p.blockNumber,
      blockhash: p.blockHash,
    })
    .where('user_id', '=', p.userId)
    .where('is_current', '=', true)
    .execute();
};

const setMute =
  (mute: boolean): Handler =>
  async ({ db }, p) => {
    await validateSigner(db, p.userId, p.signer);
    const existing = await db
      .selectFrom('muted_users')
      .select('is_delete')
      .where('muted_user_id', '=', p.entityId)
      .where('user_id', '=', p.userId)
      .executeTakeFirst();
    const active = existing !== undefined && !existing.is_delete;
    if (mute) {
      const target = await db
        .selectFrom('users')
        .select('user_id')
        .where('user_id', '=', p.entityId)
        .where('is_current', '=', true)
        .executeTakeFirst();
      if (!target) reject('target_not_found', `user ${p.entityId} does not exist`);
      if (p.entityId === p.userId) reject('self_action', 'a user cannot mute themselves');
      if (active) reject('already_muted', `user ${p.userId} already mutes ${p.entityId}`);
    } else if (!active) {
      reject('not_muted', `user ${p.userId} does not mute ${p.entityId}`);
    }
    await db
      .insertInto('muted_users')
      .values({
        muted_user_id: p.entityId,
        user_id: p.userId,
        is_delete: !mute,
        ...times(p),
        ...chainStamp(p),
      })
      .onConflict((oc) =>
        oc.columns(['muted_user_id', 'user_id']).doUpdateSet({
          is_delete: !mute,
          updated_at: p.blockTime,
          txhash: p.txHash,
          blocknumber: p.blockNumber,
          blockhash: p.blockHash,
        }),
      )
      .execute();
  };

export const userHandlers: readonly HandlerRegistration[] = [
  { entityType: 'User', action: 'Create', gate: 'User', handle: createUser },
  { entityType: 'User', action: 'Update', gate: 'User', handle: updateUser },
  { entityType: 'User', action: 'Verify', gate: 'User', handle: verifyUser },
  { entityType: 'User', action: 'Mute', gate: 'User', handle: setMute(true) },
  { entityType: 'User', action: 'Unmute', gate: 'User', handle: setMute(false) },
];

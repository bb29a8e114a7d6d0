// The closed set of reason codes recorded in etl_transactions.reason_code and etl_plays.skip_reason.
// Every rejection names one of these; `tsc` refuses any other string. The meaning is the operator's
// documentation (`metronome handlers --json` and docs/parity.md cite it).

export const TX_REASONS = {
  // Envelope (checked before dispatch, no database)
  invalid_id: 'user_id or entity_id is not an integer in int4 range',
  nul_byte: 'a field or the metadata holds a NUL character, which PostgreSQL text cannot store',
  metadata_too_large: 'the metadata text exceeds the size limit',
  metadata_required: 'the metadata is empty, not JSON, or not a JSON object where the handler needs one',
  metadata_id_invalid: 'an id inside the metadata is not an integer in int4 range',
  metadata_value_invalid: 'a metadata value has the wrong JSON type or an out-of-range number',
  unrouted: 'no handler is registered for this entity type and action (or its data type is gated off)',
  handler_error: 'the handler failed on an unexpected error (outcome `failed`; the tx wrote nothing)',

  // Signer authorization
  user_not_found: 'the acting user does not exist',
  signer_not_authorized: 'the signer is neither the user wallet nor a grantee of the user',
  signer_is_app: 'a developer app may not sign this action',
  grant_revoked: 'the grant that would authorize the signer is revoked',
  grant_not_approved: 'the grant that would authorize a manager is not approved yet',
  grantee_invalid: 'the grantee is no longer a developer app or an active user',
  not_verifier: 'only the verifier wallet may verify users',
  wrong_entity_type: 'the action is registered for another entity type',

  // Ownership and existence
  not_owner: 'the acting user does not own the target',
  owner_mismatch: 'metadata owner_id differs from the acting user',
  target_not_found: 'the target of a social action does not exist',
  item_type_unknown: 'the target id is neither a track nor a playlist',
  track_not_found: 'the track does not exist or is not active',
  playlist_not_found: 'the playlist does not exist or is not active',
  comment_not_found: 'the comment does not exist or is deleted',
  event_not_found: 'the event does not exist or is deleted',
  app_not_found: 'the developer app does not exist',
  user_exists: 'a user with this id already exists',
  track_exists: 'a track with this id already exists',
  playlist_exists: 'a playlist with this id already exists',
  comment_exists: 'a comment with this id already exists',
  event_exists: 'an event with this id already exists',
  app_exists: 'a developer app with this address already exists',
  user_id_below_offset: 'a new user id must be at or above the user id offset',
  track_id_below_offset: 'a new track id must be at or above the track id offset',
  playlist_id_below_offset: 'a new playlist id must be at or above the playlist id offset',

  // Users
  handle_invalid: 'the handle has characters outside [a-z0-9_.]',
  handle_too_long: 'the handle is longer than its limit',
  handle_reserved: 'the handle is reserved',
  handle_taken: 'another user has this handle',
  name_too_long: 'the name is longer than its limit',
  bio_too_long: 'the bio is longer than its limit',
  wallet_taken: 'the signer wallet already belongs to another user',
  artist_pick_invalid: 'the artist pick is not an active track of the user',
  // (accounts parity: new user/app/grant/comment/event/email/wallet codes go here)
  video_url_too_long: 'the comment video_url is longer than 2,000 characters',
  event_type_invalid:
    'the event_type is not a value of the event_type enum (remix_contest, live_event, new_release)',
  event_entity_type_invalid:
    'the event entity_type is not a value of the event_entity_type enum (track, collection, user)',
  app_address_too_long:
    'the developer app address is longer than the 255 characters its OAuth client_id column holds',

  // Tracks and playlists
  title_required: 'a track needs a title',
  description_too_long: 'the description is longer than its limit',
  genre_invalid: 'the genre is not in the allow-list',
  stream_conditions_invalid: 'stream_conditions must name exactly one gate',
  download_conditions_invalid: 'download_conditions must name exactly one gate',
  usdc_splits_required: 'a USDC purchase gate needs splits',
  stream_gated_not_download_gated: 'a stream-gated track must also be download-gated',
  gating_conditions_differ: 'stream and download conditions must be equal',
  stem_cannot_be_gated: 'a stem cannot be gated',
  remix_cannot_host_contest: 'a remix cannot host a remix contest',
  contest_exists: 'the track already hosts an open remix contest',
  invite_not_pending: 'there is no pending collaborator invite to answer',
  field_too_long: 'a text field is longer than its column allows',
  // (content parity: new track/playlist/social codes go here)

  // Social graph
  self_action: 'a user cannot follow, mute or subscribe to themselves',
  already_following: 'the follow already exists',
  not_following: 'there is no follow to undo',
  already_saved: 'the save already exists',
  not_saved: 'there is no save to undo',
  already_reposted: 'the repost already exists',
  not_reposted: 'there is no repost to undo',
  already_subscribed: 'the subscription already exists',
  not_subscribed: 'there is no subscription to undo',
  already_muted: 'the mute already exists',
  not_muted: 'there is no mute to undo',

  // Comments
  comment_body_required: 'a comment needs a body',
  comment_body_too_long: 'the comment body is longer than its limit',
  comment_entity_required: 'a comment needs the entity it is on',
  comment_entity_type_invalid: 'comments are on tracks or fan clubs only',
  comment_members_only: 'members-only comments are allowed on fan clubs only',
  parent_comment_not_found: 'the parent comment does not exist',
  parent_comment_mismatch: 'the parent comment is on another entity',
  already_reacted: 'the reaction already exists',
  not_reacted: 'there is no reaction to undo',
  already_reported: 'the report already exists',
  already_pinned: 'the comment is already pinned',
  not_pinned: 'the comment is not the pinned one',

  // Events
  event_type_required: 'an event needs an event_type',
  event_entity_required: 'a remix contest event needs its entity',
  end_date_invalid: 'the end_date does not parse',
  end_date_past: 'the end_date is in the past or moves earlier than allowed',

  // Grants, apps, emails
  grantee_required: 'a grant needs a grantee address',
  grantor_required: 'an approval needs the grantor',
  grant_exists: 'the grant already exists',
  grant_not_found: 'there is no such grant',
  grant_already_approved: 'the grant is already approved',
  app_name_required: 'a developer app needs a name',
  app_name_too_long: 'the app name is longer than its limit',
  app_description_too_long: 'the app description is longer than its limit',
  app_address_required: 'a developer app needs an address',
  app_address_is_user: 'the app address is a user wallet',
  redirect_uris_invalid: 'the OAuth redirect URIs are not a list of valid URIs within limits',
  image_url_invalid: 'the image URL is not an http(s) URL',
  encrypted_email_required: 'an encrypted email needs its ciphertext',
  email_owner_required: 'an encrypted email needs its owner',
  access_grants_invalid: 'the email access grants are malformed',
  grantor_without_access: 'the grantor has no access to the email',

  // Wallets, tips, play counts
  wallet_required: 'a wallet action needs the wallet',
  chain_invalid: 'the chain must be eth or sol',
  wallet_signature_required: 'a wallet action needs an ownership signature',
  wallet_signature_invalid: 'the signature does not prove ownership of the wallet',
  wallet_not_linked: 'the wallet is not linked to the user',
  dashboard_wallet_assigned: 'the dashboard wallet is already assigned',
  dashboard_wallet_not_found: 'the dashboard wallet is not assigned',
  reacted_to_required: 'a tip reaction names the tip signature',
  reaction_value_invalid: 'the reaction value is out of range',
  tip_not_found: 'the tip does not exist',
  tip_sender_not_found: 'the tip sender has no wallet',
  delta_required: 'a play-count reconcile needs a delta',
  delta_out_of_range: 'the play-count delta is out of range',
} as const satisfies Record<string, string>;

export type TxReasonCode = keyof typeof TX_REASONS;

/** Why a chain play is recorded in etl_plays but not bridged into plays. */
export const PLAY_SKIP_REASONS = {
  track_id_not_integer: 'the play names a track id that is not an integer in int4 range',
  invalid_timestamp: 'the play timestamp is not RFC 3339',
} as const satisfies Record<string, string>;

export type PlaySkipReason = keyof typeof PLAY_SKIP_REASONS;

export function isTxReasonCode(code: string): code is TxReasonCode {
  return Object.hasOwn(TX_REASONS, code);
}

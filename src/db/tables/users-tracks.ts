import type { ColumnType, Generated } from 'kysely';
import type { Timestamp } from './etl.js';
import type { Json } from './json.js';

/** Columns every domain row carries: em_block as blocknumber, and where it came from. */
export interface ChainStamp {
  blockhash: string | null;
  blocknumber: number | null;
  txhash: Generated<string>;
  slot: number | null;
}

export interface UsersTable extends ChainStamp {
  user_id: number;
  is_current: boolean;
  handle: string | null;
  handle_lc: string | null;
  wallet: string | null;
  name: string | null;
  bio: string | null;
  location: string | null;
  profile_picture: string | null;
  profile_picture_sizes: string | null;
  cover_photo: string | null;
  cover_photo_sizes: string | null;
  metadata_multihash: string | null;
  creator_node_endpoint: string | null;
  is_verified: Generated<boolean>;
  is_deactivated: Generated<boolean>;
  is_available: Generated<boolean>;
  is_storage_v2: Generated<boolean>;
  playlist_library: Json | null;
  artist_pick_track_id: number | null;
  allow_ai_attribution: Generated<boolean>;
  twitter_handle: string | null;
  instagram_handle: string | null;
  tiktok_handle: string | null;
  verified_with_twitter: Generated<boolean | null>;
  verified_with_instagram: Generated<boolean | null>;
  verified_with_tiktok: Generated<boolean | null>;
  website: string | null;
  donation: string | null;
  /** profile_type_enum: 'label' is its only value. */
  profile_type: string | null;
  spl_usdc_payout_wallet: string | null;
  coin_flair_mint: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  // Production's columns (0009) our handlers do not write yet (docs/schema.md).
  primary_id: number | null;
  secondary_ids: number[] | null;
  replica_set_update_signer: string | null;
  has_collectibles: Generated<boolean>;
  user_storage_account: string | null;
  user_authority_account: string | null;
}

export interface TracksTable extends ChainStamp {
  track_id: number;
  is_current: boolean;
  is_delete: Generated<boolean>;
  owner_id: number;
  title: string | null;
  genre: string | null;
  mood: string | null;
  tags: string | null;
  description: string | null;
  cover_art: string | null;
  cover_art_sizes: string | null;
  track_cid: string | null;
  preview_cid: string | null;
  orig_file_cid: string | null;
  orig_filename: string | null;
  audio_upload_id: string | null;
  license: string | null;
  isrc: string | null;
  iswc: string | null;
  duration: Generated<number | null>;
  bpm: number | null;
  musical_key: string | null;
  /** timestamp in production (0009); written as an ISO string, read back as a Date. */
  release_date: ColumnType<Date | null, string | Date | null, string | Date | null>;
  remix_of: Json | null;
  stem_of: Json | null;
  field_visibility: Json | null;
  stream_conditions: Json | null;
  download_conditions: Json | null;
  is_stream_gated: Generated<boolean>;
  is_download_gated: Generated<boolean>;
  is_downloadable: Generated<boolean>;
  is_unlisted: Generated<boolean>;
  is_available: Generated<boolean>;
  is_scheduled_release: Generated<boolean>;
  route_id: string | null;
  track_segments: Generated<Json>;
  pinned_comment_id: number | null;
  ddex_app: string | null;
  access_authorities: string[] | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  // Production's columns (0009); docs/schema.md says which the handlers write and which stay unwritten.
  credits_splits: string | null;
  create_date: string | null;
  file_type: string | null;
  metadata_multihash: string | null;
  is_playlist_upload: Generated<boolean>;
  ai_attribution_user_id: number | null;
  preview_start_seconds: number | null;
  is_original_available: Generated<boolean>;
  playlists_containing_track: Generated<number[]>;
  placement_hosts: string | null;
  ddex_release_ids: Json | null;
  artists: Json | null;
  resource_contributors: Json | null;
  indirect_resource_contributors: Json | null;
  rights_controller: Json | null;
  copyright_line: Json | null;
  producer_copyright_line: Json | null;
  parental_warning_type: string | null;
  playlists_previously_containing_track: Generated<Json>;
  allowed_api_keys: string[] | null;
  audio_analysis_error_count: Generated<number>;
  is_custom_bpm: Generated<boolean | null>;
  is_custom_musical_key: Generated<boolean | null>;
  comments_disabled: Generated<boolean | null>;
  cover_original_song_title: string | null;
  cover_original_artist: string | null;
  is_owned_by_user: Generated<boolean>;
  no_ai_use: Generated<boolean | null>;
  /** parental_warning_type enum. */
  parental_warning: string | null;
  territory_codes: string[] | null;
}

export interface UserTrackTables {
  users: UsersTable;
  tracks: TracksTable;
  developer_apps: DeveloperAppsTable;
  grants: GrantsTable;
  track_price_history: TrackPriceHistoryTable;
  album_price_history: AlbumPriceHistoryTable;
}

/** Production's price history (0009): a row per priced track/album create or price change. */
export interface TrackPriceHistoryTable {
  track_id: number;
  splits: Json;
  /** bigint: read back as text on PostgreSQL. */
  total_price_cents: ColumnType<string | number, number, number>;
  blocknumber: number;
  block_timestamp: Timestamp;
  /** Production's default is the wall clock: we always write the block time. */
  created_at: Timestamp;
  /** usdc_purchase_access_type enum: stream | download. */
  access: Generated<string>;
}
export interface AlbumPriceHistoryTable {
  playlist_id: number;
  splits: Json;
  /** bigint: read back as text on PostgreSQL. */
  total_price_cents: ColumnType<string | number, number, number>;
  blocknumber: number;
  block_timestamp: Timestamp;
  created_at: Timestamp;
}

export interface DeveloperAppsTable extends Omit<ChainStamp, 'slot'> {
  address: string;
  user_id: number | null;
  name: string;
  description: string | null;
  image_url: string | null;
  is_personal_access: Generated<boolean>;
  is_current: boolean;
  is_delete: Generated<boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface GrantsTable extends Omit<ChainStamp, 'slot'> {
  grantee_address: string;
  user_id: number;
  is_revoked: Generated<boolean>;
  is_current: boolean;
  is_approved: boolean | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

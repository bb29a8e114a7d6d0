import type { Generated } from 'kysely';
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
  profile_type: string | null;
  spl_usdc_payout_wallet: string | null;
  coin_flair_mint: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
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
  duration: number | null;
  bpm: number | null;
  musical_key: string | null;
  release_date: string | null;
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
}

export interface UserTrackTables {
  users: UsersTable;
  tracks: TracksTable;
  developer_apps: DeveloperAppsTable;
  grants: GrantsTable;
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

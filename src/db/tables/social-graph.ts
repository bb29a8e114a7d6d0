import type { Generated } from 'kysely';
import type { Timestamp } from './etl.js';
import type { Json } from './json.js';
import type { ChainStamp } from './users-tracks.js';

export type ItemType = 'track' | 'playlist' | 'album';

export interface PlaylistsTable extends ChainStamp {
  playlist_id: number;
  playlist_owner_id: number;
  is_album: Generated<boolean>;
  is_private: Generated<boolean>;
  playlist_name: string | null;
  playlist_contents: Json;
  playlist_image_multihash: string | null;
  playlist_image_sizes_multihash: string | null;
  description: string | null;
  upc: string | null;
  is_current: boolean;
  is_delete: Generated<boolean>;
  last_added_to: Timestamp | null;
  is_stream_gated: Generated<boolean>;
  stream_conditions: Json | null;
  is_scheduled_release: Generated<boolean>;
  release_date: Timestamp | null;
  ddex_app: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface PlaylistTracksTable {
  playlist_id: number;
  track_id: number;
  is_removed: Generated<boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

interface RouteColumns {
  slug: string;
  title_slug: string;
  collision_id: number;
  owner_id: number;
  is_current: boolean;
  blockhash: string;
  blocknumber: number;
  txhash: string;
}
export interface TrackRoutesTable extends RouteColumns {
  track_id: number;
}
export interface PlaylistRoutesTable extends RouteColumns {
  playlist_id: number;
}

export interface ParentChildTable {
  parent_track_id: number;
  child_track_id: number;
}

export interface TrackCollaboratorsTable {
  track_id: number;
  collaborator_user_id: number;
  status: Generated<string>;
  blocknumber: number | null;
  txhash: Generated<string>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface TrackDownloadsTable {
  txhash: string;
  blocknumber: number;
  parent_track_id: number;
  track_id: number;
  user_id: number | null;
  city: string | null;
  region: string | null;
  country: string | null;
  created_at: Timestamp;
}

export interface MutedUsersTable {
  muted_user_id: number;
  user_id: number;
  is_delete: Generated<boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
  txhash: Generated<string>;
  blockhash: string | null;
  blocknumber: number | null;
}

export interface CommentNotificationSettingsTable {
  user_id: number;
  entity_id: number;
  entity_type: string;
  is_muted: Generated<boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface FollowsTable extends ChainStamp {
  follower_user_id: number;
  followee_user_id: number;
  is_current: boolean;
  is_delete: boolean;
  created_at: Timestamp;
}

export interface SavesTable extends ChainStamp {
  user_id: number;
  save_item_id: number;
  save_type: ItemType;
  is_current: boolean;
  is_delete: boolean;
  is_save_of_repost: Generated<boolean>;
  created_at: Timestamp;
}

export interface RepostsTable extends ChainStamp {
  user_id: number;
  repost_item_id: number;
  repost_type: ItemType;
  is_current: boolean;
  is_delete: boolean;
  is_repost_of_repost: Generated<boolean>;
  created_at: Timestamp;
}

export interface SubscriptionsTable extends Omit<ChainStamp, 'slot'> {
  subscriber_id: number;
  user_id: number;
  entity_type: Generated<string>;
  entity_id: number | null;
  is_current: boolean;
  is_delete: boolean;
  created_at: Timestamp;
}

export interface SharesTable extends Omit<ChainStamp, 'slot'> {
  user_id: number;
  share_item_id: number;
  share_type: ItemType;
  created_at: Timestamp;
}

export interface AggregateUserTable {
  user_id: number;
  track_count: Generated<number>;
  playlist_count: Generated<number>;
  album_count: Generated<number>;
  follower_count: Generated<number>;
  following_count: Generated<number>;
  repost_count: Generated<number>;
  track_save_count: Generated<number>;
}
export interface AggregateTrackTable {
  track_id: number;
  repost_count: Generated<number>;
  save_count: Generated<number>;
}
export interface AggregatePlaylistTable {
  playlist_id: number;
  is_album: Generated<boolean>;
  repost_count: Generated<number>;
  save_count: Generated<number>;
}

export interface SocialGraphTables {
  playlists: PlaylistsTable;
  playlist_tracks: PlaylistTracksTable;
  track_routes: TrackRoutesTable;
  playlist_routes: PlaylistRoutesTable;
  stems: ParentChildTable;
  remixes: ParentChildTable;
  track_collaborators: TrackCollaboratorsTable;
  track_downloads: TrackDownloadsTable;
  muted_users: MutedUsersTable;
  comment_notification_settings: CommentNotificationSettingsTable;
  follows: FollowsTable;
  saves: SavesTable;
  reposts: RepostsTable;
  subscriptions: SubscriptionsTable;
  shares: SharesTable;
  aggregate_user: AggregateUserTable;
  aggregate_track: AggregateTrackTable;
  aggregate_playlist: AggregatePlaylistTable;
}

import type { Generated } from 'kysely';
import type { Timestamp } from './etl.js';
import type { Json } from './json.js';

interface Audit {
  created_at: Timestamp;
  updated_at: Timestamp;
  txhash: string;
  blockhash: string | null;
  blocknumber: number | null;
}

export interface OauthRedirectUrisTable {
  id: Generated<number>;
  client_id: string;
  redirect_uri: string;
  created_at: Timestamp;
}
export interface NotificationSeenTable {
  user_id: number;
  seen_at: Timestamp;
  blocknumber: number | null;
  blockhash: string | null;
  txhash: string | null;
}
export interface PlaylistSeenTable extends NotificationSeenTable {
  playlist_id: number;
  is_current: boolean;
}
export interface CommentsTable extends Omit<Audit, 'blocknumber'> {
  comment_id: number;
  text: string;
  user_id: number;
  entity_id: number;
  entity_type: Generated<string>;
  track_timestamp_s: number | null;
  is_delete: Generated<boolean | null>;
  is_visible: Generated<boolean | null>;
  is_edited: Generated<boolean | null>;
  is_members_only: Generated<boolean>;
  video_url: string | null;
  blocknumber: number | null;
  blockhash: string;
}
export interface CommentUserTable extends Omit<Audit, 'blockhash'> {
  comment_id: number;
  user_id: number;
  is_delete: Generated<boolean | null>;
  blockhash: string;
}
export interface CommentThreadsTable {
  parent_comment_id: number;
  comment_id: number;
}
export interface EventsTable extends Omit<Audit, 'blockhash'> {
  event_id: number;
  /** event_type enum: remix_contest | live_event | new_release. */
  event_type: string;
  user_id: number;
  /** event_entity_type enum: track | collection | user. */
  entity_type: string | null;
  entity_id: number | null;
  end_date: Timestamp | null;
  event_data: Json | null;
  is_deleted: Generated<boolean | null>;
  blockhash: string;
}
export interface EncryptedEmailsTable {
  id: Generated<number>;
  email_owner_user_id: number;
  encrypted_email: string;
  /** timestamptz in production. */
  created_at: Timestamp | null;
  updated_at: Timestamp | null;
}
export interface EmailAccessTable {
  id: Generated<number>;
  email_owner_user_id: number;
  receiving_user_id: number;
  grantor_user_id: number;
  encrypted_key: string;
  is_initial: Generated<boolean>;
  /** timestamptz in production. */
  created_at: Timestamp | null;
  updated_at: Timestamp | null;
}
export interface AssociatedWalletsTable {
  id: Generated<number>;
  user_id: number;
  wallet: string;
  /** wallet_chain enum: eth | sol. */
  chain: string;
  is_current: boolean;
  is_delete: Generated<boolean>;
  blockhash: string;
  blocknumber: number;
  // Ours (production has neither): nullable so production's writers need not know them.
  created_at: Timestamp | null;
  updated_at: Timestamp | null;
}
export interface DashboardWalletUsersTable extends Audit {
  wallet: string;
  user_id: number;
  is_delete: Generated<boolean>;
}
export interface UserTipsTable {
  slot: number;
  signature: string;
  sender_user_id: number;
  receiver_user_id: number;
  amount: number;
  created_at: Timestamp;
  updated_at: Generated<Date>;
}
export interface ReactionsTable {
  id: Generated<number>;
  reaction_value: number;
  sender_wallet: string;
  reaction_type: string;
  reacted_to: string;
  timestamp: Timestamp;
  blocknumber: number | null;
}

export interface AppsCommentsEventsTables {
  oauth_redirect_uris: OauthRedirectUrisTable;
  notification_seen: NotificationSeenTable;
  playlist_seen: PlaylistSeenTable;
  comments: CommentsTable;
  comment_reactions: CommentUserTable;
  comment_reports: CommentUserTable;
  comment_mentions: CommentUserTable;
  comment_threads: CommentThreadsTable;
  events: EventsTable;
  encrypted_emails: EncryptedEmailsTable;
  email_access: EmailAccessTable;
  associated_wallets: AssociatedWalletsTable;
  dashboard_wallet_users: DashboardWalletUsersTable;
  user_tips: UserTipsTable;
  reactions: ReactionsTable;
}

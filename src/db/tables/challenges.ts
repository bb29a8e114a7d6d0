// Challenge tables (migrations/0006_challenges.sql). notification is typed by its owner (0003).
import type { ColumnType, Generated } from 'kysely';
import type { Int8, Timestamp } from './etl.js';

export type ChallengeType = 'boolean' | 'numeric' | 'aggregate' | 'trending';
/** timestamptz: read back as a Date by `pg`. */
export type Timestamptz = ColumnType<Date, string | Date, string | Date>;

export interface ChallengesTable {
  id: string;
  type: ChallengeType;
  /** Whole AUDIO as text (production stores varchar). */
  amount: string;
  active: boolean;
  step_count: number | null;
  starting_block: number | null;
  weekly_pool: number | null;
  cooldown_days: number | null;
}

export interface UserChallengesTable {
  challenge_id: string;
  user_id: number;
  specifier: string;
  is_complete: boolean;
  current_step_count: number | null;
  completed_blocknumber: number | null;
  amount: Generated<number>;
  created_at: ColumnType<Date, string | Date | undefined, string | Date>;
  completed_at: Timestamp | null;
}

export interface UserEventsTable {
  id: Generated<number>;
  blockhash: string | null;
  blocknumber: number | null;
  is_current: boolean;
  user_id: number;
  referrer: number | null;
  is_mobile_user: Generated<boolean>;
  slot: number | null;
}

export interface ChallengeProfileCompletionTable {
  user_id: number;
  profile_description: boolean;
  profile_name: boolean;
  profile_picture: boolean;
  profile_cover_photo: boolean;
  follows: boolean;
  favorites: boolean;
  reposts: boolean;
}

export interface ChallengeListenStreakTable {
  user_id: number;
  last_listen_date: Timestamp | null;
  listen_streak: number;
}

export interface TrendingResultsTable {
  user_id: number;
  id: string | null;
  rank: number;
  type: string;
  version: string;
  week: ColumnType<Date, string | Date, string | Date>;
}

export interface IndexingCheckpointsTable {
  tablename: string;
  last_checkpoint: number;
  signature: string | null;
}

export interface UserScoreFeaturesTable {
  user_id: number;
  challenge_count: number | null;
  updated_at: Timestamptz;
}

export interface RewardManagerTxsTable {
  signature: string;
  slot: number;
  created_at: Timestamp;
}

/** Filled by the rewards service; we only read `code`. */
export interface RewardCodesTable {
  code: string;
  mint: string;
  reward_address: string;
  amount: number;
  created_at: Generated<Date>;
  remaining_uses: Generated<number>;
  signature: string | null;
}

export interface ChallengeDisbursementsTable {
  challenge_id: string;
  user_id: number;
  specifier: string;
  signature: string;
  slot: number;
  amount: string;
  created_at: ColumnType<Date | null, string | Date | undefined, string | Date>;
}

export interface SolRewardDisbursementsTable {
  signature: string;
  instruction_index: number;
  amount: Int8;
  slot: Int8;
  user_bank: string;
  challenge_id: string;
  specifier: string;
  recipient_eth_address: string | null;
  created_at: ColumnType<Date | null, string | Date | undefined, string | Date>;
}

export interface ChallengeTables {
  challenges: ChallengesTable;
  user_challenges: UserChallengesTable;
  user_events: UserEventsTable;
  challenge_profile_completion: ChallengeProfileCompletionTable;
  challenge_listen_streak: ChallengeListenStreakTable;
  trending_results: TrendingResultsTable;
  indexing_checkpoints: IndexingCheckpointsTable;
  user_score_features: UserScoreFeaturesTable;
  reward_manager_txs: RewardManagerTxsTable;
  reward_codes: RewardCodesTable;
  challenge_disbursements: ChallengeDisbursementsTable;
  sol_reward_disbursements: SolRewardDisbursementsTable;
}

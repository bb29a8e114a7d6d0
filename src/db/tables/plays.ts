import type { Generated } from 'kysely';
import type { Timestamp } from './etl.js';
import type { Json } from './json.js';

export interface PlaysTable {
  id: Generated<number>;
  user_id: number | null;
  source: string | null;
  play_item_id: number;
  created_at: Timestamp;
  updated_at: Timestamp;
  slot: number | null;
  signature: string | null;
  city: string | null;
  region: string | null;
  country: string | null;
}

export interface AggregatePlaysTable {
  play_item_id: number;
  /** bigint: read as a number (see db/connect.ts). */
  count: number | null;
}

export interface AggregateMonthlyPlaysTable {
  play_item_id: number;
  timestamp: Timestamp;
  count: number;
  country: Generated<string>;
}

export interface MilestonesTable {
  id: number;
  name: string;
  threshold: number;
  blocknumber: number | null;
  slot: number | null;
  timestamp: Timestamp;
}

export interface NotificationTable {
  id: Generated<number>;
  specifier: string;
  group_id: string;
  type: string;
  slot: number | null;
  blocknumber: number | null;
  timestamp: Timestamp;
  data: Json | null;
  user_ids: number[] | null;
  type_v2: string | null;
}

export interface UserDistinctPlayHoursTable {
  user_id: number;
  hours_with_play: Generated<number>;
  updated_at: Timestamp;
}

export interface UserDistinctPlayTracksTable {
  user_id: number;
  track_count: Generated<number>;
  updated_at: Timestamp;
}

export interface PlaysTables {
  plays: PlaysTable;
  aggregate_plays: AggregatePlaysTable;
  aggregate_monthly_plays: AggregateMonthlyPlaysTable;
  milestones: MilestonesTable;
  notification: NotificationTable;
  user_distinct_play_hours: UserDistinctPlayHoursTable;
  user_distinct_play_tracks: UserDistinctPlayTracksTable;
}

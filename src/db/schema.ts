// The whole database as Kysely sees it: one interface per area, composed here.
// Add an area by writing src/db/tables/<area>.ts and extending it below.
import type { AppsCommentsEventsTables } from './tables/apps-comments-events.js';
import type { ChallengeTables } from './tables/challenges.js';
import type { EtlTables } from './tables/etl.js';
import type { PlaysTables } from './tables/plays.js';
import type { SocialGraphTables } from './tables/social-graph.js';
import type { UserTrackTables } from './tables/users-tracks.js';

export interface Database
  extends EtlTables,
    UserTrackTables,
    PlaysTables,
    SocialGraphTables,
    AppsCommentsEventsTables,
    ChallengeTables {}

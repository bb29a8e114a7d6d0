// A regression scenario: the incident's setup run against our indexer (must hold) and against a faithful
// reproduction of the original mistake, supplied through the extension points production uses (a plays
// hook, a migration variant, a processor option). The bug run must fail on the named invariant.
import type { Kysely } from 'kysely';
import type { Violation } from '../sim/invariants.js';
import type { Database } from '../src/db/schema.js';

export type { Violation };

export interface ScenarioResult {
  readonly violations: readonly Violation[];
  /** Measured figures printed by `pnpm sim --scenario` (not asserted). */
  readonly figures?: Readonly<Record<string, unknown>>;
}

export interface ScenarioEnv {
  /** `pglite://memory` or a PostgreSQL server URL on which the scenario may create databases. */
  readonly db: string;
  /** A fresh migrated database (the scenario closes it). */
  readonly freshDb: () => Promise<{ db: Kysely<Database>; url: string; close(): Promise<void> }>;
}

export interface BugVariant {
  readonly name: string;
  /** The invariant that must catch it. */
  readonly catches: string;
  readonly run: (env: ScenarioEnv) => Promise<ScenarioResult>;
}

export interface Scenario {
  readonly id: string;
  readonly title: string;
  /** Needs a PostgreSQL server (several connections, bulk loads, pg_stat, EXPLAIN ANALYZE at size). */
  readonly needsPostgres: boolean;
  readonly ours: (env: ScenarioEnv) => Promise<ScenarioResult>;
  readonly bugs: readonly BugVariant[];
}

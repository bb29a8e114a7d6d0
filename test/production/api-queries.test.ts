// The API's 36 named sqlc queries must PREPARE on a database metronome bootstrapped and on a production
// clone we migrated. On a fresh database the only failures allowed are relations other services fill
// (docs/schema.md "Not ours"), each named here with the exact error.
import { existsSync } from 'node:fs';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/db/migrate.js';
import type { Database } from '../../src/db/schema.js';
import { createTestDb, type TestDb, testBackend } from '../support/db.js';
import { apiQueries, createProductionClone, DUMP, QUERIES_DIR } from './support.js';

/** Relations the API reads that other services fill: metrics, hourly play counts, balances. */
const NOT_OURS: Readonly<Record<string, string>> = {
  GetAggregateAppMetrics: 'aggregate_daily_app_name_metrics',
  GetAggregateRouteMetrics: 'aggregate_daily_unique_users_metrics',
  GetAggregateRouteMetricsTrailing: 'aggregate_daily_unique_users_metrics',
  GetPlays: 'hourly_play_counts',
  GetUsers: 'v_user_balances',
};

async function prepareAll(db: Kysely<Database>): Promise<Record<string, string>> {
  const failures: Record<string, string> = {};
  for (const q of apiQueries()) {
    try {
      await sql.raw(`PREPARE api_${q.name} AS ${q.sql}`).execute(db);
      await sql.raw(`DEALLOCATE api_${q.name}`).execute(db);
    } catch (e) {
      failures[q.name] = e instanceof Error ? e.message : String(e);
    }
  }
  return failures;
}

describe.skipIf(testBackend() !== 'postgres' || !existsSync(QUERIES_DIR))('the API queries prepare', () => {
  let fresh: TestDb;
  let clone: TestDb | undefined;
  beforeAll(async () => {
    fresh = await createTestDb();
    if (existsSync(DUMP)) {
      clone = await createProductionClone();
      await migrate(clone.db);
    }
  }, 600_000);
  afterAll(async () => {
    await fresh?.close();
    await clone?.close();
  });

  it('reads 36 named queries from 26 files', () => {
    const qs = apiQueries();
    expect(qs).toHaveLength(36);
    expect(new Set(qs.map((q) => q.file)).size).toBe(26);
    for (const q of qs) expect(q.sql, q.name).not.toMatch(/@[a-z_]|sqlc\./i);
  });

  it('on a fresh metronome database: all but the queries over tables other services fill', async () => {
    // One connection: PREPARE and DEALLOCATE must land on the same session.
    const failures = await fresh.db.connection().execute((c) => prepareAll(c));
    expect(failures).toEqual(
      Object.fromEntries(Object.entries(NOT_OURS).map(([q, rel]) => [q, `relation "${rel}" does not exist`])),
    );
  });

  it.skipIf(!existsSync(DUMP))('on the production clone after metronome migrate: all 36', async () => {
    const failures = await clone!.db.connection().execute((c) => prepareAll(c));
    expect(failures).toEqual({});
  });
});

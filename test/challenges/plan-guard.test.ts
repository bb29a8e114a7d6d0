// Plan guard for incident #880: on a notification table of production shape (≥ 200,000 rows, ~30 types,
// vacuumed and analyzed), the cooldown probe as on_user_challenge writes it uses the partial GIN, and the
// same probe written with `= ANY` (production's trigger) can use no GIN at all. Asserted on plans, not time.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mobileInstall } from '../../src/challenges/processors/mobile-install.js';
import { createTestDb, type TestDb, testBackend } from '../support/db.js';
import { bulkNotificationSql, Fixture, tick } from './fixtures.js';

function planText(rows: Record<string, unknown>[]): string {
  return rows.map((r) => String(Object.values(r)[0])).join('\n');
}

const probe = (predicate: string) => `
  EXPLAIN SELECT 1 FROM notification
  WHERE type = 'reward_in_cooldown' AND ${predicate}
    AND "timestamp" >= timestamp '2025-01-01 00:00:00' - interval '1 hour'
  LIMIT 1`;

describe('cooldown probe plan guard (#880)', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb();
    await sql.raw(bulkNotificationSql(200_000)).execute(t.db);
    await sql`VACUUM ANALYZE notification`.execute(t.db);
  });
  afterAll(async () => t?.close());

  it('has at least 200,000 rows', async () => {
    const n = await sql<{ n: number }>`SELECT count(*)::int AS n FROM notification`.execute(t.db);
    expect(n.rows[0]!.n).toBeGreaterThanOrEqual(200_000);
  });

  it('`user_ids @> ARRAY[uid]` uses the partial GIN ix_notification_cooldown_user_ids', async () => {
    const plan = planText(
      (await sql.raw<Record<string, unknown>>(probe('user_ids @> ARRAY[4242]')).execute(t.db)).rows,
    );
    expect(plan).toMatch(/Index Scan on ix_notification_cooldown_user_ids/);
  });

  it('`uid = ANY(user_ids)` can use neither GIN index', async () => {
    const plan = planText(
      (await sql.raw<Record<string, unknown>>(probe('4242 = ANY(user_ids)')).execute(t.db)).rows,
    );
    expect(plan).not.toMatch(/ix_notification/);
    expect(plan).toMatch(/Seq Scan on notification/);
  });

  // Index statistics are flushed by server backends; PGlite's single in-process backend is not checked.
  it.skipIf(testBackend() === 'pglite')('the trigger itself probes through the partial GIN', async () => {
    const fx = new Fixture(t.db);
    await fx.userEvent(4242, 1, { mobile: true });
    const scans = async () =>
      (
        await sql<{ n: number }>`
          SELECT idx_scan::int AS n FROM pg_stat_user_indexes WHERE indexrelname = 'ix_notification_cooldown_user_ids'`.execute(
          t.db,
        )
      ).rows[0]?.n ?? 0;
    const before = await scans();
    const r = await tick(t.db, [mobileInstall]);
    expect(r.runs[0]).toMatchObject({ status: 'ok', written: 1 });
    // Statistics reach the shared view when a backend flushes; poll briefly (bounded) for it.
    let after = before;
    for (let i = 0; i < 50 && after === before; i++) {
      await sql`SELECT pg_stat_clear_snapshot()`.execute(t.db);
      await new Promise((res) => setTimeout(res, 100));
      after = await scans();
    }
    expect(after).toBeGreaterThan(before);
  });
});

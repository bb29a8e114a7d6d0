// Every notification lookup by recipient that our triggers and handlers issue is GIN-eligible: no
// `= ANY(user_ids)` anywhere in the schema or the code, and each `@>` probe shape plans without a
// sequential scan of notification once it holds 200,000 rows (bulk-loaded, vacuumed, analyzed).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb, testBackend } from '../support/db.js';

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((f) => f.isFile() && /\.(sql|ts)$/.test(f.name))
    .map((f) => join(f.parentPath, f.name));
}

/** Each distinct `… user_ids @> ARRAY[…]` probe the migrations issue, with the type filter it carries. */
function probeShapes(): string[] {
  const shapes = new Set<string>();
  for (const f of files('migrations')) {
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(/type\s*=\s*'([a-z_]+)'\s*\n?\s*AND user_ids @> ARRAY\[/g))
      shapes.add(m[1]!);
  }
  return [...shapes].sort();
}

describe('notification lookups', () => {
  it('nothing filters notification recipients with = ANY(user_ids)', () => {
    // Comments may name the forbidden form (to explain why); code may not.
    const code = (f: string) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .filter((l) => !/^\s*(--|\/\/|\*)/.test(l))
        .join('\n');
    const offenders = [...files('migrations'), ...files('src')].filter((f) =>
      /=\s*ANY\s*\(\s*user_ids\s*\)/i.test(code(f)),
    );
    expect(offenders).toEqual([]);
  });

  describe.runIf(testBackend() === 'postgres')('plans at 200,000 rows', () => {
    let t: TestDb;
    beforeAll(async () => {
      t = await createTestDb();
      await sql`
        INSERT INTO notification (specifier, group_id, type, "timestamp", user_ids)
        SELECT (g % 50000)::text, 'plan:' || g,
               CASE g % 30 WHEN 0 THEN 'reward_in_cooldown' WHEN 1 THEN 'challenge_reward' WHEN 2 THEN 'comment' ELSE 'type_' || (g % 30) END,
               timestamp '2025-01-01' + (g % 100000) * interval '1 minute', ARRAY[(g % 50000)::int]
        FROM generate_series(1, 200000) g`.execute(t.db);
      await sql`VACUUM ANALYZE notification`.execute(t.db);
    });
    afterAll(async () => t?.close());

    it('every @> probe shape in the triggers, and the per-user feed, avoid a Seq Scan of notification', async () => {
      const shapes = probeShapes();
      expect(shapes.length).toBeGreaterThan(0);
      const queries = [
        ...shapes.map(
          (type) =>
            `SELECT 1 FROM notification WHERE type = '${type}' AND user_ids @> ARRAY[4242] AND "timestamp" >= timestamp '2025-02-01' LIMIT 1`,
        ),
        `SELECT id FROM notification WHERE user_ids @> ARRAY[4242] ORDER BY "timestamp" DESC LIMIT 20`,
      ];
      for (const q of queries) {
        const plan = await sql.raw<{ 'QUERY PLAN': string }>(`EXPLAIN ${q}`).execute(t.db);
        const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
        expect(text, q).not.toMatch(/Seq Scan on notification/);
      }
    });
  });
});

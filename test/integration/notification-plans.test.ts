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

describe.runIf(testBackend() === 'postgres')("the trigger paths' lookups at 100,000 rows a table", () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb();
    // Triggers off while loading: this is about the plans of the lookups, not the fan-out.
    await sql`SET session_replication_role = replica`.execute(t.db);
    const at = sql`timestamp '2025-01-01'`;
    await sql`INSERT INTO subscriptions (subscriber_id, user_id, entity_type, is_current, is_delete, created_at, txhash)
      SELECT g, g % 20000, CASE WHEN g % 10 = 0 THEN 'Event' ELSE 'User' END, true, g % 7 = 0, ${at}, 's' || g
      FROM generate_series(1, 100000) g`.execute(t.db);
    await sql`INSERT INTO comment_threads (parent_comment_id, comment_id) SELECT g % 5000, g FROM generate_series(1, 100000) g`.execute(
      t.db,
    );
    await sql`INSERT INTO reposts (user_id, repost_item_id, repost_type, is_current, is_delete, created_at, txhash)
      SELECT g, g % 30000, 'track', true, g % 9 = 0, ${at}, 'r' || g FROM generate_series(1, 100000) g`.execute(
      t.db,
    );
    await sql`INSERT INTO follows (follower_user_id, followee_user_id, is_current, is_delete, created_at, txhash)
      SELECT g % 20000, g, true, false, ${at}, 'f' || g FROM generate_series(1, 100000) g`.execute(t.db);
    await sql`INSERT INTO saves (user_id, save_item_id, save_type, is_current, is_delete, created_at, txhash)
      SELECT g % 20000, g, 'track', true, false, ${at}, 's' || g FROM generate_series(1, 100000) g`.execute(
      t.db,
    );
    await sql`INSERT INTO events (event_id, event_type, user_id, entity_type, entity_id, created_at, updated_at, txhash, blockhash)
      SELECT g, (CASE WHEN g % 3 = 0 THEN 'remix_contest' ELSE 'live_event' END)::event_type, g % 20000,
             'track'::event_entity_type, g, ${at}, ${at}, 'e', 'b'
      FROM generate_series(1, 100000) g`.execute(t.db);
    await sql`INSERT INTO remixes (parent_track_id, child_track_id) SELECT g % 30000, g FROM generate_series(1, 100000) g`.execute(
      t.db,
    );
    await sql`INSERT INTO comments (comment_id, text, user_id, entity_id, entity_type, created_at, updated_at, txhash, blockhash, blocknumber)
      SELECT g, 'x', g % 20000, g % 30000, 'Track', ${at}, ${at}, 'c', 'b', 1 FROM generate_series(1, 100000) g`.execute(
      t.db,
    );
    await sql`INSERT INTO comment_mentions (comment_id, user_id, created_at, updated_at, txhash, blockhash)
      SELECT g, g % 20000, ${at}, ${at}, 'm', 'b' FROM generate_series(1, 100000) g`.execute(t.db);
    await sql`INSERT INTO muted_users (muted_user_id, user_id, created_at, updated_at, txhash, blockhash)
      SELECT g, g % 20000, ${at}, ${at}, 'mu', 'b' FROM generate_series(1, 100000) g`.execute(t.db);
    await sql`INSERT INTO comment_notification_settings (user_id, entity_id, entity_type, created_at, updated_at)
      SELECT g % 20000, g, 'Track', ${at}, ${at} FROM generate_series(1, 100000) g`.execute(t.db);
    await sql`INSERT INTO users (user_id, is_current, handle, wallet, created_at, updated_at, txhash, blockhash)
      SELECT g, true, 'u' || g, '0x' || lpad(to_hex(g), 40, '0'), ${at}, ${at}, 'u' || g, 'b' FROM generate_series(1, 100000) g`.execute(
      t.db,
    );
    await sql`ANALYZE`.execute(t.db);
  }, 180_000);
  afterAll(async () => t?.close());

  // The lookups 0010's functions run per row (written as they appear there, with constants).
  const LOOKUPS: Readonly<Record<string, string>> = {
    subscriptions: `SELECT array_agg(s.subscriber_id ORDER BY s.subscriber_id) FROM subscriptions s WHERE s.user_id = 4242 AND s.is_current AND NOT s.is_delete`,
    contest_subscriptions: `SELECT s.subscriber_id FROM subscriptions s WHERE s.user_id = 4242 AND s.entity_type = 'Event' AND s.is_current AND NOT s.is_delete`,
    comment_threads: `SELECT 1 FROM comment_threads ct WHERE ct.comment_id = 4242`,
    reposts: `SELECT r.user_id FROM reposts r WHERE r.repost_item_id = 4242 AND r.is_current AND NOT r.is_delete AND EXISTS (SELECT 1 FROM follows f WHERE f.follower_user_id = 7 AND f.followee_user_id = r.user_id AND f.is_current AND NOT f.is_delete)`,
    follows: `SELECT f.follower_user_id FROM follows f WHERE f.followee_user_id = 4242 AND f.is_current AND NOT f.is_delete`,
    saves: `SELECT s.user_id FROM saves s WHERE s.save_item_id = 4242 AND s.save_type = 'track' AND s.is_current AND NOT s.is_delete`,
    events: `SELECT e.event_id FROM events e WHERE e.entity_id = 4242 AND e.event_type = 'remix_contest' AND NOT e.is_deleted`,
    remixes: `SELECT count(*) FROM remixes r JOIN tracks t ON t.track_id = r.child_track_id AND t.is_current WHERE r.parent_track_id = 4242`,
    comments: `SELECT c.user_id FROM comments c WHERE c.comment_id = 4242`,
    comment_mentions: `SELECT 1 FROM comment_mentions m WHERE m.comment_id = 4242 AND m.user_id = 7 AND NOT m.is_delete`,
    muted_users: `SELECT 1 FROM muted_users m WHERE m.user_id = 7 AND m.muted_user_id = 4242 AND NOT m.is_delete`,
    comment_notification_settings: `SELECT 1 FROM comment_notification_settings s WHERE s.user_id = 7 AND s.entity_type = 'Track' AND s.entity_id = 4242 AND s.is_muted`,
    users: `SELECT u.user_id FROM users u WHERE lower(u.wallet) = lower('0xAbC') AND u.is_current`,
  };

  it.each(Object.entries(LOOKUPS))('%s: no Seq Scan', async (_name, q) => {
    const plan = await sql.raw<{ 'QUERY PLAN': string }>(`EXPLAIN ${q}`).execute(t.db);
    const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(text, q).not.toMatch(
      /Seq Scan on (subscriptions|comment_threads|reposts|follows|saves|events|remixes|comments|comment_mentions|muted_users|comment_notification_settings|users)\b/,
    );
  });
});

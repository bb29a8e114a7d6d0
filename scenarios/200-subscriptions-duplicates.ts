// go-openaudio #200 / #335: subscriptions had no unique constraint, and the two-step demote-then-insert
// write let two writers (our indexer and the legacy one) each leave a current row for the same pair.
// Ours: a partial unique index (one current row per pair) and a single upsert statement.
import pg from 'pg';
import type { Scenario, ScenarioEnv, ScenarioResult } from './scenario.js';

const PAIRS = 20;

type Step = (c: pg.Client, subscriber: number, user: number, txhash: string) => Promise<void>;

/** The statement the Subscribe/Follow handlers issue (src/entity-manager/handlers/social.ts). */
const upsert: Step = async (c, s, u, tx) => {
  await c.query(
    `INSERT INTO subscriptions (blockhash, blocknumber, txhash, subscriber_id, user_id, entity_type, entity_id, is_current, is_delete, created_at)
     VALUES ('h', 1, $3, $1, $2, 'User', $2, true, false, '2025-01-01')
     ON CONFLICT (subscriber_id, user_id, entity_type) WHERE is_current
     DO UPDATE SET is_delete = false, txhash = excluded.txhash`,
    [s, u, tx],
  );
};

/** v1: demote, then insert a new current row (both writers, no unique index). */
const demote: Step = async (c, s, u) => {
  await c.query(
    'UPDATE subscriptions SET is_current = false WHERE subscriber_id = $1 AND user_id = $2 AND is_current',
    [s, u],
  );
};
const insert: Step = async (c, s, u, tx) => {
  await c.query(
    `INSERT INTO subscriptions (blockhash, blocknumber, txhash, subscriber_id, user_id, entity_type, entity_id, is_current, is_delete, created_at)
     VALUES ('h', 1, $3, $1, $2, 'User', $2, true, false, '2025-01-01')`,
    [s, u, tx],
  );
};

async function run(env: ScenarioEnv, bug: boolean): Promise<ScenarioResult> {
  const h = await env.freshDb();
  const [a, b] = [new pg.Client({ connectionString: h.url }), new pg.Client({ connectionString: h.url })];
  await a.connect();
  await b.connect();
  try {
    if (bug) await a.query('DROP INDEX subscriptions_current_uniq');
    for (let i = 0; i < PAIRS; i++) {
      const [s, u] = [3_000_000 + i, 3_100_000 + i];
      // Interleaving: both writers open their transaction and do their first step before either commits.
      await a.query('BEGIN');
      await b.query('BEGIN');
      if (bug) {
        await demote(a, s, u, 'ours');
        await demote(b, s, u, 'legacy');
        await insert(a, s, u, `ours-${i}`);
        await insert(b, s, u, `legacy-${i}`);
        await a.query('COMMIT');
        await b.query('COMMIT');
      } else {
        await upsert(a, s, u, `ours-${i}`);
        // The legacy writer's upsert waits on the unique index until ours commits, then updates that row.
        const second = upsert(b, s, u, `legacy-${i}`);
        await a.query('COMMIT');
        await second;
        await b.query('COMMIT');
      }
    }
    const dup = await a.query<{ subscriber_id: number; user_id: number; n: string }>(
      `SELECT subscriber_id, user_id, count(*) AS n FROM subscriptions WHERE is_current GROUP BY 1, 2 HAVING count(*) > 1 ORDER BY 1`,
    );
    return {
      violations: dup.rows.map((r) => ({
        invariant: 'one-current-row-per-pair',
        message: `subscriptions (${r.subscriber_id} → ${r.user_id}) has ${r.n} current rows`,
      })),
      figures: { pairs: PAIRS, duplicatePairs: dup.rows.length },
    };
  } finally {
    await a.end();
    await b.end();
    await h.close();
  }
}

export const scenario: Scenario = {
  id: '200-subscriptions',
  title: 'concurrent follow/subscribe from both writers',
  needsPostgres: true,
  ours: (env) => run(env, false),
  bugs: [
    {
      name: 'no unique index, demote-then-insert by both writers',
      catches: 'one-current-row-per-pair',
      run: (env) => run(env, true),
    },
  ],
};

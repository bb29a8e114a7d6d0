// api #880: every completed challenge fired a trigger whose cooldown check `new.user_id = ANY(user_ids)`
// seq-scanned the 8 GB notification table (13.6 s a call); GIN cannot serve `= ANY`. The fix: a partial
// GIN on notification(user_ids) WHERE type='reward_in_cooldown' and the predicate `user_ids @> ARRAY[…]`.
import { type Kysely, sql } from 'kysely';
import { cooldownProbe, loadNotifications } from '../bench/challenges.js';
import { loadBudgets, triggerLatencyBudget } from '../sim/invariants-challenges.js';
import type { Database } from '../src/db/schema.js';
import { filledDb } from './filled-db.js';
import type { Scenario, ScenarioEnv, ScenarioResult } from './scenario.js';

const ROWS = 1_000_000;

/** The mistake as a migration variant: the same trigger function with the `= ANY` predicate. */
async function anyPredicate(db: Kysely<Database>): Promise<void> {
  const def = await sql<{
    d: string;
  }>`SELECT pg_get_functiondef('handle_on_user_challenge'::regproc) AS d`.execute(db);
  const body = def.rows[0]!.d;
  const buggy = body.replaceAll('user_ids @> ARRAY[new.user_id]', 'new.user_id = ANY(user_ids)');
  if (buggy === body) throw new Error('scenario 880: the trigger has no @> probe to rewrite');
  await sql.raw(buggy).execute(db);
}

async function run(
  env: ScenarioEnv,
  variant?: (db: Kysely<Database>) => Promise<void>,
): Promise<ScenarioResult> {
  const t0 = performance.now();
  // Loaded once for both runs (the bug run rewrites the trigger in its own copy).
  const h = await filledDb(env, 'notification_1m', (db) => loadNotifications(db, ROWS));
  const setupMs = performance.now() - t0;
  try {
    const db = h.db;
    await sql`INSERT INTO tracks (track_id, is_current, owner_id, created_at, updated_at) VALUES (1, true, 1, '2025-01-01', '2025-01-01')`.execute(
      db,
    );
    await variant?.(db);
    const gin = await cooldownProbe(db, 'gin', 50);
    const any = await cooldownProbe(db, 'any', 5);
    // A burst of completed challenges with cooldown, measured on the real trigger.
    const { measured, violations } = await triggerLatencyBudget(db, {
      ...loadBudgets(),
      sampleRows: variant ? 20 : 100,
    });
    return {
      violations,
      figures: {
        notificationRows: ROWS,
        setupMs: Math.round(setupMs),
        probeContainsMsPerRow: gin.meanMs,
        probeContainsPlan: gin.plan,
        probeAnyMsPerRow: any.meanMs,
        probeAnyPlan: any.plan,
        onUserChallengeMsPerRow: measured.onUserChallengeMsPerRow,
      },
    };
  } finally {
    await h.close();
  }
}

export const scenario: Scenario = {
  id: '880',
  title: 'cooldown probe over 1,000,000 notification rows: `@>` with the partial GIN vs `= ANY`',
  needsPostgres: true,
  ours: (env) => run(env),
  bugs: [
    {
      name: 'cooldown probe written with = ANY(user_ids)',
      catches: 'trigger-latency-budget',
      run: (env) => run(env, anyPredicate),
    },
  ],
};

// api #885: with halt-on-error on, the indexer crashed on every block because the legacy writer had
// already written the same plays and the bridge had no ON CONFLICT. Before that, errors were swallowed
// and the gap stayed silent.
import { sql } from 'kysely';
import { runSimulation, type SimOptions } from '../sim/run.js';
import { lockPlaysForBridge, type PlaysHook } from '../src/indexer/plays-bridge.js';
import type { Scenario, ScenarioEnv } from './scenario.js';

const options = (env: ScenarioEnv): SimOptions => ({
  seed: 885,
  blocks: 200,
  db: env.db,
  legacyWriter: true,
  faults: false,
  hostileShare: 0.05,
  equivalence: false,
});

/**
 * The bridge as first shipped: no ON CONFLICT, against a database whose unique key on the play's content
 * turned the legacy writer's row into a duplicate-key error. That index is gone (0008: plays are a
 * multiset), so the hook raises the error the index raised; it marks its transaction as the bridge's so
 * the guard trigger does not quietly repair it.
 */
const noOnConflict: PlaysHook = async (db, input) => {
  if (input.plays.length === 0) return { inserted: 0 };
  await lockPlaysForBridge(db);
  for (const r of input.plays) {
    const clash = await sql`
      SELECT 1 FROM plays WHERE play_item_id = ${r.trackId!} AND created_at = ${r.play.timestamp}::timestamptz AT TIME ZONE 'UTC'
        AND signature IS NOT DISTINCT FROM ${r.play.signature} AND user_id IS NOT DISTINCT FROM ${r.userId}
        AND slot <> ${input.blockHeight} LIMIT 1`.execute(db);
    if (clash.rows.length > 0)
      throw Object.assign(
        new Error('duplicate key value violates unique constraint "plays_natural_key_uniq"'),
        {
          code: '23505',
        },
      );
    await sql`INSERT INTO plays (user_id, source, play_item_id, created_at, updated_at, slot, signature, city, region, country)
              VALUES (${r.userId}, 'relay', ${r.trackId!}, ${r.play.timestamp}::timestamptz AT TIME ZONE 'UTC',
                      ${input.blockTime}::timestamptz AT TIME ZONE 'UTC', ${input.blockHeight}, ${r.play.signature},
                      ${r.play.city}, ${r.play.region}, ${r.play.country})`.execute(db);
  }
  return { inserted: input.plays.length };
};

/** The earlier behaviour: the same bridge, its error logged and swallowed inside a savepoint. */
const swallowed: PlaysHook = async (db, input) => {
  await sql`SAVEPOINT plays_hook`.execute(db);
  try {
    const r = await noOnConflict(db, input);
    await sql`RELEASE SAVEPOINT plays_hook`.execute(db);
    return r;
  } catch {
    await sql`ROLLBACK TO SAVEPOINT plays_hook`.execute(db);
    return { inserted: 0 };
  }
};

export const scenario: Scenario = {
  id: '885',
  title: 'the legacy writer writes the same plays first (dual-writer collision)',
  needsPostgres: false,
  ours: async (env) => {
    const { report } = await runSimulation(options(env));
    const violations = [...report.violations];
    if (report.playCollisions === 0)
      violations.push({
        invariant: 'scenario-setup',
        message: 'the legacy writer never collided with the indexer',
      });
    return { violations, figures: { playCollisions: report.playCollisions, legacy: report.legacy } };
  },
  bugs: [
    {
      name: 'bridge without ON CONFLICT (halt policy)',
      catches: 'liveness',
      run: async (env) => (await runSimulation(options(env), { playsHook: noOnConflict })).report,
    },
    {
      name: 'bridge error swallowed (silent gap)',
      catches: 'atomic-plays',
      // The bridge first collides with the legacy writer at height 40 (seed 885): from that block on a play
      // is lost, so the run stops at 50. All 200 blocks took 5x the CPU for the same violations (the bug's
      // row-by-row bridge met 2,201 collisions), since a later loss adds nothing to what is caught.
      run: async (env) =>
        (await runSimulation({ ...options(env), blocks: 50 }, { playsHook: swallowed })).report,
    },
  ],
};

// api #885: with halt-on-error on, the indexer crashed on every block because the legacy writer had
// already written the same plays and the bridge had no ON CONFLICT. Before that, errors were swallowed
// and the gap stayed silent.
import { sql } from 'kysely';
import { runSimulation, type SimOptions } from '../sim/run.js';
import type { PlaysHook } from '../src/indexer/plays-bridge.js';
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

/** The bridge as first shipped: one multi-row INSERT, no ON CONFLICT. */
const noOnConflict: PlaysHook = async (db, input) => {
  if (input.plays.length === 0) return { inserted: 0 };
  for (const r of input.plays) {
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
      run: async (env) => (await runSimulation(options(env), { playsHook: swallowed })).report,
    },
  ],
};

// api #881: on-chain plays went only to etl_plays; nothing bridged them into `plays`. The legacy writer
// kept MAX(blocks.number) moving, so a block-progress check stayed green while plays were lost.

import { runSimulation, type SimOptions, type SimResult } from '../sim/run.js';
import type { PlaysHook } from '../src/indexer/plays-bridge.js';
import type { Scenario, ScenarioEnv } from './scenario.js';

const options = (env: ScenarioEnv): SimOptions => ({
  seed: 881,
  blocks: 200,
  db: env.db,
  legacyWriter: true,
  faults: false,
  hostileShare: 0.05,
  equivalence: false,
});

/**
 * Our run, once per database server: a run is a pure function of its options, and the bug run compares
 * its block progress with ours (the ours test and the bug test would otherwise run it twice).
 */
const oursRuns = new Map<string, Promise<SimResult>>();
function oursRun(env: ScenarioEnv): Promise<SimResult> {
  let r = oursRuns.get(env.db);
  if (!r) {
    r = runSimulation(options(env));
    oursRuns.set(env.db, r);
  }
  return r;
}

/** The original mistake: the plays hook is registered but writes nothing. */
const writesNothing: PlaysHook = async () => ({ inserted: 0 });

export const scenario: Scenario = {
  id: '881',
  title: 'plays not bridged while the legacy writer keeps block progress moving',
  needsPostgres: false,
  ours: async (env) => (await oursRun(env)).report,
  bugs: [
    {
      name: 'plays hook that writes nothing',
      catches: 'no-masked-loss',
      run: async (env) => {
        const { report } = await oursRun(env);
        const bug = await runSimulation(options(env), { playsHook: writesNothing });
        // What the old block_diff check saw: block progress — identical in both runs.
        return {
          violations: bug.report.violations,
          figures: {
            blockProgressOurs: report.digest.blocks,
            blockProgressBug: bug.report.digest.blocks,
            blockProgressCheckGreen:
              JSON.stringify(report.digest.blocks) === JSON.stringify(bug.report.digest.blocks),
          },
        };
      },
    },
  ],
};

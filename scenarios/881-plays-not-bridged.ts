// api #881: on-chain plays went only to etl_plays; nothing bridged them into `plays`. The legacy writer
// kept MAX(blocks.number) moving, so a block-progress check stayed green while plays were lost.

import { runSimulation, type SimOptions } from '../sim/run.js';
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

/** The original mistake: the plays hook is registered but writes nothing. */
const writesNothing: PlaysHook = async () => ({ inserted: 0 });

export const scenario: Scenario = {
  id: '881',
  title: 'plays not bridged while the legacy writer keeps block progress moving',
  needsPostgres: false,
  ours: async (env) => (await runSimulation(options(env))).report,
  bugs: [
    {
      name: 'plays hook that writes nothing',
      catches: 'no-masked-loss',
      run: async (env) => {
        const { report } = await runSimulation(options(env));
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

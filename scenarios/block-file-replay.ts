// A scenario built from a block file: a generated chain saved with `pnpm sim --seed 3 --blocks 120
// --save-blocks` (scenarios/data/seed-3-120.jsonl.gz), replayed through the production file reader with
// the legacy writer racing. Captured incident files plug in the same way.

import { runSimulation, type SimOptions } from '../sim/run.js';
import type { PlaysHook } from '../src/indexer/plays-bridge.js';
import type { Scenario, ScenarioEnv } from './scenario.js';

export const BLOCK_FILE = 'scenarios/data/seed-3-120.jsonl.gz';

const options = (env: ScenarioEnv): SimOptions => ({
  seed: 3,
  blocks: 120,
  db: env.db,
  legacyWriter: true,
  faults: false,
  hostileShare: 0.1,
  equivalence: false,
  source: `file:${BLOCK_FILE}`,
});

const writesNothing: PlaysHook = async () => ({ inserted: 0 });

export const scenario: Scenario = {
  id: 'block-file',
  title: 'replay of a saved block file with the legacy writer racing',
  needsPostgres: false,
  ours: async (env) => {
    const { report } = await runSimulation(options(env));
    return {
      violations: report.violations,
      figures: { blocks: report.blocks, txs: report.txs, plays: report.plays },
    };
  },
  bugs: [
    {
      name: 'plays hook that writes nothing',
      catches: 'atomic-plays',
      run: async (env) => (await runSimulation(options(env), { playsHook: writesNothing })).report,
    },
  ],
};

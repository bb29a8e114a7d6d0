// Every regression scenario, by id (`pnpm sim --scenario <id>`).
import { scenario as playsMultiset } from './17-plays-multiset.js';
import { scenario as emBlock } from './200-em-block-sequencing.js';
import { scenario as subscriptions } from './200-subscriptions-duplicates.js';
import { scenario as fullScan } from './877-challenge-full-scan-wedge.js';
import { scenario as ginAny } from './880-gin-any-vs-contains.js';
import { scenario as notBridged } from './881-plays-not-bridged.js';
import { scenario as dualWriter } from './885-dual-writer-halt.js';
import { scenario as blockFile } from './block-file-replay.js';
import { scenario as crashMatrix } from './crash-matrix.js';
import type { Scenario } from './scenario.js';

export const SCENARIOS: readonly Scenario[] = [
  emBlock,
  subscriptions,
  fullScan,
  ginAny,
  notBridged,
  dualWriter,
  crashMatrix,
  blockFile,
  playsMultiset,
];

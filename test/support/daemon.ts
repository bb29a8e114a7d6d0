// Helpers for tests that drive the built daemon: poll its metrics, wait for a condition, and index the
// same simulated chain in-process for the undisturbed reference.
import type { Kysely } from 'kysely';
import { SIM_CHAIN_ID, type SimChain } from '../../sim/chain.js';
import { SimClock } from '../../sim/clock.js';
import type { BlockSource } from '../../src/chain/block-source.js';
import { decodeGetBlockResponse } from '../../src/chain/decode.js';
import type { Database } from '../../src/db/schema.js';
import { silentLogger } from '../../src/deps/logger.js';
import { productionDispatcher } from '../../src/entity-manager/registry.js';
import { runIndexer } from '../../src/indexer/run.js';

export async function metric(port: number, name: string): Promise<number | undefined> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return line ? Number(line.split(' ')[1]) : undefined;
  } catch {
    return undefined;
  }
}

export async function until(f: () => Promise<boolean>, ms = 90_000): Promise<void> {
  const t0 = Date.now();
  while (!(await f())) {
    if (Date.now() - t0 > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The undisturbed reference: the whole chain indexed in-process. */
export async function indexReference(db: Kysely<Database>, chain: SimChain): Promise<void> {
  const source: BlockSource = {
    chainId: async () => SIM_CHAIN_ID,
    fetch: async (h) => {
      if (h > chain.length) return { status: 'end' };
      const d = decodeGetBlockResponse(chain.responseFor(h), h);
      return d.status === 'block' ? d : { status: 'end' };
    },
  };
  await runIndexer({
    db,
    source,
    deps: { chainId: SIM_CHAIN_ID, dispatcher: productionDispatcher(), logger: silentLogger },
    clock: new SimClock(),
  });
}

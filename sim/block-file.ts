// The simulated chain written as a block file (docs/block-files.md): one GetBlock response per line,
// exactly the JSON the simulator's RPC server sends, so a simulated run can be replayed by the daemon.

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { SimChain } from './chain.js';

export async function saveBlocks(chain: SimChain, path: string): Promise<number> {
  const out = createWriteStream(path);
  for (let h = 1; h <= chain.length; h++) {
    if (!out.write(`${JSON.stringify(chain.responseFor(h))}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return chain.length;
}

// Seeded benchmark workloads as decoded blocks: the generators are the simulator's, the mix is the
// workload's. Generated before timing starts, so generation never counts as indexing.
import { createHash } from 'node:crypto';
import { SIM_GENESIS_MS } from '../sim/clock.js';
import { Rng } from '../sim/rng.js';
import { type Draft, GENERATORS } from '../sim/txgen/index.js';
import { World } from '../sim/world.js';
import type { BlockSource } from '../src/chain/block-source.js';
import type { Block, ManageEntityTx, Play, PlaysTx, Tx } from '../src/chain/types.js';

export type WorkloadName = 'mainnet-like' | 'plays-heavy' | 'em-heavy';

interface Mix {
  /** Per block: how many ManageEntity txs and plays. */
  readonly em: (r: Rng) => number;
  readonly plays: (r: Rng) => number;
}

const MIXES: Record<WorkloadName, Mix> = {
  // Most blocks empty, some plays, few ManageEntity txs.
  'mainnet-like': {
    em: (r) => (r.chance(0.03) ? r.int(1, 3) : 0),
    plays: (r) => (r.chance(0.15) ? r.int(1, 6) : 0),
  },
  'plays-heavy': { em: (r) => (r.chance(0.05) ? 1 : 0), plays: (r) => r.int(200, 500) },
  'em-heavy': { em: (r) => r.int(20, 50), plays: (r) => (r.chance(0.3) ? r.int(1, 10) : 0) },
};

/** The handlers EM-heavy exercises; all signed by the user's own wallet so they apply. */
const EM_KEYS = new Set([
  'User:Create',
  'Track:Create',
  '*:Follow',
  '*:Save',
  '*:Repost',
  'User:Update',
  'Playlist:Create',
]);

const sha = (...p: (string | number)[]) => createHash('sha256').update(p.join('|')).digest('hex');

export function generateWorkload(name: WorkloadName, blocks: number, seed = 9): Block[] {
  return [...workloadBlocks(name, blocks, seed)];
}

/** The same blocks one at a time, for runs too long to hold in memory (the 200,000-block decay run). */
export function* workloadBlocks(name: WorkloadName, blocks: number, seed = 9): Generator<Block> {
  const mix = MIXES[name];
  const world = World.create(seed);
  const r = Rng.stream(seed, `bench-${name}`);
  const gens = GENERATORS.filter((g) => EM_KEYS.has(g.key));
  for (let h = 1; h <= blocks; h++) {
    const time = new Date(SIM_GENESIS_MS + h * 1000).toISOString();
    const txs: Tx[] = [];
    // A population to act on: the first blocks create users and tracks.
    const emCount = h <= 5 ? 40 : mix.em(r);
    for (let i = 0; i < emCount; i++) {
      const g =
        h <= 5
          ? i % 2 === 0
            ? gens[0]!
            : gens.find((x) => x.key === 'Track:Create')!
          : r.weighted(gens.map((x) => [x, x.weight] as const));
      const d = g.gen({ world, rng: r, height: h, time });
      if (d) txs.push(emTx(d, h, txs.length));
    }
    const n = mix.plays(r);
    if (n > 0 && world.tracks.length > 0) txs.push(playsTx(world, r, n, h, txs.length, time));
    yield {
      height: h,
      hash: sha(seed, name, 'block', h),
      chainId: 'metronome-bench',
      proposer: sha('p', h % 5).slice(0, 40),
      timestamp: time,
      txs,
    };
  }
}

/** A workload as a block source, generated as the indexer asks: a 200,000-block run never sits in memory. */
export function workloadSource(name: WorkloadName, total: number, chainId: string): BlockSource {
  const gen = workloadBlocks(name, total);
  const ready = new Map<number, Block>();
  let generated = 0;
  return {
    chainId: async () => chainId,
    fetch: async (h) => {
      while (generated < h) {
        const b = gen.next();
        if (b.done) break;
        ready.set(b.value.height, b.value);
        generated++;
      }
      const block = ready.get(h);
      ready.delete(h);
      return block ? { status: 'block', block, chainHead: total } : { status: 'end' };
    },
  };
}

function emTx(d: Draft, h: number, i: number): ManageEntityTx {
  const metadata =
    d.metadata === undefined
      ? ''
      : typeof d.metadata === 'string'
        ? d.metadata
        : JSON.stringify({ cid: 'bafy', data: d.metadata });
  return {
    kind: 'manage_entity',
    hash: sha('em', h, i),
    migration: false,
    manageEntity: {
      userId: String(d.userId),
      entityType: d.entityType,
      entityId: String(d.entityId),
      action: d.action,
      metadata,
      signature: `0x${sha('sig', h, i)}`,
      signer: d.signer,
      nonce: `0x${sha('n', h, i)}`,
    },
  };
}

function playsTx(world: World, r: Rng, n: number, h: number, i: number, time: string): PlaysTx {
  const base = Date.parse(time);
  const plays: Play[] = [];
  for (let j = 0; j < n; j++) {
    const t = world.tracks[r.powerLaw(world.tracks.length)]!;
    const u =
      world.users.length > 0 && r.chance(0.7)
        ? String(world.users[r.powerLaw(world.users.length)]!.id)
        : '0xnode';
    plays.push({
      userId: u,
      trackId: String(t.id),
      timestamp: new Date(base - r.int(1, 60_000)).toISOString(),
      signature: `0x${sha('play', h, i, j)}`,
      city: 'Denver',
      region: 'CO',
      country: 'US',
    });
  }
  return { kind: 'plays', hash: sha('plays', h, i), plays };
}

export function countTxs(blocks: readonly Block[]): { txs: number; em: number; plays: number } {
  let txs = 0;
  let em = 0;
  let plays = 0;
  for (const b of blocks) {
    txs += b.txs.length;
    for (const t of b.txs) {
      if (t.kind === 'manage_entity') em++;
      if (t.kind === 'plays') plays += t.plays.length;
    }
  }
  return { txs, em, plays };
}

// pnpm bench, tip section (or alone: tsx bench/tip.ts [--quick]): how long a block the node has just
// produced waits before metronome_indexed_height reaches it. The simulated node (sim/rpc-server.ts) makes
// one block available every 1 s and every 4 s, stamped with the moment it appears; the indexer follows it
// over the production RPC path. Both figures are reported: the latency seen from outside (available →
// committed, what an operator waits) and the daemon's own histogram (block timestamp → committed).
import { pathToFileURL } from 'node:url';
import { SIM_CHAIN_ID, SimChain } from '../sim/chain.js';
import { createDatabase } from '../sim/database.js';
import { startEphemeralPostgres } from '../sim/ephemeral-postgres.js';
import { startRpcServer } from '../sim/rpc-server.js';
import { rpcSource } from '../src/chain/rpc-source.js';
import type { WireGetBlockResponse } from '../src/chain/wire.js';
import { connect } from '../src/db/connect.js';
import { migrate } from '../src/db/migrate.js';
import { systemClock } from '../src/deps/clock.js';
import { silentLogger } from '../src/deps/logger.js';
import { productionDispatcher } from '../src/entity-manager/registry.js';
import { runIndexer } from '../src/indexer/run.js';
import { mergeObservers } from '../src/ops/log-observer.js';
import { createMetrics } from '../src/ops/metrics.js';

/** Blocks already there when the indexer starts (it catches up first); not measured. */
const WARMUP = 3;

const pct = (xs: readonly number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const round = (n: number) => Math.round(n * 10) / 10;

export interface TipFigures {
  readonly blockTimeMs: number;
  readonly blocks: number;
  /** Available at the node → committed, measured outside the daemon. */
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Of which indexing the block (its transaction), the median. */
  readonly indexP50Ms: number;
  /** metronome_tip_latency_seconds: its observation count and its mean. */
  readonly metricCount: number;
  readonly metricMeanMs: number;
}

async function followTip(serverUrl: string, blockTimeMs: number, blocks: number): Promise<TipFigures> {
  const total = WARMUP + blocks;
  const chain = new SimChain({ seed: 19, blocks: total });
  const availableAt = new Map<number, number>();
  const stamped = new Map<number, WireGetBlockResponse>();
  let produced = 0;
  const produce = () => {
    produced++;
    const r = chain.responseFor(produced);
    // The production timestamp is the moment the node has the block, as the metric assumes; the head it
    // reports is itself (the simulated chain's answers name its full length).
    // At most 12 txs, as the live section's blocks: the figure is about waiting, not about large blocks.
    const txs = Array.isArray(r.block?.transactions) ? r.block.transactions.slice(0, 12) : [];
    stamped.set(produced, {
      block: { ...r.block, transactions: txs, timestamp: new Date().toISOString() },
      currentHeight: String(produced),
    });
    availableAt.set(produced, performance.now());
  };
  for (let i = 0; i < WARMUP; i++) produce();
  const node = await startRpcServer((h) => (h <= produced ? stamped.get(h) : undefined), {
    chainId: SIM_CHAIN_ID,
    head: () => produced,
  });
  const url = await createDatabase(serverUrl, `bench_tip_${blockTimeMs}`);
  const h = await connect(url, { poolSize: 2 });
  await migrate(h.db);
  const metrics = createMetrics({ processMetrics: false });
  const committedAt = new Map<number, number>();
  const indexMs = new Map<number, number>();
  const timer = setInterval(() => {
    if (produced < total) produce();
  }, blockTimeMs);
  try {
    await runIndexer({
      db: h.db,
      source: rpcSource(node.url),
      deps: { chainId: SIM_CHAIN_ID, dispatcher: productionDispatcher(), logger: silentLogger },
      clock: systemClock,
      endHeight: total,
      observer: mergeObservers(metrics.observer, {
        onBlock: ({ stats, durationMs }) => {
          committedAt.set(stats.height, performance.now());
          indexMs.set(stats.height, durationMs);
        },
      }),
    });
  } finally {
    clearInterval(timer);
    await node.close();
    await h.close();
  }
  const latencies: number[] = [];
  const indexing: number[] = [];
  for (let height = WARMUP + 1; height <= total; height++) {
    latencies.push(committedAt.get(height)! - availableAt.get(height)!);
    indexing.push(indexMs.get(height)!);
  }
  const text = await metrics.registry.metrics();
  const read = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  const count = read('metronome_tip_latency_seconds_count');
  const sum = read('metronome_tip_latency_seconds_sum');
  return {
    blockTimeMs,
    blocks: latencies.length,
    p50Ms: round(pct(latencies, 50)),
    p90Ms: round(pct(latencies, 90)),
    p99Ms: round(pct(latencies, 99)),
    maxMs: round(Math.max(...latencies)),
    indexP50Ms: round(pct(indexing, 50)),
    metricCount: count,
    metricMeanMs: count > 0 ? round((sum / count) * 1000) : 0,
  };
}

/** Both block times at once (each mostly waits for its node), 30 measured blocks each. */
export async function tipSection(serverUrl: string, blocks = 30): Promise<string> {
  const figures = await Promise.all([1000, 4000].map((ms) => followTip(serverUrl, ms, blocks)));
  return `tip ${JSON.stringify(figures)}`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const server = await startEphemeralPostgres({ durable: true });
  try {
    process.stdout.write(`${await tipSection(server.url)}\n`);
  } finally {
    await server.stop();
  }
}

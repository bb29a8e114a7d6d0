// Prometheus metrics (prom-client), all prefixed metronome_, fed from the run loop's observer.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { RunObserver } from '../indexer/run.js';

export interface Metrics {
  readonly registry: Registry;
  readonly observer: RunObserver;
  /** The run loop is running (database migrated, lock held, node answered) and not shutting down. */
  ready: boolean;
  /** The node's tip from GetStatus, before any block carried one. */
  setChainHead(height: number): void;
  /** Round trips to the database so far (DbHandle.roundTrips), read at each scrape. */
  watchRoundTrips(read: () => number): void;
}

export function createMetrics(opts: { processMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  // Process figures (RSS, heap, event-loop lag, GC) under the same prefix: metronome_process_resident_memory_bytes…
  if (opts.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'metronome_' });
  const indexed = new Gauge({
    name: 'metronome_indexed_height',
    help: 'last chain height committed',
    registers: [registry],
  });
  const head = new Gauge({
    name: 'metronome_chain_head',
    help: 'chain tip as last reported by the node',
    registers: [registry],
  });
  const lag = new Gauge({
    name: 'metronome_lag_blocks',
    help: 'chain head minus indexed height',
    registers: [registry],
  });
  const blocks = new Counter({
    name: 'metronome_blocks_indexed_total',
    help: 'blocks committed by this process',
    registers: [registry],
  });
  const prefetch = new Gauge({
    name: 'metronome_prefetch_depth',
    help: 'blocks fetched ahead and waiting to be indexed',
    registers: [registry],
  });
  const txs = new Counter({
    name: 'metronome_txs_total',
    help: 'chain txs by outcome',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const collisions = new Counter({
    name: 'metronome_play_collisions_total',
    help: 'plays another writer had already inserted',
    registers: [registry],
  });
  const plays = new Counter({
    name: 'metronome_plays_total',
    help: 'plays by fate',
    labelNames: ['fate'],
    registers: [registry],
  });
  const gaps = new Counter({
    name: 'metronome_block_gaps_total',
    help: 'heights recorded in metronome_block_gaps (record-and-continue, or skipped with --allow-gap)',
    registers: [registry],
  });
  let readTrips: (() => number) | undefined;
  let reportedTrips = 0;
  new Counter({
    name: 'metronome_db_round_trips_total',
    help: 'messages sent to the database, each waiting for its answer (several statements may travel in one)',
    registers: [registry],
    collect() {
      if (readTrips === undefined) return;
      const n = readTrips();
      // A new handle (after a reconnect) counts from zero again.
      this.inc(n >= reportedTrips ? n - reportedTrips : n);
      reportedTrips = n;
    },
  });
  const retries = new Counter({
    name: 'metronome_retries_total',
    help: 'retries by kind',
    labelNames: ['kind'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'metronome_block_duration_seconds',
    help: 'time to index one block (group commits are divided evenly)',
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const tipLatency = new Histogram({
    name: 'metronome_tip_latency_seconds',
    help: 'at the tip: block timestamp (the node has the block) to the block committed; skewed by the clock difference between node and indexer',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  let lastHead: number | undefined;
  const metrics: Metrics = {
    registry,
    ready: false,
    watchRoundTrips(read) {
      readTrips = read;
      reportedTrips = 0;
    },
    setChainHead(height) {
      lastHead = height;
      head.set(height);
    },
    observer: {
      onStart() {
        metrics.ready = true;
      },
      onBlock({ stats, durationMs, chainHead, prefetchDepth, tipLatencyMs }) {
        indexed.set(stats.height);
        blocks.inc();
        prefetch.set(prefetchDepth);
        // The latest tip the node reported, not the highest ever: one bogus huge head (a node behind a load
        // balancer, a node bug) must not pin the gauge and the lag forever. The node leaves currentHeight
        // unset on some answers: then keep the last tip we heard of.
        if (chainHead !== undefined) lastHead = chainHead;
        if (lastHead !== undefined) {
          head.set(lastHead);
          lag.set(Math.max(0, lastHead - stats.height));
        }
        for (const o of ['applied', 'rejected', 'failed', 'unrouted'] as const)
          if (stats[o] > 0) txs.inc({ outcome: o }, stats[o]);
        if (stats.playCollisions > 0) collisions.inc(stats.playCollisions);
        if (stats.playsBridged > 0) plays.inc({ fate: 'bridged' }, stats.playsBridged);
        if (stats.playsSkipped > 0) plays.inc({ fate: 'skipped' }, stats.playsSkipped);
        duration.observe(durationMs / 1000);
        // A node clock ahead of ours would make it negative: counted as instant rather than dropped.
        if (tipLatencyMs !== undefined) tipLatency.observe(Math.max(0, tipLatencyMs) / 1000);
      },
      onFetchRetry: (_h, reason) => retries.inc({ kind: reason === 'error' ? 'rpc' : 'not-yet' }),
      onBlockRetry: () => retries.inc({ kind: 'block' }),
      onGroupFallback: () => retries.inc({ kind: 'group' }),
      onGap: () => gaps.inc(),
      onSkippedRange: ({ from, to }) => gaps.inc(to - from + 1),
    },
  };
  return metrics;
}

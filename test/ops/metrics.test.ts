// The chain-head gauge follows the node's latest head (it must come down after one bogus huge head), and
// the metrics server listens on loopback unless told otherwise.
import { networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { BlockStats } from '../../src/indexer/index-block.js';
import { startOpsServer } from '../../src/ops/http.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { BlockError } from '../../src/shared/errors.js';

const stats = (height: number): BlockStats => ({
  height,
  emBlock: null,
  txs: 0,
  emTxs: 0,
  applied: 0,
  rejected: 0,
  failed: 0,
  unrouted: 0,
  plays: 0,
  playsBridged: 0,
  playsSkipped: 0,
  playCollisions: 0,
  reasons: {},
});

async function gauge(m: ReturnType<typeof createMetrics>, name: string): Promise<number> {
  const v = (await m.registry.getSingleMetric(name)?.get())?.values[0]?.value;
  if (v === undefined) throw new Error(`no ${name}`);
  return v;
}

describe('metrics', () => {
  it('metronome_db_round_trips_total follows the handle it watches, and a new handle adds from zero', async () => {
    const m = createMetrics({ processMetrics: false });
    let trips = 0;
    m.watchRoundTrips(() => trips);
    trips = 7;
    expect(await gauge(m, 'metronome_db_round_trips_total')).toBe(7);
    trips = 12;
    expect(await gauge(m, 'metronome_db_round_trips_total')).toBe(12);
    let fresh = 3;
    m.watchRoundTrips(() => fresh);
    expect(await gauge(m, 'metronome_db_round_trips_total')).toBe(15);
    fresh = 4;
    expect(await gauge(m, 'metronome_db_round_trips_total')).toBe(16);
  });

  it('a group that falls back to one block at a time counts as metronome_retries_total{kind="group"}', async () => {
    const m = createMetrics({ processMetrics: false });
    m.observer.onGroupFallback?.({ from: 5, to: 9, error: new Error('x') });
    m.observer.onBlockRetry?.(new BlockError(6, true, new Error('y')), 1, 200);
    const values = (await m.registry.getSingleMetric('metronome_retries_total')?.get())?.values ?? [];
    const byKind = Object.fromEntries(values.map((v) => [String(v.labels.kind), v.value]));
    expect(byKind).toEqual({ group: 1, block: 1 });
  });

  it('metronome_chain_head comes down after one bogus huge head, and the lag with it', async () => {
    const m = createMetrics({ processMetrics: false });
    const block = (height: number, chainHead: number | undefined) =>
      m.observer.onBlock?.({ stats: stats(height), durationMs: 1, chainHead, prefetchDepth: 0 });
    block(10, 100);
    block(11, 9_000_000_000);
    expect(await gauge(m, 'metronome_chain_head')).toBe(9_000_000_000);
    block(12, 101);
    expect(await gauge(m, 'metronome_chain_head')).toBe(101);
    expect(await gauge(m, 'metronome_lag_blocks')).toBe(89);
    // An answer without a head keeps the last one heard.
    block(13, undefined);
    expect(await gauge(m, 'metronome_chain_head')).toBe(101);
  });

  it('the ops server binds 127.0.0.1 by default, not every interface', async () => {
    const server = await startOpsServer(0, createMetrics({ processMetrics: false }));
    try {
      const at = server.address();
      expect(typeof at === 'object' && at?.address).toBe('127.0.0.1');
      const port = typeof at === 'object' && at ? at.port : 0;
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      // Another local address of this machine does not reach it.
      const external = Object.values(networkInterfaces())
        .flat()
        .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
      if (external) await expect(fetch(`http://${external}:${port}/healthz`)).rejects.toThrow();
    } finally {
      server.close();
    }
  });
});

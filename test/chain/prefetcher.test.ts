// The prefetch buffer's two bounds (blocks and bytes) and how it waits at the tip: a not-yet height is asked
// again every tipPollMs (no backoff: that is for errors), and the block that finally comes is marked atTip.
import { describe, expect, it } from 'vitest';
import { SimClock } from '../../sim/clock.js';
import type { BlockSource } from '../../src/chain/block-source.js';
import { Prefetcher } from '../../src/chain/prefetcher.js';
import { blockAt, playsTx, TEST_CHAIN_ID } from '../support/chain.js';
import { MemorySource } from '../support/memory-source.js';

const MiB = 1024 * 1024;
const blocks = Array.from({ length: 30 }, (_, i) => blockAt(i + 1, [playsTx([{ trackId: String(i) }])]));
const settle = () => new Promise((r) => setTimeout(r, 30));

/** Every block claims `sizeBytes`; the heights asked are logged. */
function sizedSource(sizeBytes: number) {
  const calls: number[] = [];
  const source: BlockSource = {
    chainId: async () => TEST_CHAIN_ID,
    fetch: async (h) => {
      calls.push(h);
      const block = blocks[h - 1];
      return block ? { status: 'block', block, chainHead: 30, sizeBytes } : { status: 'end' };
    },
  };
  return { source, calls };
}

describe('prefetch buffer bounds', () => {
  it('stops fetching ahead once the buffered blocks hold the byte bound, well before the block bound', async () => {
    const { source, calls } = sizedSource(100 * MiB);
    const p = new Prefetcher(source, {
      startHeight: 1,
      clock: new SimClock(),
      bufferSize: 50,
      bufferBytes: 256 * MiB,
    });
    const it = p[Symbol.asyncIterator]();
    expect((await it.next()).value?.block.height).toBe(1);
    await settle();
    // 100 + 100 + 100 MiB: the third block passes the bound, so the fetcher waits with three buffered.
    expect(p.depth).toBe(3);
    expect(p.depthBytes).toBe(300 * MiB);
    expect(Math.max(...calls)).toBe(4);
    // Taking one makes room for exactly one more.
    expect((await it.next()).value?.block.height).toBe(2);
    await settle();
    expect(p.depth).toBe(3);
    expect(Math.max(...calls)).toBe(5);
    p.stop();
  });

  it('a block larger than the whole bound still passes, alone, and every height comes in order', async () => {
    const { source, calls } = sizedSource(1024 * MiB);
    const p = new Prefetcher(source, {
      startHeight: 1,
      endHeight: 6,
      clock: new SimClock(),
      bufferBytes: 256 * MiB,
    });
    const seen: number[] = [];
    let deepest = 0;
    for await (const item of p) {
      seen.push(item.block.height);
      await settle();
      deepest = Math.max(deepest, p.depth);
    }
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
    expect(deepest).toBe(1);
    expect(calls).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('takeReady releases the bytes it hands out', async () => {
    const { source } = sizedSource(10 * MiB);
    const p = new Prefetcher(source, { startHeight: 1, clock: new SimClock(), bufferSize: 5 });
    const it = p[Symbol.asyncIterator]();
    await it.next();
    await settle();
    expect(p.depthBytes).toBe(50 * MiB);
    expect(p.takeReady(2)).toHaveLength(2);
    expect(p.depthBytes).toBeLessThanOrEqual(50 * MiB);
    expect(p.depthBytes).toBe(p.depth * 10 * MiB);
    p.stop();
  });
});

describe('at the tip', () => {
  it('asks a not-yet height again every tipPollMs, without backoff, and marks the block atTip', async () => {
    const source = new MemorySource(blocks.slice(0, 5)).notYetTimes(4, 6);
    const clock = new SimClock();
    const seen: { height: number; atTip: boolean }[] = [];
    for await (const item of new Prefetcher(source, { startHeight: 1, clock, tipPollMs: 40 }))
      seen.push({ height: item.block.height, atTip: item.atTip });
    expect(clock.sleeps).toEqual([40, 40, 40, 40, 40, 40]);
    expect(seen).toEqual([1, 2, 3, 4, 5].map((height) => ({ height, atTip: height === 4 })));
  });

  it('errors still back off, and a not-yet after an error polls at once at the tip pace', async () => {
    const source = new MemorySource(blocks.slice(0, 3)).failTimes(2, 3).notYetTimes(3, 2);
    const clock = new SimClock();
    for await (const _ of new Prefetcher(source, { startHeight: 1, clock })) {
      // drain
    }
    expect(clock.sleeps).toEqual([200, 400, 800, 50, 50]);
  });
});

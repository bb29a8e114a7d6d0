import type { Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SIM_GENESIS_MS, SimClock } from '../../sim/clock.js';
import { SourceFatalError } from '../../src/chain/block-source.js';
import { Prefetcher } from '../../src/chain/prefetcher.js';
import type { Block } from '../../src/chain/types.js';
import type { Database } from '../../src/db/schema.js';
import { silentLogger } from '../../src/deps/logger.js';
import { InstanceLockedError } from '../../src/indexer/instance-lock.js';
import { resolveStartHeight } from '../../src/indexer/resume.js';
import {
  GapRefusedError,
  GuardError,
  HaltError,
  type RunOptions,
  runIndexer,
} from '../../src/indexer/run.js';
import { mergeObservers } from '../../src/ops/log-observer.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { blockAt, emTx, playsTx, TEST_CHAIN_ID } from '../support/chain.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { digestTables } from '../support/digest.js';
import { MemorySource } from '../support/memory-source.js';
import { testDispatcher, W } from './test-handlers.js';

const chainOf = (n: number, from = 1) =>
  Array.from({ length: n }, (_, i) => {
    const h = from + i;
    return blockAt(
      h,
      h % 3 === 0
        ? [emTx({ userId: h, entityType: 'Test', entityId: h, action: 'Write', signer: W })]
        : [playsTx([{ trackId: String(h) }])],
    );
  });
const deps = () => ({ chainId: TEST_CHAIN_ID, dispatcher: testDispatcher(), logger: silentLogger });
/** runIndexer over `blocks` with the test handlers and a fresh SimClock; `options` add to or replace those. */
const indexChain = (db: Kysely<Database>, blocks: readonly Block[], options: Partial<RunOptions> = {}) =>
  runIndexer({ db, source: new MemorySource(blocks), deps: deps(), clock: new SimClock(), ...options });

describe('prefetcher', () => {
  it('retries the same height on errors (backing off 200 ms doubling to ~3.2 s) and not-yet answers (every 50 ms), never skipping', async () => {
    const source = new MemorySource(chainOf(5)).failTimes(2, 7).notYetTimes(4, 2);
    const clock = new SimClock();
    const seen: number[] = [];
    for await (const item of new Prefetcher(source, { startHeight: 1, clock, bufferSize: 2 }))
      seen.push(item.block.height);
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(clock.sleeps.slice(0, 7)).toEqual([200, 400, 800, 1600, 3200, 3200, 3200]);
    expect(clock.sleeps.slice(7)).toEqual([50, 50]);
    expect(source.calls.filter((h) => h === 2)).toHaveLength(8);
  });

  it('with a retry deadline, a height that keeps failing stops the source, naming the height; not-yet never counts', async () => {
    const source = new MemorySource(chainOf(5)).failTimes(3, 1_000).notYetTimes(2, 1_000);
    const clock = new SimClock();
    const seen: number[] = [];
    const err = await (async () => {
      for await (const item of new Prefetcher(source, { startHeight: 1, clock, retryDeadlineMs: 10_000 }))
        seen.push(item.block.height);
    })().catch((e: unknown) => e);
    expect(seen).toEqual([1, 2]);
    expect(err).toBeInstanceOf(SourceFatalError);
    expect(String((err as Error).message)).toMatch(/^height 3: the block source kept failing for 1\d{4} ms/);
    // 1,000 not-yet answers at height 2 (far past 10 s of backoff) did not trip it; height 3 stopped within
    // a few attempts past the deadline, not after its 1,000 failures.
    expect(source.calls.filter((h) => h === 2).length).toBe(1_001);
    expect(source.calls.filter((h) => h === 3).length).toBeLessThan(10);
  });

  it('keeps at most bufferSize blocks ahead of the consumer', async () => {
    const source = new MemorySource(chainOf(30));
    const p = new Prefetcher(source, { startHeight: 1, clock: new SimClock(), bufferSize: 4 });
    const it = p[Symbol.asyncIterator]();
    await it.next();
    await new Promise((r) => setTimeout(r, 20));
    expect(p.depth).toBeLessThanOrEqual(4);
    expect(Math.max(...source.calls)).toBeLessThanOrEqual(6);
    p.stop();
  });
});

describe('resume and run loop', () => {
  let t: TestDb;
  beforeEach(async () => {
    t = await createTestDb();
  });
  afterEach(async () => t?.close());

  it('resumes from the configured start on an empty database', async () => {
    expect(await resolveStartHeight(t.db, TEST_CHAIN_ID, { defaultStart: 7 })).toEqual({
      height: 7,
      reason: 'configured-default',
    });
  });

  it('resumes after MAX(etl_blocks.block_height)', async () => {
    await indexChain(t.db, chainOf(6), { endHeight: 4 });
    expect(await resolveStartHeight(t.db, TEST_CHAIN_ID)).toEqual({ height: 5, reason: 'etl_blocks' });
    const summary = await indexChain(t.db, chainOf(6));
    expect(summary).toMatchObject({
      startHeight: 5,
      lastHeight: 6,
      blocksIndexed: 2,
      stoppedBy: 'source-exhausted',
    });
  });

  it('resumes from core_indexed_blocks of this chain on a production clone with an empty etl_blocks', async () => {
    await t.db
      .insertInto('core_indexed_blocks')
      .values([
        { blockhash: 'aa', chain_id: TEST_CHAIN_ID, height: 41, em_block: 900 },
        { blockhash: 'bb', chain_id: TEST_CHAIN_ID, height: 42, em_block: null },
        { blockhash: 'cc', chain_id: 'some-other-chain', height: 5000, em_block: null },
      ])
      .execute();
    await t.db
      .insertInto('blocks')
      .values({ blockhash: 'aa', parenthash: null, number: 900, is_current: null })
      .execute();
    expect(await resolveStartHeight(t.db, TEST_CHAIN_ID, { defaultStart: 1 })).toEqual({
      height: 43,
      reason: 'core_indexed_blocks',
    });
    const summary = await indexChain(t.db, chainOf(10, 43));
    expect(summary.startHeight).toBe(43);
    // em_block continues from the clone's blocks.number, not from the chain height.
    const em = await t.db
      .selectFrom('core_indexed_blocks')
      .select(['height', 'em_block'])
      .where('em_block', 'is not', null)
      .where('height', '>', 42)
      .orderBy('height')
      .execute();
    expect(em).toEqual([
      { height: 45, em_block: 901 },
      { height: 48, em_block: 902 },
      { height: 51, em_block: 903 },
    ]);
  });

  it('a bounded run ends cleanly at --to', async () => {
    const s = await indexChain(t.db, chainOf(20), { endHeight: 12 });
    expect(s).toMatchObject({ lastHeight: 12, blocksIndexed: 12, stoppedBy: 'end' });
  });

  it('halts on a deterministic block failure with the height, and leaves the block unwritten', async () => {
    const bad = chainOf(5);
    // A plays hook that always throws: a block-level, non-retryable failure.
    const failing = {
      ...deps(),
      playsHook: async () => {
        throw new Error('bridge exploded');
      },
    };
    const err = await runIndexer({
      db: t.db,
      source: new MemorySource(bad),
      deps: failing,
      clock: new SimClock(),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HaltError);
    expect((err as HaltError).message).toContain('block 1');
    expect((err as HaltError).message).toContain('bridge exploded');
    const n = await t.db.selectFrom('etl_blocks').select('block_height').execute();
    expect(n).toEqual([]);
  });

  it('record-and-continue writes the failed height to the gaps table and goes on', async () => {
    // Block 2 always fails; the group it was prefetched with rolls back and is re-indexed block by block.
    const flaky = {
      ...deps(),
      playsHook: async (_db: unknown, input: { blockHeight: number }) => {
        if (input.blockHeight === 2) throw new Error('deterministic bad data');
        return { inserted: 1 };
      },
    };
    const s = await runIndexer({
      db: t.db,
      source: new MemorySource(chainOf(5)),
      deps: flaky,
      clock: new SimClock(),
      failurePolicy: 'record-and-continue',
    });
    expect(s.gaps).toBe(1);
    const gaps = await t.db.selectFrom('metronome_block_gaps').select(['block_height', 'error']).execute();
    expect(gaps).toEqual([{ block_height: 2, error: 'deterministic bad data' }]);
    const heights = await t.db
      .selectFrom('etl_blocks')
      .select('block_height')
      .orderBy('block_height')
      .execute();
    expect(heights.map((r) => r.block_height)).toEqual([1, 3, 4, 5]);
  });

  it('beforeTransaction: a retryable failure retries the block; any other stops the run, never a gap', async () => {
    let calls = 0;
    const s = await indexChain(t.db, chainOf(6), {
      maxGroupBlocks: 1,
      beforeTransaction: async () => {
        calls++;
        if (calls === 3) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      },
    });
    expect(s.blocksIndexed).toBe(6);
    expect(calls).toBe(7);
    const other = await createTestDb();
    try {
      let n = 0;
      const err = await indexChain(other.db, chainOf(6), {
        maxGroupBlocks: 1,
        failurePolicy: 'record-and-continue',
        beforeTransaction: async () => {
          if (++n === 4) throw new InstanceLockedError('another metronome indexer already indexes chain');
        },
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GuardError);
      expect((err as GuardError).cause).toBeInstanceOf(InstanceLockedError);
      // The daemon's fatal line names the block it could not write.
      expect((err as GuardError).height).toBe(4);
      const heights = await other.db
        .selectFrom('etl_blocks')
        .select('block_height')
        .orderBy('block_height')
        .execute();
      expect(heights.map((r) => r.block_height)).toEqual([1, 2, 3]);
      expect(await other.db.selectFrom('metronome_block_gaps').selectAll().execute()).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it('group-commits a prefetched backlog with the same result as one block per transaction', async () => {
    const blocks = chainOf(40); // built once: tx hashes come from a global counter
    const grouped = await indexChain(t.db, blocks, { maxGroupBlocks: 16 });
    const other = await createTestDb();
    try {
      await indexChain(other.db, blocks, { maxGroupBlocks: 1 });
      expect(grouped).toMatchObject({ blocksIndexed: 40, lastHeight: 40 });
      expect(await digestTables(t.db)).toEqual(await digestTables(other.db));
    } finally {
      await other.close();
    }
  });

  it('retries a retryable block failure on the same block until it succeeds', async () => {
    let calls = 0;
    const transient = {
      ...deps(),
      playsHook: async () => {
        calls++;
        if (calls <= 3)
          throw Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' });
        return { inserted: 1 };
      },
    };
    const clock = new SimClock();
    const retries: number[] = [];
    const s = await runIndexer({
      db: t.db,
      source: new MemorySource(chainOf(2)),
      deps: transient,
      clock,
      maxGroupBlocks: 1,
      observer: { onBlockRetry: (e, attempt) => retries.push(e.height * 100 + attempt) },
    });
    expect(s).toMatchObject({ blocksIndexed: 2, gaps: 0 });
    expect(retries).toEqual([101, 102, 103]);
  });

  it('an explicit start above the resume point is refused, naming the missing heights; nothing is written', async () => {
    await indexChain(t.db, chainOf(30), { endHeight: 10 });
    const err = await indexChain(t.db, chainOf(30), { explicitStart: 16 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GapRefusedError);
    expect((err as Error).message).toContain('heights 11..15 (5 blocks)');
    expect((err as Error).message).toContain('--allow-gap');
    const heights = await t.db
      .selectFrom('etl_blocks')
      .select('block_height')
      .orderBy('block_height')
      .execute();
    expect(heights.map((r) => r.block_height)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    expect(await t.db.selectFrom('metronome_block_gaps').selectAll().execute()).toEqual([]);
    // At or below the resume point is a re-index or a plain resume: allowed.
    const again = await indexChain(t.db, chainOf(30), {
      explicitStart: 11,
      endHeight: 12,
    });
    expect(again).toMatchObject({ startHeight: 11, lastHeight: 12 });
  });

  it('with allowGap the skipped heights are rows in metronome_block_gaps, counted by the gap metric', async () => {
    await indexChain(t.db, chainOf(30), { endHeight: 10 });
    const metrics = createMetrics({ processMetrics: false });
    const skipped: { from: number; to: number }[] = [];
    const s = await indexChain(t.db, chainOf(30), {
      explicitStart: 16,
      endHeight: 20,
      allowGap: true,
      observer: {
        ...metrics.observer,
        onSkippedRange: (r) => {
          skipped.push(r);
          metrics.observer.onSkippedRange?.(r);
        },
      },
    });
    expect(s).toMatchObject({ startHeight: 16, lastHeight: 20, blocksIndexed: 5 });
    expect(skipped).toEqual([{ from: 11, to: 15 }]);
    const gaps = await t.db
      .selectFrom('metronome_block_gaps')
      .select(['block_height', 'error', 'attempts'])
      .orderBy('block_height')
      .execute();
    expect(gaps.map((g) => g.block_height)).toEqual([11, 12, 13, 14, 15]);
    expect(gaps[0]!.error).toMatch(/skipped by an explicit start at 16 \(--allow-gap\)/);
    expect(gaps[0]!.attempts).toBe(0);
    expect(await metrics.registry.getSingleMetricAsString('metronome_block_gaps_total')).toMatch(
      /^metronome_block_gaps_total 5$/m,
    );
  });

  it('a block met at the tip reports block timestamp → commit as tip latency, into the histogram; backfill does not', async () => {
    // Block 4 is stamped GENESIS + 4 s; the clock starts there and the two tip polls take 2 × 50 ms.
    const clock = new SimClock(SIM_GENESIS_MS + 4_000);
    const metrics = createMetrics({ processMetrics: false });
    const tip: [number, number | undefined][] = [];
    await runIndexer({
      db: t.db,
      source: new MemorySource(chainOf(5)).notYetTimes(4, 2),
      deps: deps(),
      clock,
      endHeight: 5,
      observer: mergeObservers(metrics.observer, {
        onBlock: ({ stats, tipLatencyMs }) => {
          tip.push([stats.height, tipLatencyMs]);
        },
      }),
    });
    expect(tip).toEqual([
      [1, undefined],
      [2, undefined],
      [3, undefined],
      [4, 100],
      [5, undefined],
    ]);
    const text = await metrics.registry.getSingleMetricAsString('metronome_tip_latency_seconds');
    expect(text).toMatch(/^metronome_tip_latency_seconds_count 1$/m);
    expect(text).toMatch(/^metronome_tip_latency_seconds_sum 0\.1$/m);
    expect(text).toMatch(/^metronome_tip_latency_seconds_bucket\{le="0\.05"\} 0$/m);
    expect(text).toMatch(/^metronome_tip_latency_seconds_bucket\{le="0\.1"\} 1$/m);
  });

  it('an explicit start on an empty database is where indexing begins: no gap', async () => {
    const s = await indexChain(t.db, chainOf(10, 5), { explicitStart: 5 });
    expect(s).toMatchObject({ startHeight: 5, lastHeight: 14 });
    expect(await t.db.selectFrom('metronome_block_gaps').selectAll().execute()).toEqual([]);
  });
});

// Each simulator invariant shown catching a deliberately broken indexer, and the harness shown
// deterministic. The broken variants plug in through the same extension points production uses.
import { sql } from 'kysely';
import { describe, expect, inject, it } from 'vitest';
import { contentKeyedBridge } from '../../scenarios/17-plays-multiset.js';
import { runSimulation, type SimHooks, type SimOptions } from '../../sim/run.js';
import type { PlaysHook } from '../../src/indexer/plays-bridge.js';
import { bridgePlays } from '../../src/indexer/plays-bridge.js';

const db = inject('dbBackend') === 'postgres' ? inject('dbServerUrl') : 'pglite://memory';
const base = (over: Partial<SimOptions> = {}): SimOptions => ({
  seed: 7,
  blocks: 120,
  db,
  legacyWriter: false,
  faults: false,
  hostileShare: 0.1,
  equivalence: true,
  ...over,
});
const run = (over: Partial<SimOptions> = {}, hooks: SimHooks = {}) => runSimulation(base(over), hooks);
const caught = (r: Awaited<ReturnType<typeof run>>) =>
  [...new Set(r.report.violations.map((v) => v.invariant))].sort();

describe('simulator', () => {
  it('replays a seed byte-identically and holds every invariant', async () => {
    const a = await run({ legacyWriter: true });
    const b = await run({ legacyWriter: true });
    expect(JSON.stringify(a.report)).toBe(JSON.stringify(b.report));
    expect(a.report.violations).toEqual([]);
    expect(a.report.legacy?.playsWritten).toBeGreaterThan(0);
    expect(a.report.playCollisions).toBeGreaterThan(0);
  });

  it('holds every invariant under crashes, RPC faults and redelivery, with the same digest as the crash-free twin', async () => {
    const r = await run({ faults: true, blocks: 160 });
    expect(r.report.violations).toEqual([]);
    expect(r.report.restarts).toBeGreaterThan(0);
    expect(r.report.invariantsChecked).toContain('crash-restart-equivalence');
  });

  it('catches a plays hook that writes nothing (#881), even while the legacy writer keeps other progress moving', async () => {
    const nothing: PlaysHook = async () => ({ inserted: 0 });
    const r = await run({ legacyWriter: true }, { playsHook: nothing });
    expect(caught(r)).toEqual(expect.arrayContaining(['atomic-plays', 'no-masked-loss']));
    expect(r.report.violations.find((v) => v.invariant === 'no-masked-loss')?.message).toMatch(
      /never bridged/,
    );
  });

  it('counts plays by multiplicity: a bridge keeping one row per content key is caught (issue 17)', async () => {
    const r = await run({ equivalence: false }, { playsHook: contentKeyedBridge });
    expect(caught(r)).toContain('atomic-plays');
    expect(r.report.violations.find((v) => v.invariant === 'atomic-plays')?.message).toMatch(
      /one of \d+ identical chain plays\): 1 rows in plays, want \d+/,
    );
  });

  it('catches a swallowed block failure that leaves a silent gap (#885)', async () => {
    // Fails deterministically on the first block with plays from height 40 on (every retry fails too).
    let poisoned: number | undefined;
    const failsAt40: PlaysHook = async (trx, input) => {
      if (poisoned === undefined && input.blockHeight >= 40 && input.plays.length > 0)
        poisoned = input.blockHeight;
      if (input.blockHeight === poisoned) throw new Error('duplicate key value violates unique constraint');
      return bridgePlays(trx, input);
    };
    const r = await run({}, { playsHook: failsAt40, failurePolicy: 'record-and-continue' });
    expect(poisoned).toBeDefined();
    expect(caught(r)).toEqual(
      expect.arrayContaining(['em-block-sequencing', 'no-masked-loss', 'one-outcome-per-tx']),
    );
  });

  it('catches a non-atomic block: work committed before the block ends, then a retry finds it "already indexed"', async () => {
    let failedOnce = false;
    const commitsEarly: PlaysHook = async (trx, input) => {
      // The bug: the bridge commits what the block wrote so far and opens a new transaction.
      await sql`COMMIT`.execute(trx);
      await sql`BEGIN`.execute(trx);
      const res = await bridgePlays(trx, input);
      if (!failedOnce && input.blockHeight >= 30 && input.plays.length > 0) {
        failedOnce = true;
        throw Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' });
      }
      return res;
    };
    const r = await run({}, { playsHook: commitsEarly, maxGroupBlocks: 1 });
    expect(failedOnce).toBe(true);
    expect(caught(r)).toEqual(expect.arrayContaining(['atomic-plays', 'one-outcome-per-tx']));
  });
});

// Shrinking: a planted bug in a 200-block run shrinks to a reproducer of at most three blocks that violates the
// same invariant, saved as a scenario (block file + module) that replays it. The bug is planted through the
// extension points production uses: a dispatcher that notes which block carried a ManageEntity tx, and a
// plays hook that then forgets that same block's plays (a "mixed blocks lose their plays" regression).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { Scenario } from '../../scenarios/scenario.js';
import { runSimulation, type SimHooks, type SimOptions } from '../../sim/run.js';
import { ddmin, NothingToShrink, shrink, writeShrunkScenario } from '../../sim/shrink.js';
import { bridgePlays } from '../../src/indexer/plays-bridge.js';

const db = inject('dbBackend') === 'postgres' ? inject('dbServerUrl') : 'pglite://memory';
const options: SimOptions = {
  seed: 7,
  blocks: 200,
  db,
  legacyWriter: false,
  faults: false,
  hostileShare: 0.1,
  equivalence: false,
  // The planted bug is in the block path; challenge ticks would only add to every candidate run's cost.
  challenges: false,
};

/**
 * The bug keeps its state in the block's own transaction (a transaction-local setting), so nothing leaks
 * from one simulation run to the next: each candidate the shrinker tries is judged on its own blocks.
 */
function mixedBlocksLosePlays(): SimHooks {
  return {
    wrapDispatcher: (d) => ({
      handlerCount: d.handlerCount,
      keys: d.keys,
      resolve(entityType, action) {
        const route = d.resolve(entityType, action);
        if (!route) return route;
        return {
          ...route,
          handle: async (ctx, p) => {
            await sql`SELECT set_config('metronome.planted_bug', ${p.blockHash}, true)`.execute(ctx.db);
            return route.handle(ctx, p);
          },
        };
      },
    }),
    playsHook: async (trx, input) => {
      const r = await sql<{
        v: string | null;
      }>`SELECT current_setting('metronome.planted_bug', true) AS v`.execute(trx);
      return r.rows[0]?.v === input.blockHash ? { inserted: 0 } : bridgePlays(trx, input);
    },
  };
}

const dir = mkdtempSync(join(tmpdir(), 'metronome-shrink-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ddmin', () => {
  it('finds the 1-minimal subset that keeps a failure needing two items', async () => {
    const items = Array.from({ length: 64 }, (_, i) => i);
    const fails = async (s: readonly number[]) => s.includes(17) && s.includes(50);
    expect(await ddmin(items, fails)).toEqual([17, 50]);
  });

  it('keeps the first failing candidate in order when it tries several side by side', async () => {
    const items = Array.from({ length: 64 }, (_, i) => i);
    // Either item alone fails: one at a time keeps the first chunk's; side by side must keep it too.
    const fails = async (s: readonly number[]) => s.includes(5) || s.includes(60);
    expect(await ddmin(items, fails, undefined, 1)).toEqual([5]);
    expect(await ddmin(items, fails, undefined, 4)).toEqual([5]);
  });
});

describe('pnpm sim --shrink', () => {
  it('shrinks a planted bug in a 200-block run to at most 3 blocks and saves a scenario that replays it', async () => {
    // shrink's first run is the full 200 blocks: it throws NothingToShrink unless the bug shows there.
    const lines: string[] = [];
    const result = await shrink(options, mixedBlocksLosePlays(), {
      invariant: 'atomic-plays',
      log: (l) => lines.push(l),
      // Candidate runs mostly wait on the server: two at a time (PGlite runs in this process: one).
      concurrency: db.startsWith('postgres') ? 2 : 1,
    });
    console.log(lines.join('\n'));
    console.log(
      `[shrink] ${result.originalBlocks} → ${result.blocks.length} blocks, ${result.txs} txs, ${result.runs} runs`,
    );
    expect(result.originalBlocks).toBe(200);
    expect(result.blocks.length).toBeLessThanOrEqual(3);
    expect(result.invariant).toBe('atomic-plays');
    expect(result.violations.length).toBeGreaterThan(0);
    // What the bug needs: a plays tx and ManageEntity txs that reach a handler and apply (an applied tx may
    // need the one before it, e.g. its user's creation), nothing else.
    const kinds = result.blocks.flatMap((r) =>
      (r.block!.transactions as { transaction: Record<string, unknown> }[]).map((t) =>
        t.transaction.plays ? 'plays' : t.transaction.manageEntity ? 'manage_entity' : 'other',
      ),
    );
    expect(kinds.filter((k) => k === 'plays')).toEqual(['plays']);
    expect(kinds.filter((k) => k === 'other')).toEqual([]);
    expect(kinds.filter((k) => k === 'manage_entity').length).toBeGreaterThanOrEqual(1);
    expect(kinds.length).toBeLessThanOrEqual(4);

    const saved = writeShrunkScenario(
      join(dir, 'shrunk.ts'),
      options,
      result,
      'pnpm sim --seed 7 --blocks 200',
    );
    expect(readFileSync(saved.blockFile, 'utf8').trim().split('\n')).toHaveLength(result.blocks.length);
    const mod = (await import(saved.scenario)) as { scenario: Scenario; options: (db: string) => SimOptions };
    // Without the planted bug the saved chain holds every invariant; with it, it fails the same way.
    expect(
      (await mod.scenario.ours({ db, freshDb: async () => Promise.reject(new Error('unused')) })).violations,
    ).toEqual([]);
    const again = await runSimulation(mod.options(db), mixedBlocksLosePlays());
    expect(again.report.violations.map((v) => v.invariant)).toContain('atomic-plays');
  });

  it('refuses to shrink a run that holds', async () => {
    await expect(shrink({ ...options, blocks: 20 })).rejects.toBeInstanceOf(NothingToShrink);
  });
});

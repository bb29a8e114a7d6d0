// fast-check over simulator configurations: whatever the seed, chain length, legacy writer and faults,
// every invariant holds (em_block sequencing, one outcome per tx, atomic plays with the legacy writer
// racing, no masked loss, redelivery idempotence, crash-restart equivalence) and a run replays exactly.
import fc from 'fast-check';
import { describe, expect, inject, it } from 'vitest';
import { runSimulation, type SimOptions } from '../../sim/run.js';

const db = inject('dbBackend') === 'postgres' ? inject('dbServerUrl') : 'pglite://memory';
const reproduce = (o: SimOptions) =>
  `pnpm sim --seed ${o.seed} --blocks ${o.blocks}${o.legacyWriter ? ' --legacy-writer' : ''}${o.faults ? ' --faults' : ''} --hostile ${o.hostileShare}`;

const config = fc.record({
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  blocks: fc.integer({ min: 10, max: 90 }),
  legacyWriter: fc.boolean(),
  faults: fc.boolean(),
  hostileShare: fc.constantFrom(0, 0.1, 0.5),
});

describe('simulator properties', () => {
  it('every invariant holds for any configuration', async () => {
    await fc.assert(
      fc.asyncProperty(config, async (c) => {
        const options: SimOptions = { ...c, db, equivalence: true };
        const { report } = await runSimulation(options);
        expect(report.violations, `reproduce with: ${reproduce(options)}`).toEqual([]);
      }),
      { numRuns: 8, seed: 42, endOnFailure: true },
    );
  });

  it('a configuration replays byte-identically', async () => {
    await fc.assert(
      fc.asyncProperty(config, async (c) => {
        const options: SimOptions = { ...c, db, equivalence: false };
        const a = await runSimulation(options);
        const b = await runSimulation(options);
        expect(JSON.stringify(b.report), `reproduce with: ${reproduce(options)}`).toBe(
          JSON.stringify(a.report),
        );
      }),
      { numRuns: 4, seed: 7, endOnFailure: true },
    );
  });
});

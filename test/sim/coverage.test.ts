// Coverage marks: the notable seeds in sim/seeds.json, run together, must reach every registered handler,
// every fault kind, and the expected rejection reasons. The reason codes no seed reaches are printed:
// each is a hole in the generators (see the closing note), not a thing to hide.
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { describe, expect, inject, it } from 'vitest';
import { FAULT_KINDS } from '../../sim/faults.js';
import { productionNotificationTypes } from '../../sim/oracle.js';
import { runSimulation } from '../../sim/run.js';
import { isTxReasonCode, TX_REASONS } from '../../src/entity-manager/reasons.js';
import { HANDLERS } from '../../src/entity-manager/registry.js';

interface Corpus {
  /** ownServer: an ephemeral server of the run's own, so outages (server restarts) can be injected; else a
   * copy of the migrated template on the test server (no initdb and migration, no outages). */
  corpus: { seed: number; blocks: number; legacyWriter: boolean; faults: boolean; ownServer: boolean }[];
  expectedReasons: string[];
  /** Handlers no valid tx can reach in this project, each with the reason. */
  unreachableHandlers: Record<string, string>;
  /** Notification types production's triggers write from our tables (issue 16), and the unreachable ones. */
  notificationTypes: { expected: string[]; unreachable: Record<string, string> };
}
const corpus = JSON.parse(readFileSync('sim/seeds.json', 'utf8')) as Corpus;

it('names only codes from the closed set in reasons.ts', () => {
  expect(corpus.expectedReasons.filter((r) => !isTxReasonCode(r))).toEqual([]);
});

// The marks name every type production's triggers on our tables write, no more: the list is read from
// production's trigger SQL in the reference dump, not kept by hand.
it("lists exactly the notification types production's triggers on our tables write (from the dump)", () => {
  const derived = [...productionNotificationTypes().keys()].sort();
  expect(
    derived.filter((t) => t.startsWith('?')),
    'type expressions the reader did not resolve',
  ).toEqual([]);
  const { expected, unreachable } = corpus.notificationTypes;
  expect([...expected, ...Object.keys(unreachable)].sort()).toEqual(derived);
});

describe.runIf(inject('dbBackend') === 'postgres')('coverage marks over the seed corpus', () => {
  it('reaches every handler, every fault kind, the expected rejection reasons and notification types', async () => {
    const reasons = new Set<string>();
    const applied = new Set<string>();
    const faults = new Set<string>();
    const notified = new Set<string>();
    // The seeds run side by side: the file's length is the longest seed's.
    const reports = await Promise.all(
      corpus.corpus.map(
        async ({ ownServer, ...c }) =>
          (
            await runSimulation(
              {
                ...c,
                db: ownServer ? 'postgres' : inject('dbServerUrl'),
                hostileShare: 0.1,
                equivalence: false,
              },
              {
                inspectDb: async (db) => {
                  const r = await sql<{ type: string }>`SELECT DISTINCT type FROM notification`.execute(db);
                  for (const x of r.rows) notified.add(x.type);
                },
              },
            )
          ).report,
      ),
    );
    for (const report of reports) {
      expect(report.violations).toEqual([]);
      for (const r of Object.keys(report.reasons)) reasons.add(r);
      for (const h of Object.keys(report.handlersReached)) applied.add(h);
      for (const f of Object.keys(report.faults)) faults.add(f);
    }
    const handlerMissed = HANDLERS.filter((h) =>
      h.entityType === '*'
        ? ![...applied].some((k) => k.endsWith(`:${h.action}`))
        : !applied.has(`${h.entityType}:${h.action}`),
    )
      .map((h) => `${h.entityType}:${h.action}`)
      .filter((k) => !(k in corpus.unreachableHandlers));
    expect(handlerMissed, 'registered handlers no seed applied').toEqual([]);
    expect(
      FAULT_KINDS.filter((f) => !faults.has(f)),
      'fault kinds no seed injected',
    ).toEqual([]);
    expect(
      corpus.expectedReasons.filter((r) => !reasons.has(r)),
      'expected reasons not reached',
    ).toEqual([]);
    expect(
      corpus.notificationTypes.expected.filter((t) => !notified.has(t)),
      'notification types no seed wrote',
    ).toEqual([]);
    const holes = Object.keys(TX_REASONS).filter((r) => !reasons.has(r));
    console.log(
      `[coverage] ${reasons.size} reason codes reached; not reached by any seed (${holes.length}): ${holes.join(', ')}`,
    );
  }, 2_400_000);
});

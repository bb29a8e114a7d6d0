// Issue 17: on mainnet many plays are identical on (play_item_id, created_at, signature, user_id) —
// anonymous listeners of one track in one second, a play repeated inside one tx. Production counts every
// one; a bridge keyed on that content kept one row per key and lost 9.6% of real plays as "collisions".
// Setup: the simulator's bursts, repeats and cross-block echoes, with the legacy writer writing some of
// each block before or after the indexer.
import { sql } from 'kysely';
import { SimChain } from '../sim/chain.js';
import { runSimulation, type SimOptions } from '../sim/run.js';
import { decodeGetBlockResponse } from '../src/chain/decode.js';
import { isRfc3339, parseInt4 } from '../src/chain/text.js';
import { lockPlaysForBridge, type PlaysHook } from '../src/indexer/plays-bridge.js';
import type { Scenario, ScenarioEnv } from './scenario.js';

const SEED = 17;
const BLOCKS = 200;

const options = (env: ScenarioEnv, blocks = BLOCKS): SimOptions => ({
  seed: SEED,
  blocks,
  db: env.db,
  legacyWriter: true,
  faults: false,
  hostileShare: 0.05,
  equivalence: false,
});

/** Valid chain plays, and how many of them share their content key with an earlier play. */
function chainFigures(blocks: number): { valid: number; identical: number } {
  const chain = new SimChain({ seed: SEED, blocks, hostileShare: 0.05 });
  const seen = new Set<string>();
  let valid = 0;
  let identical = 0;
  for (let h = 1; h <= blocks; h++) {
    const d = decodeGetBlockResponse(chain.responseFor(h), h);
    if (d.status !== 'block') continue;
    for (const tx of d.block.txs) {
      if (tx.kind !== 'plays') continue;
      for (const p of tx.plays) {
        if (parseInt4(p.trackId) === undefined || !isRfc3339(p.timestamp)) continue;
        valid++;
        const k = `${p.trackId}|${p.timestamp}|${p.signature}|${parseInt4(p.userId) ?? 'null'}`;
        if (seen.has(k)) identical++;
        seen.add(k);
      }
    }
  }
  return { valid, identical };
}

/**
 * The old bridge: one row per content key (ON CONFLICT on the natural key, DO NOTHING). The unique index
 * it needed is gone, so the same semantics are spelled with DISTINCT and NOT EXISTS.
 */
export const contentKeyedBridge: PlaysHook = async (db, input) => {
  if (input.plays.length === 0) return { inserted: 0 };
  await lockPlaysForBridge(db);
  const res = await sql<{ n: string }>`
    WITH ins AS (
      INSERT INTO plays (user_id, source, play_item_id, created_at, updated_at, slot, signature, city, region, country)
      SELECT DISTINCT ON (t, c, s, u) u, 'relay', t, c, ${input.blockTime}::timestamptz AT TIME ZONE 'UTC',
             ${input.blockHeight}, s, ci, re, co
      FROM (SELECT u, t, c AT TIME ZONE 'UTC' AS c, s, ci, re, co, ord
            FROM unnest(${input.plays.map((r) => r.userId)}::int[], ${input.plays.map((r) => r.trackId!)}::int[],
                        ${input.plays.map((r) => r.play.timestamp)}::timestamptz[], ${input.plays.map((r) => r.play.signature)}::text[],
                        ${input.plays.map((r) => r.play.city)}::text[], ${input.plays.map((r) => r.play.region)}::text[],
                        ${input.plays.map((r) => r.play.country)}::text[]) WITH ORDINALITY AS p(u, t, c, s, ci, re, co, ord)) b
      WHERE NOT EXISTS (SELECT 1 FROM plays p WHERE p.play_item_id = b.t AND p.created_at = b.c
                          AND p.signature IS NOT DISTINCT FROM b.s AND p.user_id IS NOT DISTINCT FROM b.u)
      ORDER BY t, c, s, u, ord
      RETURNING 1
    )
    SELECT count(*) AS n FROM ins`.execute(db);
  return { inserted: Number(res.rows[0]?.n ?? 0) };
};

/** A bridge that ignores the other writer's rows: every chain play inserted, whoever wrote it first. */
const blind: PlaysHook = async (db, input) => {
  if (input.plays.length === 0) return { inserted: 0 };
  await lockPlaysForBridge(db);
  for (const r of input.plays)
    await sql`INSERT INTO plays (user_id, source, play_item_id, created_at, updated_at, slot, signature, city, region, country)
              VALUES (${r.userId}, 'relay', ${r.trackId!}, ${r.play.timestamp}::timestamptz AT TIME ZONE 'UTC',
                      ${input.blockTime}::timestamptz AT TIME ZONE 'UTC', ${input.blockHeight}, ${r.play.signature},
                      ${r.play.city}, ${r.play.region}, ${r.play.country})`.execute(db);
  return { inserted: input.plays.length };
};

async function playsFigures(env: ScenarioEnv, hook?: PlaysHook, blocks = BLOCKS) {
  const { report } = await runSimulation(options(env, blocks), hook ? { playsHook: hook } : {});
  const chain = chainFigures(blocks);
  return {
    report,
    figures: {
      validChainPlays: chain.valid,
      identicalToAnEarlierPlay: chain.identical,
      playsRows: report.digest.plays?.rows,
      collisions: report.playCollisions,
      legacy: report.legacy,
    },
  };
}

export const scenario: Scenario = {
  id: '17',
  title: 'identical plays (anonymous bursts, repeats in one tx) each counted once, dual writer on',
  needsPostgres: false,
  ours: async (env) => {
    const { report, figures } = await playsFigures(env);
    const violations = [...report.violations];
    if (figures.identicalToAnEarlierPlay === 0)
      violations.push({ invariant: 'scenario-setup', message: 'the chain has no identical plays' });
    if (report.playCollisions === 0)
      violations.push({ invariant: 'scenario-setup', message: 'the legacy writer never wrote a play first' });
    if (figures.playsRows !== figures.validChainPlays)
      violations.push({
        invariant: 'scenario-setup',
        message: `plays has ${figures.playsRows} rows for ${figures.validChainPlays} valid chain plays`,
      });
    return { violations, figures };
  },
  bugs: [
    {
      name: 'content-keyed bridge (one row per natural key)',
      catches: 'atomic-plays',
      run: async (env) => {
        const { report, figures } = await playsFigures(env, contentKeyedBridge);
        return { violations: report.violations, figures };
      },
    },
    {
      name: 'bridge blind to the other writer’s rows (double count)',
      catches: 'atomic-plays',
      run: async (env) => {
        // The legacy writer first writes plays ahead of the bridge at height 14, which the blind bridge then
        // writes again: 20 blocks show the double count; 200 took ~10x the CPU to show more of the same.
        const { report, figures } = await playsFigures(env, blind, 20);
        return { violations: report.violations, figures };
      },
    },
  ],
};

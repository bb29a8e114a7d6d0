// go-openaudio #200: em_block is assigned sequentially only to chain blocks that carry ManageEntity txs.
// Setup: a production clone (blocks.number far ahead of chain height, core_indexed_blocks populated,
// etl_blocks empty) and a chain with long runs of blocks without ManageEntity txs (500 empty in a row).
// The bug: numbering every chain block with a constant offset.
import { type Kysely, sql } from 'kysely';
import { SIM_CHAIN_ID, SimChain } from '../sim/chain.js';
import { SimClock } from '../sim/clock.js';
import { emBlockSequencing, noMaskedLoss } from '../sim/invariants.js';
import type { BlockSource } from '../src/chain/block-source.js';
import { decodeGetBlockResponse } from '../src/chain/decode.js';
import type { Database } from '../src/db/schema.js';
import { silentLogger } from '../src/deps/logger.js';
import { productionDispatcher } from '../src/entity-manager/registry.js';
import { runIndexer } from '../src/indexer/run.js';
import type { Scenario, ScenarioEnv, ScenarioResult } from './scenario.js';

const BLOCKS = 1_200;
/** Heights the clone had indexed before the cutover. */
const CLONE_THROUGH = 150;
/** Where the clone's blocks.number stood at its first EM block: far ahead of the chain height. */
const CLONE_FIRST_NUMBER = 1_000_000;

async function loadClone(db: Kysely<Database>, chain: SimChain): Promise<void> {
  let number = CLONE_FIRST_NUMBER - 1;
  let parent: string | null = null;
  for (let h = 1; h <= CLONE_THROUGH; h++) {
    const d = decodeGetBlockResponse(chain.responseFor(h), h);
    if (d.status !== 'block') throw new Error(`no block ${h}`);
    const em = d.block.txs.some((t) => t.kind === 'manage_entity');
    if (em) {
      number++;
      await db
        .insertInto('blocks')
        .values({ blockhash: d.block.hash, parenthash: parent, number, is_current: null })
        .execute();
      parent = d.block.hash;
    }
    await db
      .insertInto('core_indexed_blocks')
      .values({ blockhash: d.block.hash, chain_id: SIM_CHAIN_ID, height: h, em_block: em ? number : null })
      .execute();
  }
}

/** The mistake as a migration variant: every indexed chain block gets height + a constant offset. */
async function constantOffsetNumbering(db: Kysely<Database>): Promise<void> {
  await sql`
    CREATE OR REPLACE FUNCTION bug_em_block_offset() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN NEW.em_block := NEW.height + ${sql.lit(CLONE_FIRST_NUMBER)}; RETURN NEW; END $$`.execute(db);
  await sql`
    CREATE TRIGGER bug_em_block_offset BEFORE INSERT OR UPDATE ON core_indexed_blocks
    FOR EACH ROW WHEN (NEW.height > ${sql.lit(CLONE_THROUGH)}) EXECUTE FUNCTION bug_em_block_offset()`.execute(
    db,
  );
}

async function run(
  env: ScenarioEnv,
  variant?: (db: Kysely<Database>) => Promise<void>,
): Promise<ScenarioResult> {
  const h = await env.freshDb();
  try {
    const chain = new SimChain({ seed: 200, blocks: BLOCKS, hostileShare: 0, emptyRun: true });
    await loadClone(h.db, chain);
    await variant?.(h.db);
    const source: BlockSource = {
      chainId: async () => SIM_CHAIN_ID,
      async fetch(height) {
        if (height > BLOCKS) return { status: 'end' };
        const d = decodeGetBlockResponse(chain.responseFor(height), height);
        return d.status === 'block' ? d : { status: 'not-yet', chainHead: undefined };
      },
    };
    let resumedAt = 0;
    await runIndexer({
      db: h.db,
      source,
      deps: { chainId: SIM_CHAIN_ID, dispatcher: productionDispatcher(), logger: silentLogger },
      clock: new SimClock(),
      observer: { onStart: (r) => (resumedAt = r.height) },
    });
    const ctx = { db: h.db, chain, chainId: SIM_CHAIN_ID, through: BLOCKS };
    const violations = [...(await emBlockSequencing(ctx))];
    // The indexer's own progress starts at the cutover: heights before it belong to the clone.
    violations.push(...(await noMaskedLoss({ ...ctx, from: CLONE_THROUGH + 1 })));
    if (resumedAt !== CLONE_THROUGH + 1)
      violations.push({
        invariant: 'resume',
        message: `resumed at ${resumedAt}, want ${CLONE_THROUGH + 1} (after core_indexed_blocks)`,
      });
    const max = await sql<{ m: number }>`SELECT max(number) AS m FROM blocks`.execute(h.db);
    return {
      violations,
      figures: {
        resumedAt,
        maxEmBlock: max.rows[0]?.m,
        emptyRun: chain.info.filter((i) => i.kind === 'empty').length,
      },
    };
  } finally {
    await h.close();
  }
}

export const scenario: Scenario = {
  id: '200',
  title: 'em_block sequencing across a production-clone cutover and 500 blocks without ManageEntity txs',
  needsPostgres: false,
  ours: (env) => run(env),
  bugs: [
    {
      name: 'every chain block numbered with a constant offset',
      catches: 'em-block-sequencing',
      run: (env) => run(env, constantOffsetNumbering),
    },
  ],
};

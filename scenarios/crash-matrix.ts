// Crash after every statement position of a representative block (ManageEntity txs, plays reaching a
// milestone, the user_events hook, then a challenge tick), restart through the production resume path,
// and compare with the uncrashed digest. The bug: a block that commits part of its work early.
import { type Kysely, sql } from 'kysely';
import { SimClock } from '../sim/clock.js';
import { diffDigests, digestTables } from '../sim/golden.js';
import type { BlockSource } from '../src/chain/block-source.js';
import type { Block } from '../src/chain/types.js';
import { runChallengeTick } from '../src/challenges/tick.js';
import type { Database } from '../src/db/schema.js';
import { silentLogger } from '../src/deps/logger.js';
import { productionDispatcher } from '../src/entity-manager/registry.js';
import { type IndexDeps, indexBlock } from '../src/indexer/index-block.js';
import { bridgePlays, type PlaysHook } from '../src/indexer/plays-bridge.js';
import { runIndexer } from '../src/indexer/run.js';
import { blockAt, emTx, playsTx, TEST_CHAIN_ID } from '../test/support/chain.js';
import { StatementFault } from '../test/support/statement-fault.js';
import type { Scenario, ScenarioEnv, ScenarioResult, Violation } from './scenario.js';

const w = (n: number) => `0x${n.toString(16).padStart(40, '0')}`;
const A = 3_500_001;
const B = 3_500_002;
const TRACK = 2_500_001;

// Built once: tx hashes come from a global counter and every run must see identical blocks.
const BLOCKS: readonly Block[] = [
  blockAt(1, [
    emTx({
      userId: A,
      entityType: 'User',
      entityId: A,
      action: 'Create',
      signer: w(A),
      metadata: { handle: 'crash_a', events: { is_mobile_user: true } },
    }),
    emTx({
      userId: B,
      entityType: 'User',
      entityId: B,
      action: 'Create',
      signer: w(B),
      metadata: { handle: 'crash_b', events: { referrer: A } },
    }),
  ]),
  blockAt(2, [
    emTx({
      userId: A,
      entityType: 'Track',
      entityId: TRACK,
      action: 'Create',
      signer: w(A),
      metadata: { owner_id: A, title: 'Crash Test', genre: 'Electronic' },
    }),
    emTx({ userId: B, entityType: 'User', entityId: A, action: 'Follow', signer: w(B) }),
    emTx({ userId: B, entityType: 'Track', entityId: TRACK, action: 'Save', signer: w(B) }),
    emTx({
      userId: A,
      entityType: 'User',
      entityId: A,
      action: 'Update',
      signer: w(A),
      metadata: { bio: 'updated', events: { is_mobile_user: true } },
    }),
    playsTx(
      Array.from({ length: 12 }, (_, i) => ({
        userId: String(i % 2 ? B : A),
        trackId: String(TRACK),
        timestamp: new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString(),
      })),
    ),
    playsTx([{ userId: 'anon', trackId: 'not-a-number' }]),
  ]),
];

const source: BlockSource = {
  chainId: async () => TEST_CHAIN_ID,
  fetch: async (h) => {
    const b = BLOCKS[h - 1];
    return b ? { status: 'block', block: b, chainHead: BLOCKS.length } : { status: 'end' };
  },
};

/** The mistake: the plays bridge commits what the block wrote so far and opens a new transaction. */
const commitsEarly: PlaysHook = async (trx, input) => {
  await sql`COMMIT`.execute(trx);
  await sql`BEGIN`.execute(trx);
  return bridgePlays(trx, input);
};

/**
 * Our run tries every crash position. A bug run stops at the first position whose restart differs: the
 * violation is then certain, and the positions after it cost a database each.
 */
async function run(env: ScenarioEnv, playsHook?: PlaysHook): Promise<ScenarioResult> {
  const stopAtFirst = playsHook !== undefined;
  const deps: IndexDeps = {
    chainId: TEST_CHAIN_ID,
    dispatcher: productionDispatcher(),
    logger: silentLogger,
    ...(playsHook ? { playsHook } : {}),
  };
  const finish = async (db: Kysely<Database>) => {
    await runIndexer({ db, source, deps, clock: new SimClock() });
    await runChallengeTick(db, { logger: silentLogger, clock: new SimClock() });
    return digestTables(db);
  };
  // The uncrashed run, and the number of statements the representative block issues.
  const ref = await env.freshDb();
  let statements = 0;
  let expected: Awaited<ReturnType<typeof finish>>;
  try {
    await sql`UPDATE challenges SET starting_block = 0`.execute(ref.db);
    await indexBlock(ref.db, BLOCKS[0]!, deps);
    const probe = new StatementFault(undefined);
    await indexBlock(ref.db.withPlugin(probe), BLOCKS[1]!, deps);
    statements = probe.count;
    expected = await finish(ref.db);
  } finally {
    await ref.close();
  }
  const violations: Violation[] = [];
  let tried = 0;
  for (let n = 1; n <= statements && !(stopAtFirst && violations.length > 0); n++) {
    tried = n;
    const t = await env.freshDb();
    try {
      await sql`UPDATE challenges SET starting_block = 0`.execute(t.db);
      await indexBlock(t.db, BLOCKS[0]!, deps);
      await indexBlock(t.db.withPlugin(new StatementFault(n)), BLOCKS[1]!, deps).catch(() => undefined);
      // Restart: the production resume path picks the first unindexed height.
      const got = await finish(t.db);
      for (const m of diffDigests(expected, got))
        violations.push({
          invariant: 'crash-restart-equivalence',
          message: `crash after statement ${n}: ${m}`,
        });
    } finally {
      await t.close();
    }
  }
  return { violations, figures: { statementsInBlock: statements, crashPositions: tried } };
}

export const scenario: Scenario = {
  id: 'crash-matrix',
  title: 'a crash after every statement of a representative block, then restart',
  needsPostgres: true,
  ours: (env) => run(env),
  bugs: [
    {
      name: 'plays bridge that commits the block early',
      catches: 'crash-restart-equivalence',
      run: (env) => run(env, commitsEarly),
    },
  ],
};

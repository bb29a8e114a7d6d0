// user_events from User Create/Update metadata `events` (docs/spec.md#user_events): sticky mobile flag, set-once referrer,
// demote + append only on change, and a failure that never fails the User tx.
import { type Kysely, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/schema.js';
import { silentLogger } from '../../src/deps/logger.js';
import { Metadata } from '../../src/entity-manager/metadata.js';
import { POST_HOOKS, productionDispatcher } from '../../src/entity-manager/registry.js';
import type { EmParams } from '../../src/entity-manager/types.js';
import { parseUserEvents, userEventsHook } from '../../src/entity-manager/user-events-hook.js';
import { indexBlock } from '../../src/indexer/index-block.js';
import { wallet } from '../handlers/support.js';
import { blockAt, emTx, TEST_CHAIN_ID } from '../support/chain.js';
import { createTestDb, type TestDb } from '../support/db.js';

function params(userId: number, blockNumber: number, metadata: Record<string, unknown>): EmParams {
  return {
    userId,
    entityId: userId,
    entityType: 'User',
    action: 'Update',
    signer: '0xabc',
    signerRaw: '0xabc',
    metadata: Metadata.parse(JSON.stringify({ cid: 'bafy', data: metadata })),
    blockNumber,
    blockTime: '2025-03-03T00:00:00Z',
    blockHash: `bh${blockNumber}`,
    txHash: `tx${blockNumber}`,
    chainHeight: blockNumber,
    migration: false,
  };
}

async function rows(db: Kysely<Database>, userId: number) {
  return db
    .selectFrom('user_events')
    .select(['blocknumber', 'is_current', 'referrer', 'is_mobile_user'])
    .where('user_id', '=', userId)
    .orderBy('id')
    .execute();
}

/** Every user_events insert raises (trigger fail_ue). */
async function failUserEventsWrites(db: Kysely<Database>): Promise<void> {
  await sql`
    CREATE FUNCTION fail_user_events() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'injected'; END $$`.execute(db);
  await sql`CREATE TRIGGER fail_ue BEFORE INSERT ON user_events FOR EACH ROW EXECUTE FUNCTION fail_user_events()`.execute(
    db,
  );
}

describe('user_events hook', () => {
  let t: TestDb;
  // Post-hooks always run inside the block transaction (the tx's savepoint).
  const run = (p: EmParams, db?: Kysely<Database>) =>
    db
      ? userEventsHook({ db, logger: silentLogger }, p)
      : t.db.transaction().execute((trx) => userEventsHook({ db: trx, logger: silentLogger }, p));
  beforeEach(async () => {
    t = await createTestDb();
  });
  afterEach(async () => t?.close());

  it('is registered for User Create and User Update', () => {
    expect(
      POST_HOOKS.filter((h) => h.hook === userEventsHook).map((h) => `${h.entityType}:${h.action}`),
    ).toEqual(['User:Create', 'User:Update']);
  });

  it('parses only what production accepts', () => {
    expect(parseUserEvents(undefined, 1)).toBeNull();
    expect(parseUserEvents({}, 1)).toBeNull();
    expect(parseUserEvents({ is_mobile_user: 'true' }, 1)).toBeNull();
    expect(parseUserEvents({ referrer: 1 }, 1)).toBeNull(); // self-referral
    expect(parseUserEvents({ referrer: '5' }, 1)).toBeNull();
    expect(parseUserEvents({ referrer: 0 }, 1)).toBeNull();
    expect(parseUserEvents({ referrer: 5, is_mobile_user: true }, 1)).toEqual({
      isMobileUser: true,
      referrer: 5,
    });
    expect(parseUserEvents({ referrer: 5 }, 1)).toEqual({ isMobileUser: false, referrer: 5 });
  });

  it('sticky mobile flag, set-once referrer, a new current row only on change', async () => {
    await run(params(1, 3, { name: 'no events' }));
    expect(await rows(t.db, 1)).toEqual([]);
    await run(params(1, 4, { events: { referrer: 5 } }));
    await run(params(1, 5, { events: { referrer: 6 } })); // set-once: ignored, nothing changes
    await run(params(1, 6, { events: { is_mobile_user: false, referrer: 5 } })); // nothing changes
    await run(params(1, 7, { events: { is_mobile_user: true } }));
    await run(params(1, 8, { events: { is_mobile_user: false, referrer: 9 } })); // sticky, set-once
    expect(await rows(t.db, 1)).toEqual([
      { blocknumber: 4, is_current: false, referrer: 5, is_mobile_user: false },
      { blocknumber: 7, is_current: true, referrer: 5, is_mobile_user: true },
    ]);
  });

  it('a failing write is logged and leaves the surrounding transaction usable', async () => {
    await failUserEventsWrites(t.db);
    await t.db.transaction().execute(async (trx) => {
      await run(params(2, 3, { events: { is_mobile_user: true } }), trx);
      const ok = await sql<{ one: number }>`SELECT 1 AS one`.execute(trx);
      expect(ok.rows[0]!.one).toBe(1);
    });
    expect(await rows(t.db, 2)).toEqual([]);
  });

  it('on the fast path (no savepoint of its own) a failing write replays the block: the User tx is still applied', async () => {
    await failUserEventsWrites(t.db);
    const id = 3_200_001;
    const create = emTx({
      userId: id,
      entityType: 'User',
      entityId: id,
      action: 'Create',
      signer: wallet(id),
      metadata: { handle: 'mobile1', events: { is_mobile_user: true } },
    });
    const deps = { chainId: TEST_CHAIN_ID, dispatcher: productionDispatcher(), logger: silentLogger };
    const r = await indexBlock(t.db, blockAt(1, [create]), deps);
    expect(r).toMatchObject({ status: 'indexed', stats: { applied: 1, failed: 0 } });
    const user = await t.db.selectFrom('users').select('handle').where('user_id', '=', id).execute();
    expect(user).toEqual([{ handle: 'mobile1' }]);
    expect(await rows(t.db, id)).toEqual([]);
    // Without the trigger the same block writes the row: the hook did run on the fast path.
    await sql`DROP TRIGGER fail_ue ON user_events`.execute(t.db);
    const other = emTx({
      userId: id + 1,
      entityType: 'User',
      entityId: id + 1,
      action: 'Create',
      signer: wallet(id + 1),
      metadata: { handle: 'mobile2', events: { is_mobile_user: true } },
    });
    await indexBlock(t.db, blockAt(2, [other]), deps);
    expect(await rows(t.db, id + 1)).toEqual([
      { blocknumber: 2, is_current: true, referrer: null, is_mobile_user: true },
    ]);
  });
});

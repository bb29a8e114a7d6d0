// The parity tool: two databases indexed from the same chain agree; a changed field, a missing row and a row
// past the shared window are each reported as what they are.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIM_CHAIN_ID, SimChain } from '../../sim/chain.js';
import { SimClock } from '../../sim/clock.js';
import type { BlockSource } from '../../src/chain/block-source.js';
import { decodeGetBlockResponse } from '../../src/chain/decode.js';
import { silentLogger } from '../../src/deps/logger.js';
import { productionDispatcher } from '../../src/entity-manager/registry.js';
import { runIndexer } from '../../src/indexer/run.js';
import { compareDatabases, compareTable, unexpected } from '../../src/parity/compare.js';
import { createTestDb, type TestDb } from '../support/db.js';

const chain = new SimChain({ seed: 21, blocks: 200, hostileShare: 0.1 });
const source = (upTo: number): BlockSource => ({
  chainId: async () => SIM_CHAIN_ID,
  fetch: async (h) => {
    if (h > upTo) return { status: 'end' };
    const d = decodeGetBlockResponse(chain.responseFor(h), h);
    return d.status === 'block' ? d : { status: 'end' };
  },
});
const index = (db: TestDb, upTo: number) =>
  runIndexer({
    db: db.db,
    source: source(upTo),
    deps: { chainId: SIM_CHAIN_ID, dispatcher: productionDispatcher(), logger: silentLogger },
    clock: new SimClock(),
  });

describe('parity compare', () => {
  let a: TestDb;
  let b: TestDb;
  beforeAll(async () => {
    [a, b] = await Promise.all([createTestDb(), createTestDb()]);
    await index(a, 200);
    await index(b, 150);
  });
  afterAll(async () => Promise.all([a?.close(), b?.close()]));

  it('agrees on everything inside the shared window; rows past it are skipped, not reported', async () => {
    const reports = await compareDatabases(a.db, b.db);
    expect(
      reports.filter((r) => r.onlyLeft + r.onlyRight + r.differing > 0).map((r) => [r.table, r.examples[0]]),
    ).toEqual([]);
    expect(unexpected(reports)).toBe(0);
    expect(reports.find((r) => r.table === 'users')!.skippedPastWindow).toBeGreaterThan(0);
  });

  // Only rows inside the shared window can be compared: an entity updated in place on the left after the
  // right side's last block is (rightly) skipped, so the rows to tamper with are picked inside the window.
  it('reports a changed field and a missing row, naming the key and the column', async () => {
    const maxBn = async (d: TestDb) =>
      (
        await d.db
          .selectFrom('users')
          .select((e) => e.fn.max('blocknumber').as('m'))
          .executeTakeFirstOrThrow()
      ).m;
    const window = Math.min(Number(await maxBn(a)), Number(await maxBn(b)));
    const u = await a.db
      .selectFrom('users')
      .select(['user_id', 'name'])
      .where('is_current', '=', true)
      .where('blocknumber', '<=', window)
      // The latest rows inside the window: a window drawn too narrow would hide them.
      .orderBy('blocknumber', 'desc')
      .orderBy('user_id')
      .limit(2)
      .execute();
    expect(u).toHaveLength(2);
    await sql`UPDATE users SET name = 'tampered' WHERE user_id = ${u[0]!.user_id}`.execute(b.db);
    await sql`DELETE FROM users WHERE user_id = ${u[1]!.user_id}`.execute(b.db);
    const r = await compareTable(a.db, b.db, 'users');
    expect(r.differing).toBe(1);
    expect(r.onlyLeft).toBe(1);
    expect(r.examples).toContain(`[${u[0]!.user_id}]: name ${JSON.stringify(u[0]!.name)} ≠ "tampered"`);
    expect(r.examples).toContain(`[${u[1]!.user_id}]: only on the left`);
  });
});

// The runner itself: a case passes only when outcomes and rows match, and fails loudly otherwise.
import { afterAll, describe, expect, it } from 'vitest';
import { testBackend } from '../support/db.js';
import { closeCaseDatabase, type ParityCase, runCase, userCreate } from './support.js';

const created: ParityCase = {
  name: 'a user is created with its handle',
  from: 'harness',
  block: userCreate(3_000_001, { handle: 'Alice' }),
  outcomes: ['applied'],
  rows: [
    {
      table: 'users',
      where: { user_id: 3_000_001, is_current: true },
      equals: { handle: 'Alice', handle_lc: 'alice' },
    },
  ],
};

describe.runIf(testBackend() === 'postgres')('parity runner', () => {
  afterAll(closeCaseDatabase);

  it('passes a case whose outcome and rows match', () => runCase(created));

  it('starts every case from the migrated state: no row or sequence position of the previous case is left', async () => {
    await runCase(created);
    // The next case indexes height 1 again: a leftover block would be skipped as already indexed, a
    // leftover user would still be there, and a leftover sequence position would number the tx row past 1.
    await runCase({
      name: 'another user is created',
      from: 'harness',
      block: userCreate(3_000_002, { handle: 'Bob' }),
      outcomes: ['applied'],
      rows: [
        { table: 'users', where: { user_id: 3_000_001 }, count: 0 },
        { table: 'users', where: { user_id: 3_000_002 }, equals: { handle: 'Bob' } },
      ],
      queries: [
        { query: 'SELECT id, block_height FROM etl_transactions', rows: [{ id: 1, block_height: 1 }] },
      ],
    });
  });

  it('fails a case whose outcome differs', async () => {
    await expect(runCase({ ...created, outcomes: ['user_exists'] })).rejects.toThrow(/user_exists/);
  });

  it('fails a case whose row differs or is missing', async () => {
    await expect(
      runCase({
        ...created,
        rows: [{ table: 'users', where: { user_id: 3_000_001 }, equals: { handle: 'bob' } }],
      }),
    ).rejects.toThrow();
    await expect(
      runCase({ ...created, rows: [{ table: 'users', where: { user_id: 3_000_002 }, count: 1 }] }),
    ).rejects.toThrow();
  });
});

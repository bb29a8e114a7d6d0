// The built daemon (`node dist/cli.js index`) against the simulator's RPC server and a real PostgreSQL:
// metrics while it runs, SIGKILL mid-run and restart, RPC faults (500, 429, malformed body, a hung request),
// SIGTERM, a second signal, a second instance — and the same tables as an undisturbed in-process run.
// Every check runs E2E_ROUNDS times (3 in CI), each on a fresh database and a fresh node; every round must pass.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIM_CHAIN_ID, SimChain } from '../../sim/chain.js';
import { freePort } from '../../sim/ephemeral-postgres.js';
import type { TableDigest } from '../../sim/golden.js';
import { startRpcServer } from '../../sim/rpc-server.js';
import {
  blockTable,
  buildOnce,
  type DaemonProcess,
  metric,
  referenceDigest,
  spawnDaemon,
  type TableBlocker,
  until,
} from '../support/daemon.js';
import { createTestDb, type TestDb, testBackend } from '../support/db.js';
import { digestTables } from '../support/digest.js';
import { e2eRounds } from '../support/e2e-rounds.js';

const BLOCKS = 800;
const ROUNDS = e2eRounds();
const chain = new SimChain({ seed: 5, blocks: BLOCKS, hostileShare: 0.1 });

function daemon(rpc: string, db: string, port: number): DaemonProcess {
  const args = ['--rpc', rpc, '--db', db, '--metrics-port', String(port), '--to', String(BLOCKS)];
  return spawnDaemon([...args, '--rpc-timeout-ms', '1500']);
}

/** A node that fails each of a few heights once (500, 429, a malformed body, a hung request). */
/**
 * Heights above this are "not produced yet": a test parks the daemon at the tip before it sets a trap, so
 * the trap never races the daemon to the end of the chain.
 */
let released = Number.POSITIVE_INFINITY;

function faultyNode() {
  return startRpcServer((h) => (h <= released ? chain.responseFor(h) : undefined), {
    chainId: SIM_CHAIN_ID,
    faults: {
      forGetBlock: (h, attempt) =>
        attempt > 1
          ? undefined
          : ({ 40: 'http500', 41: 'http429', 60: 'malformed', 80: 'hang' } as const)[h as 40 | 41 | 60 | 80],
      hangMs: 5_000,
    },
  });
}

/** The committed heights are exactly 1..max: nothing half-written, nothing skipped. */
async function expectWholePrefix(t: TestDb): Promise<number> {
  const hs = await t.db.selectFrom('etl_blocks').select('block_height').orderBy('block_height').execute();
  expect(hs.map((r) => r.block_height)).toEqual(hs.map((_, i) => i + 1));
  return hs.length;
}

describe.runIf(testBackend() === 'postgres')('daemon end to end', () => {
  let reference: TableDigest;
  let rpc: Awaited<ReturnType<typeof startRpcServer>>;
  let t: TestDb;
  beforeAll(async () => {
    buildOnce();
    reference = await referenceDigest(chain);
  });
  /**
   * Starts a daemon, parks it at the tip, sets the trap and lets it go: it is caught mid-block, its block
   * having written rows and waiting on a lock the test holds. Then SIGTERM, acknowledged in its log.
   */
  const terminateMidBlock = async (at: number): Promise<{ d: DaemonProcess; blocker: TableBlocker }> => {
    const port = await freePort();
    const d = daemon(rpc.url, t.url, port);
    released = at;
    await until(async () => ((await metric(port, 'metronome_indexed_height')) ?? 0) >= released);
    const blocker = await blockTable(t.url, 'etl_manage_entities');
    released = BLOCKS;
    await blocker.daemonWaiting();
    d.child.kill('SIGTERM');
    await until(async () => d.output().includes('shutting down'), 10_000);
    return { d, blocker };
  };
  const fresh = async () => {
    released = Number.POSITIVE_INFINITY;
    rpc = await faultyNode();
    t = await createTestDb();
  };
  const cleanUp = async () => {
    await t?.close();
    await rpc?.close();
  };
  afterAll(cleanUp);

  for (const round of ROUNDS) {
    it(`round ${round}: survives SIGKILL mid-run and RPC faults, resumes, ends with the undisturbed digest`, async () => {
      await fresh();
      try {
        const port = await freePort();
        const first = daemon(rpc.url, t.url, port);
        await until(async () => ((await metric(port, 'metronome_indexed_height')) ?? 0) > 300);
        expect(await metric(port, 'metronome_chain_head')).toBe(BLOCKS);
        first.child.kill('SIGKILL');
        await first.exit;
        await expectWholePrefix(t);
        expect(first.output()).toMatch(/fetch retry/);
        // Every faulted height was asked again: retried, not skipped.
        for (const h of [40, 41, 60, 80]) expect(rpc.attempts.get(h)).toBeGreaterThan(1);
        const second = daemon(rpc.url, t.url, await freePort());
        expect(await second.exit).toBe(0);
        expect(second.output()).toMatch(/"reason":"etl_blocks"/);
        expect(await digestTables(t.db)).toEqual(reference);
      } finally {
        await cleanUp();
      }
    });

    it(`round ${round}: SIGTERM during a block finishes that block, exits 0, and the next start resumes`, async () => {
      await fresh();
      try {
        const { d, blocker } = await terminateMidBlock(100 * round);
        const stuckAt = await expectWholePrefix(t);
        await blocker.release();
        expect(await d.exit).toBe(0);
        // The block it was in was finished, not abandoned; nothing after it was started.
        expect(await expectWholePrefix(t)).toBeGreaterThan(stuckAt);
        expect(await expectWholePrefix(t)).toBeLessThan(BLOCKS);
        const again = daemon(rpc.url, t.url, await freePort());
        expect(await again.exit).toBe(0);
        expect(await digestTables(t.db)).toEqual(reference);
      } finally {
        await cleanUp();
      }
    });

    it(`round ${round}: a second signal exits at once; the open block rolls back and the next start resumes`, async () => {
      await fresh();
      try {
        const { d, blocker } = await terminateMidBlock(100 * round);
        // Still inside the stuck block: the first signal waits for it; the second does not.
        expect(d.child.exitCode).toBe(null);
        const before = await expectWholePrefix(t);
        d.child.kill('SIGTERM');
        expect(await d.exit).toBe(130);
        expect(d.output()).toMatch(/second signal: exiting now/);
        await blocker.release();
        expect(await expectWholePrefix(t)).toBe(before);
        const again = daemon(rpc.url, t.url, await freePort());
        expect(await again.exit).toBe(0);
        expect(await digestTables(t.db)).toEqual(reference);
      } finally {
        await cleanUp();
      }
    });

    it(`round ${round}: a block that fails deterministically halts once, naming height and reason; the fixed restart resumes`, async () => {
      await fresh();
      try {
        // A logic error the database will raise every time for block 50 (SQLSTATE P0001: not retryable).
        await sql`
          CREATE FUNCTION reject_block_50() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN RAISE EXCEPTION 'block 50 is poisoned'; END $$`.execute(t.db);
        await sql`
          CREATE TRIGGER poison BEFORE INSERT ON etl_blocks FOR EACH ROW
          WHEN (NEW.block_height = 50) EXECUTE FUNCTION reject_block_50()`.execute(t.db);
        const d = daemon(rpc.url, t.url, await freePort());
        expect(await d.exit).toBe(1);
        const halts = d
          .output()
          .split('\n')
          .filter((l) => l.includes('halted on a block failure'));
        expect(halts).toHaveLength(1);
        expect(halts[0]).toMatch(/"height":50/);
        expect(halts[0]).toMatch(/block 50 is poisoned/);
        // Not churned: no retry of the poisoned block, and nothing at or past it.
        expect(d.output()).not.toMatch(/block retry/);
        expect(await expectWholePrefix(t)).toBe(49);
        await sql`DROP TRIGGER poison ON etl_blocks`.execute(t.db);
        await sql`DROP FUNCTION reject_block_50()`.execute(t.db);
        const again = daemon(rpc.url, t.url, await freePort());
        expect(await again.exit).toBe(0);
        expect(await digestTables(t.db)).toEqual(reference);
      } finally {
        await cleanUp();
      }
    });

    it(`round ${round}: a second daemon against the same database and chain refuses to start, naming the holder`, async () => {
      await fresh();
      try {
        const port = await freePort();
        const d = daemon(rpc.url, t.url, port);
        await until(async () => ((await metric(port, 'metronome_indexed_height')) ?? 0) > 10);
        const second = daemon(rpc.url, t.url, await freePort());
        expect(await second.exit).not.toBe(0);
        expect(second.output()).toMatch(
          new RegExp(`another metronome indexer already indexes chain "metronome-sim".*pid ${d.child.pid}`),
        );
        // The first one is unaffected: still indexing, and it stops cleanly when asked.
        const h = (await metric(port, 'metronome_indexed_height')) ?? 0;
        await until(async () => ((await metric(port, 'metronome_indexed_height')) ?? 0) > h);
        d.child.kill('SIGTERM');
        expect(await d.exit).toBe(0);
        await expectWholePrefix(t);
      } finally {
        await cleanUp();
      }
    });
  }
});

// Database ride-through: the built daemon keeps going, unaided, while PostgreSQL is stopped hard
// (pg_ctl stop -m immediate) at two deliberate points and started again 10 s later:
//  - mid-block: the daemon's block transaction has written rows and waits on a lock the test holds;
//  - mid-commit: the daemon has sent COMMIT and waits for a synchronous standby that never answers — the
//    commit is in the WAL but was never acknowledged, the case where "did my block commit?" has no answer.
// No gap, nothing applied twice, the undisturbed digest at the end, and no half-written block visible to a
// reader at any moment. E2E_ROUNDS rounds (3 in CI), each on its own PostgreSQL cluster and node, run
// concurrently (a round mostly waits through its outages); every round must pass.
// The chain is as short as the check allows: the mid-block outage at block ~60, the mid-commit one at ~140,
// and 80 blocks after it, so each outage has blocks indexed before it and after it.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { SIM_CHAIN_ID, SimChain } from '../../sim/chain.js';
import { createDatabase, migratedTemplate } from '../../sim/database.js';
import { type EphemeralPostgres, startEphemeralPostgres } from '../../sim/ephemeral-postgres.js';
import type { TableDigest } from '../../sim/golden.js';
import { startRpcServer } from '../../sim/rpc-server.js';
import { decodeGetBlockResponse } from '../../src/chain/decode.js';
import { connect } from '../../src/db/connect.js';
import {
  blockTable,
  buildOnce,
  Daemons,
  E2E_CHECK_TIMEOUT_MS,
  expectIndexedAsReference,
  metric,
  metricsPort,
  referenceDigest,
  until,
} from '../support/daemon.js';
import { createTestDb, testBackend } from '../support/db.js';
import { e2eRounds } from '../support/e2e-rounds.js';

const BLOCKS = 220;
/** Where the daemon is parked for the mid-block trap, and then for the mid-commit one. */
const MID_BLOCK_AT = 60;
const MID_COMMIT_AT = 140;
const DOWN_MS = 10_000;
const chain = new SimChain({ seed: 11, blocks: BLOCKS, hostileShare: 0.1 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What a reader may see: the chain's first `top` blocks, whole. Cumulative txs and ManageEntity blocks. */
const cumTxs = [0];
const cumEmBlocks = [0];
for (let h = 1; h <= BLOCKS; h++) {
  const d = decodeGetBlockResponse(chain.responseFor(h), h);
  const txs = d.status === 'block' ? d.block.txs : [];
  cumTxs.push(cumTxs[h - 1]! + txs.length);
  cumEmBlocks.push(cumEmBlocks[h - 1]! + (txs.some((t) => t.kind === 'manage_entity') ? 1 : 0));
}

interface Watch {
  samples: number;
  violations: string[];
  stop(): Promise<void>;
}

/**
 * Samples the database every 50 ms (one statement, one snapshot) for a partly visible block. One session
 * while the server is up (a new one after each outage): a connection per sample would cost a backend fork
 * each, CPU the concurrent rounds need.
 */
function watchAtomicity(url: string): Watch {
  const w: Watch = { samples: 0, violations: [], stop: async () => {} };
  let running = true;
  const loop = (async () => {
    let c: pg.Client | undefined;
    while (running) {
      try {
        if (!c) {
          const fresh = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
          fresh.on('error', () => {});
          c = fresh;
          await fresh.connect();
        }
        const r = await c.query<{ blocks: number; top: number; cib: number; txs: number; em: number }>(
          `SELECT (SELECT count(*) FROM etl_blocks)::int AS blocks,
                  (SELECT coalesce(max(block_height), 0) FROM etl_blocks)::int AS top,
                  (SELECT count(*) FROM core_indexed_blocks)::int AS cib,
                  (SELECT count(*) FROM etl_transactions)::int AS txs,
                  (SELECT count(*) FROM blocks WHERE number IS NOT NULL)::int AS em`,
        );
        const s = r.rows[0]!;
        w.samples++;
        const want = { blocks: s.top, top: s.top, cib: s.top, txs: cumTxs[s.top], em: cumEmBlocks[s.top] };
        if (JSON.stringify(s) !== JSON.stringify(want))
          w.violations.push(`saw ${JSON.stringify(s)}, a whole prefix is ${JSON.stringify(want)}`);
      } catch {
        // The server is down: nothing to see; connect again next time.
        await c?.end().catch(() => {});
        c = undefined;
      }
      await sleep(50);
    }
    await c?.end().catch(() => {});
  })();
  w.stop = async () => {
    running = false;
    await loop;
  };
  return w;
}

/** The daemon's pooled backend in this database, when it matches `where` (pg_stat_activity columns). */
async function daemonBackend(
  c: pg.Client,
  where: string,
): Promise<{ pid: number; query: string } | undefined> {
  const r = await c.query<{ pid: number; query: string }>(
    `SELECT pid, query FROM pg_stat_activity
     WHERE application_name = 'metronome-index' AND datname = current_database() AND ${where}`,
  );
  return r.rows[0];
}

async function client(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  c.on('error', () => {});
  await c.connect();
  return c;
}

describe.runIf(testBackend() === 'postgres')(
  'database outages mid-block and mid-commit (built daemon)',
  () => {
    let reference: TableDigest;
    beforeAll(async () => {
      buildOnce();
      reference = await referenceDigest(chain);
      // The watcher's oracle agrees with the undisturbed run's totals.
      expect(reference.etl_transactions!.rows).toBe(cumTxs[BLOCKS]);
      expect(reference.blocks!.rows).toBe(cumEmBlocks[BLOCKS]);
    });

    it.concurrent('the watcher catches a block whose rows are committed in two pieces (a deliberately broken writer)', async () => {
      const t = await createTestDb();
      const w = watchAtomicity(t.url);
      try {
        // The broken writer commits the bookkeeping of blocks 1..h first and their txs never (or later).
        const h = cumTxs.findIndex((n) => n > 0);
        for (let i = 1; i <= h; i++) {
          const at = '2026-01-01T00:00:00Z';
          await t.db.insertInto('etl_blocks').values({ block_height: i, block_time: at }).execute();
          await t.db
            .insertInto('core_indexed_blocks')
            .values({ blockhash: `h${i}`, chain_id: SIM_CHAIN_ID, height: i, em_block: null })
            .execute();
        }
        await until(async () => w.violations.length > 0, 10_000);
      } finally {
        await w.stop();
        await t.close();
      }
      expect(w.violations[0]).toMatch(/a whole prefix is/);
    });

    for (const round of e2eRounds()) {
      it.concurrent(
        `round ${round}: stopped mid-block and mid-commit, 10 s down each; resumes unaided to the undisturbed digest`,
        async () => {
          // A cluster of its own: the round stops and restarts the server, and reconfigures it (a phantom
          // synchronous standby), which must not touch the rounds running beside it. Acknowledged commits must
          // survive an immediate stop: synchronous_commit on (fsync stays off: the OS does not crash, so what
          // was written to the WAL survives the process).
          let pgServer: EphemeralPostgres | undefined;
          let rpc: Awaited<ReturnType<typeof startRpcServer>> | undefined;
          const daemons = new Daemons();
          let watch: Watch | undefined;
          try {
            pgServer = await startEphemeralPostgres({ extraSettings: { synchronous_commit: 'on' } });
            const server = pgServer;
            /**
             * Heights above this are "not produced yet": the daemon is parked at the tip while a trap is set,
             * so a trap never races it to the end of the chain.
             */
            let released = MID_BLOCK_AT;
            rpc = await startRpcServer((h) => (h <= released ? chain.responseFor(h) : undefined), {
              chainId: SIM_CHAIN_ID,
            });
            const dbUrl = await createDatabase(server.url, 'outage', {
              template: await migratedTemplate(server.url),
            });
            const d = daemons.spawn([
              ...['--rpc', rpc.url, '--db', dbUrl, '--metrics-port', '0', '--to', String(BLOCKS)],
            ]);
            watch = watchAtomicity(dbUrl);
            const port = await metricsPort(d);
            const height = async () => (await metric(port, 'metronome_indexed_height')) ?? 0;
            // Mid-block: hold SHARE on etl_manage_entities, which only ManageEntity blocks write, after their
            // etl_blocks claim and blocks.number: the daemon's transaction has written rows (it has an xid) and
            // waits for the lock. Then the server dies.
            await until(async () => (await height()) >= released);
            const locker = await blockTable(dbUrl, 'etl_manage_entities');
            released = MID_COMMIT_AT;
            await locker.daemonWaiting();
            await server.kill();
            await locker.release();
            await sleep(DOWN_MS);
            await server.restart();

            // Mid-commit: a synchronous standby that does not exist holds every COMMIT after its WAL flush.
            await until(async () => (await height()) >= released, 60_000);
            const ctl = await client(dbUrl);
            await ctl.query(`ALTER SYSTEM SET synchronous_standby_names = 'metronome_no_such_standby'`);
            await ctl.query('SELECT pg_reload_conf()');
            released = BLOCKS;
            let inCommit: { pid: number; query: string } | undefined;
            await until(async () => {
              inCommit = await daemonBackend(ctl, `wait_event = 'SyncRep'`);
              return inCommit !== undefined;
            }, 30_000);
            expect(inCommit!.query.trim().toLowerCase()).toBe('commit');
            const acknowledged = await height();
            await server.kill();
            await ctl.end().catch(() => {});
            // Back without the phantom standby (edited while the server is down, so no reload races the daemon).
            const auto = join(server.dataDir, 'postgresql.auto.conf');
            writeFileSync(
              auto,
              readFileSync(auto, 'utf8')
                .split('\n')
                .filter((l) => !l.startsWith('synchronous_standby_names'))
                .join('\n'),
            );
            await sleep(DOWN_MS);
            await server.restart();
            // The unacknowledged COMMIT survived recovery: the database holds blocks the daemon never heard of.
            const probe = await client(dbUrl);
            const top = (
              await probe.query<{ top: number }>('SELECT max(block_height)::int AS top FROM etl_blocks')
            ).rows[0]!.top;
            await probe.end();
            expect(top).toBeGreaterThan(acknowledged);

            expect(await d.exit).toBe(0);
            await watch.stop();
            expect(d.output()).toMatch(/block retry/);
            // Each restart ended the lock's session; the daemon took the lock again before writing on.
            expect(d.output()).toMatch(/took the lock again/);
            expect(watch.violations).toEqual([]);
            expect(watch.samples).toBeGreaterThan(20);
            const h = await connect(dbUrl, { poolSize: 1 });
            try {
              await expectIndexedAsReference(h.db, BLOCKS, reference);
            } finally {
              await h.close();
            }
          } finally {
            await daemons.killAll();
            await watch?.stop();
            await rpc?.close();
            await pgServer?.stop();
          }
        },
        E2E_CHECK_TIMEOUT_MS,
      );
    }
  },
);

// Ride-through: the built daemon keeps going, unaided, while PostgreSQL is stopped hard (pg_ctl stop -m
// immediate) in the middle of its work and started again, and while the node answers nothing but errors
// and hung requests for a while — no gap, nothing applied twice, the undisturbed digest at the end.
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIM_CHAIN_ID, SimChain } from '../../sim/chain.js';
import { type EphemeralPostgres, freePort, startEphemeralPostgres } from '../../sim/ephemeral-postgres.js';
import { startRpcServer } from '../../sim/rpc-server.js';
import { connect } from '../../src/db/connect.js';
import { migrate } from '../../src/db/migrate.js';
import { buildOnce, indexReference, metric, until } from '../support/daemon.js';
import { createTestDb, type TestDb, testBackend } from '../support/db.js';
import { digestTables } from '../support/digest.js';

const BLOCKS = 900;
const chain = new SimChain({ seed: 11, blocks: BLOCKS, hostileShare: 0.1 });

describe.runIf(testBackend() === 'postgres')('outage ride-through (built daemon)', () => {
  let ref: TestDb;
  let pg: EphemeralPostgres;
  let rpcDown = { until: 0 };
  let rpc: Awaited<ReturnType<typeof startRpcServer>>;
  beforeAll(async () => {
    buildOnce();
    // Acknowledged commits must survive an immediate stop: synchronous_commit on (fsync stays off: the OS does not crash).
    pg = await startEphemeralPostgres({ extraSettings: { synchronous_commit: 'on' } });
    rpc = await startRpcServer((h) => chain.responseFor(h), {
      chainId: SIM_CHAIN_ID,
      faults: {
        forGetBlock: () =>
          Date.now() < rpcDown.until
            ? Math.floor(Date.now() / 1000) % 2 === 0
              ? 'http500'
              : 'hang'
            : undefined,
        hangMs: 3_000,
      },
    });
    ref = await createTestDb();
    await indexReference(ref.db, chain);
  }, 180_000);
  afterAll(async () => {
    await ref?.close();
    await rpc?.close();
    await pg?.stop();
  });

  it('three database outages (stopped hard mid-run, 10 s down) and an RPC outage (500s and hangs for 10 s)', async () => {
    const db = await connect(pg.url, { poolSize: 1 });
    await migrate(db.db);
    await db.close();
    const port = await freePort();
    const child: ChildProcess = spawn(
      'node',
      [
        'dist/cli.js',
        'index',
        '--rpc',
        rpc.url,
        '--db',
        pg.url,
        '--metrics-port',
        String(port),
        '--to',
        String(BLOCKS),
        '--rpc-timeout-ms',
        '1000',
      ],
      {
        env: { ...process.env, LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exit = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    for (const at of [100, 250, 400]) {
      await until(async () => ((await metric(port, 'metronome_indexed_height')) ?? 0) >= at);
      await pg.kill();
      await new Promise((r) => setTimeout(r, 10_000));
      await pg.restart();
    }
    await until(async () => ((await metric(port, 'metronome_indexed_height')) ?? 0) >= 550);
    rpcDown = { until: Date.now() + 10_000 };
    expect(await exit).toBe(0);
    expect(out).toMatch(/block retry/);
    expect(out).toMatch(/fetch retry/);
    const h = await connect(pg.url, { poolSize: 1 });
    try {
      const heights = await h.db
        .selectFrom('etl_blocks')
        .select('block_height')
        .orderBy('block_height')
        .execute();
      expect(heights.map((r) => r.block_height)).toEqual(Array.from({ length: BLOCKS }, (_, i) => i + 1));
      expect(await digestTables(h.db)).toEqual(await digestTables(ref.db));
    } finally {
      await h.close();
    }
  }, 240_000);
});

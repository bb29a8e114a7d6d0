// The built daemon (`node dist/cli.js index`) against the simulator's RPC server and a real PostgreSQL:
// metrics while it runs, SIGKILL mid-run and restart, RPC faults (500, malformed body, a hung request),
// SIGTERM — and the same tables as an undisturbed in-process run.
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIM_CHAIN_ID, SimChain } from '../../sim/chain.js';
import { freePort } from '../../sim/ephemeral-postgres.js';
import { startRpcServer } from '../../sim/rpc-server.js';
import { buildOnce, indexReference, metric, until } from '../support/daemon.js';
import { createTestDb, type TestDb, testBackend } from '../support/db.js';
import { digestTables } from '../support/digest.js';

const BLOCKS = 1500;
const chain = new SimChain({ seed: 5, blocks: BLOCKS, hostileShare: 0.1, emptyRun: true });

function daemon(
  rpc: string,
  db: string,
  port: number,
): { child: ChildProcess; output: () => string; exit: Promise<number | null> } {
  const child = spawn(
    'node',
    [
      'dist/cli.js',
      'index',
      '--rpc',
      rpc,
      '--db',
      db,
      '--metrics-port',
      String(port),
      '--to',
      String(BLOCKS),
      '--rpc-timeout-ms',
      '1500',
    ],
    {
      env: { ...process.env, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exit };
}

describe.runIf(testBackend() === 'postgres')('daemon end to end', () => {
  let ref: TestDb;
  let rpc: Awaited<ReturnType<typeof startRpcServer>>;
  beforeAll(async () => {
    buildOnce();
    // RPC faults on first attempts only: the daemon must retry the same height and skip none.
    rpc = await startRpcServer((h) => chain.responseFor(h), {
      chainId: SIM_CHAIN_ID,
      faults: {
        forGetBlock: (h, attempt) =>
          attempt > 1
            ? undefined
            : h === 40
              ? 'http500'
              : h === 41
                ? 'http429'
                : h === 60
                  ? 'malformed'
                  : h === 80
                    ? 'hang'
                    : undefined,
        hangMs: 5_000,
      },
    });
    ref = await createTestDb();
    await indexReference(ref.db, chain);
  }, 180_000);
  afterAll(async () => {
    await ref?.close();
    await rpc?.close();
  });

  it('survives SIGKILL mid-run and RPC faults, resumes, and ends with the undisturbed digest', async () => {
    const t = await createTestDb();
    try {
      const port = await freePort();
      const first = daemon(rpc.url, t.url, port);
      await until(async () => ((await metric(port, 'metronome_indexed_height')) ?? 0) > 300);
      expect(await metric(port, 'metronome_chain_head')).toBe(BLOCKS);
      first.child.kill('SIGKILL');
      await first.exit;
      // No half-written block: the committed heights are exactly 1..max.
      const hs = await t.db.selectFrom('etl_blocks').select('block_height').orderBy('block_height').execute();
      expect(hs.map((r) => r.block_height)).toEqual(hs.map((_, i) => i + 1));
      expect(first.output()).toMatch(/fetch retry/);
      const second = daemon(rpc.url, t.url, await freePort());
      expect(await second.exit).toBe(0);
      expect(second.output()).toMatch(/"reason":"etl_blocks"/);
      expect(await digestTables(t.db)).toEqual(await digestTables(ref.db));
    } finally {
      await t.close();
    }
  });

  it('SIGTERM finishes the current block, exits 0, and the next start resumes', async () => {
    const t = await createTestDb();
    try {
      const port = await freePort();
      const d = daemon(rpc.url, t.url, port);
      await until(async () => ((await metric(port, 'metronome_indexed_height')) ?? 0) > 100);
      d.child.kill('SIGTERM');
      expect(await d.exit).toBe(0);
      expect(d.output()).toMatch(/shutting down/);
      const again = daemon(rpc.url, t.url, await freePort());
      expect(await again.exit).toBe(0);
      expect(await digestTables(t.db)).toEqual(await digestTables(ref.db));
    } finally {
      await t.close();
    }
  });

  it('a second daemon against the same database and chain refuses to start, naming the holder', async () => {
    const t = await createTestDb();
    try {
      const port = await freePort();
      const d = daemon(rpc.url, t.url, port);
      await until(async () => ((await metric(port, 'metronome_indexed_height')) ?? 0) > 10);
      const second = daemon(rpc.url, t.url, await freePort());
      expect(await second.exit).not.toBe(0);
      expect(second.output()).toMatch(
        /another metronome indexer already indexes chain "metronome-sim".*metronome-index/,
      );
      d.child.kill('SIGTERM');
      await d.exit;
    } finally {
      await t.close();
    }
  });
});

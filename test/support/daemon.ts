// Helpers for tests that drive the built daemon: poll its metrics, wait for a condition, and index the
// same simulated chain in-process for the undisturbed reference.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { expect } from 'vitest';
import { SIM_CHAIN_ID, type SimChain } from '../../sim/chain.js';
import { SimClock } from '../../sim/clock.js';
import { digestTables, type TableDigest } from '../../sim/golden.js';
import type { BlockSource } from '../../src/chain/block-source.js';
import { decodeGetBlockResponse } from '../../src/chain/decode.js';
import type { Database } from '../../src/db/schema.js';
import { silentLogger } from '../../src/deps/logger.js';
import { productionDispatcher } from '../../src/entity-manager/registry.js';
import { runIndexer } from '../../src/indexer/run.js';
import { createTestDb } from './db.js';

export async function metric(port: number, name: string): Promise<number | undefined> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return line ? Number(line.split(' ')[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Waits for a condition the test expects to become true. The limit is a hang guard, never a speed check:
 * whatever a caller passes, it waits at least UNTIL_FLOOR_MS, so a loaded machine makes the wait longer
 * instead of failing it. The e2e checks run concurrently, so one wait shares the machine with several
 * daemons: on a 2-core machine at load 20, 300 blocks took more than 5 minutes.
 */
export const UNTIL_FLOOR_MS = 20 * 60_000;

/**
 * The hang guard of an e2e check that runs concurrently with others (`it.concurrent`): above the project's
 * 20 minutes, because its time now includes the machine it shares with the checks beside it.
 */
export const E2E_CHECK_TIMEOUT_MS = 60 * 60_000;

/**
 * How often `until` asks. A condition that reads a daemon's /metrics costs that daemon a render each time,
 * and a dozen concurrent daemons polled every 50 ms spent a core on it: 250 ms is late by a fraction of a
 * block at worst, and no trap below depends on reacting faster (each parks the daemon first).
 */
export const UNTIL_EVERY_MS = 250;

export async function until(
  f: () => Promise<boolean>,
  ms = UNTIL_FLOOR_MS,
  everyMs = UNTIL_EVERY_MS,
): Promise<void> {
  const t0 = Date.now();
  const limit = Math.max(ms, UNTIL_FLOOR_MS);
  while (!(await f())) {
    if (Date.now() - t0 > limit) throw new Error(`timed out waiting (${limit} ms)`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * A daemon that stops moving: no new indexed height and no new request at the node for this long. A hang
 * guard, not a speed limit: a retrying daemon asks the node at least every request timeout plus one capped
 * backoff (10 s + 5 s), and a loaded machine stretches that by seconds, not by minutes.
 */
export const STALL_MS = 120_000;

export interface ProgressWatch {
  /** Throws the first failure seen so far (a skipped height, or a stall): call it inside waits. */
  check(): void;
  /** Rejects with the first failure; never resolves. Race it against a daemon's exit. */
  readonly failed: Promise<never>;
  stop(): Promise<void>;
}

/**
 * Watches a daemon for the two ways a skipped height shows, and fails as soon as one does instead of at a
 * 20-minute hang guard: a height missing below the top of etl_blocks or a row in metronome_block_gaps (it
 * indexed past a height it never committed), or a stall (it dropped a height and waits for it forever, so
 * neither its indexed height nor the node's request count moves for STALL_MS).
 */
export function watchProgress(
  db: Kysely<Database>,
  requests: () => number,
  opts: { stallMs?: number; everyMs?: number } = {},
): ProgressWatch {
  const stallMs = opts.stallMs ?? STALL_MS;
  let failure: Error | undefined;
  let fail: (e: Error) => void = () => {};
  const failed = new Promise<never>((_, reject) => {
    fail = (e) => {
      failure ??= e;
      reject(failure);
    };
  });
  // Unobserved until raced: keep Node from reporting an unhandled rejection in the meantime.
  failed.catch(() => {});
  let running = true;
  const loop = (async () => {
    let last = { top: -1, requests: -1, at: Date.now() };
    while (running && !failure) {
      try {
        const r = await db
          .selectFrom('etl_blocks')
          .select((eb) => [eb.fn.countAll<string>().as('n'), eb.fn.max('block_height').as('top')])
          .executeTakeFirstOrThrow();
        const top = Number(r.top ?? 0);
        const n = Number(r.n);
        const gaps = await db.selectFrom('metronome_block_gaps').select('block_height').execute();
        if (n !== top)
          fail(new Error(`a height was skipped: etl_blocks holds ${n} heights, its top is ${top}`));
        else if (gaps.length > 0)
          fail(
            new Error(`a height was skipped: metronome_block_gaps holds ${gaps.map((g) => g.block_height)}`),
          );
        const seen = requests();
        if (top !== last.top || seen !== last.requests) last = { top, requests: seen, at: Date.now() };
        else if (Date.now() - last.at > stallMs)
          fail(new Error(`stalled: no new height past ${top} and no request at the node for ${stallMs} ms`));
      } catch {
        // The database is momentarily unreachable: nothing to read this time.
      }
      await new Promise((r) => setTimeout(r, opts.everyMs ?? 500));
    }
  })();
  return {
    check: () => {
      if (failure) throw failure;
    },
    failed,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

/** The undisturbed reference digest: the whole chain indexed in-process on a scratch database. */
export async function referenceDigest(chain: SimChain): Promise<TableDigest> {
  const ref = await createTestDb();
  try {
    await indexReference(ref.db, chain);
    return await digestTables(ref.db);
  } finally {
    await ref.close();
  }
}

/** Heights exactly 1..n (no gap, nothing half-written, nothing skipped) and the undisturbed digest. */
export async function expectIndexedAsReference(
  db: Kysely<Database>,
  n: number,
  reference: TableDigest,
): Promise<void> {
  const heights = await db.selectFrom('etl_blocks').select('block_height').orderBy('block_height').execute();
  expect(heights.map((r) => r.block_height)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  expect(await digestTables(db)).toEqual(reference);
}

/** The undisturbed reference: the whole chain indexed in-process. */
export async function indexReference(db: Kysely<Database>, chain: SimChain): Promise<void> {
  const source: BlockSource = {
    chainId: async () => SIM_CHAIN_ID,
    fetch: async (h) => {
      if (h > chain.length) return { status: 'end' };
      const d = decodeGetBlockResponse(chain.responseFor(h), h);
      return d.status === 'block' ? d : { status: 'end' };
    },
  };
  await runIndexer({
    db,
    source,
    deps: { chainId: SIM_CHAIN_ID, dispatcher: productionDispatcher(), logger: silentLogger },
    clock: new SimClock(),
  });
}

/**
 * `pnpm build` once for all the test files that run dist/: parallel workers would otherwise rewrite dist/
 * under each other's running daemons. A lock directory serialises them; a build newer than every source
 * file is reused.
 */
export function buildOnce(): void {
  const lock = join(
    tmpdir(),
    `metronome-build-${createHash('sha1').update(process.cwd()).digest('hex').slice(0, 8)}.lock`,
  );
  const t0 = Date.now();
  while (true) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch {
      // Another worker is building. Its lock is stale only when that worker is gone: a build takes minutes
      // on a loaded machine (more than 5 at load 22), so its age says nothing.
      if (lockOwnerGone(lock)) rmSync(lock, { recursive: true, force: true });
      if (Date.now() - t0 > BUILD_WAIT_GUARD_MS) throw new Error(`waited 30 minutes for ${lock}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    if (!builtIsFresh()) execFileSync('pnpm', ['-s', 'build'], { stdio: 'inherit' });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** A hang guard for the wait on another worker's build, not a speed limit. */
const BUILD_WAIT_GUARD_MS = 30 * 60_000;

/** The lock's owner has exited (a worker killed mid-build), or the lock never got an owner in a minute. */
function lockOwnerGone(lock: string): boolean {
  let owner: number;
  try {
    owner = Number(readFileSync(join(lock, 'pid'), 'utf8'));
  } catch {
    try {
      return Date.now() - statSync(lock).mtimeMs > 60_000;
    } catch {
      return false;
    }
  }
  try {
    process.kill(owner, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function builtIsFresh(): boolean {
  let built: number;
  try {
    built = statSync('dist/cli.js').mtimeMs;
  } catch {
    return false;
  }
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
      const p = join(dir, e.name);
      return Math.max(m, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
    }, 0);
  return newest('src') < built && statSync('tsconfig.build.json').mtimeMs < built;
}

export interface DaemonProcess {
  readonly child: ChildProcess;
  /** Everything it logged so far (stdout and stderr). */
  output(): string;
  readonly exit: Promise<number | null>;
}

/** Daemons still running in this worker: killed when it exits, so none outlives a torn-down test run. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

/**
 * Loaded into each daemon (`node --import`): it kills itself once its parent, this worker, is gone. A worker
 * SIGKILLed after a timeout runs no exit handler, and its daemons would retry a stopped cluster forever.
 */
const DIE_WITH_WORKER = `data:text/javascript,${encodeURIComponent(
  "const p = Number(process.env.METRONOME_E2E_WORKER_PID); setInterval(() => { if (process.ppid !== p) process.kill(process.pid, 'SIGKILL'); }, 500).unref();",
)}`;

/** `node dist/cli.js index …` with pino at info, its output collected. */
export function spawnDaemon(args: readonly string[]): DaemonProcess {
  const child = spawn('node', ['--import', DIE_WITH_WORKER, 'dist/cli.js', 'index', ...args], {
    env: { ...process.env, LOG_LEVEL: 'info', METRONOME_E2E_WORKER_PID: String(process.pid) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.on('exit', () => running.delete(child));
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exit };
}

/**
 * The port a daemon started with `--metrics-port 0` bound, read from its log. Concurrent checks each start
 * daemons: a port picked free beforehand could be taken by another one before the daemon binds it.
 */
export async function metricsPort(d: DaemonProcess): Promise<number> {
  let port: number | undefined;
  await until(async () => {
    const line = d
      .output()
      .split('\n')
      .find((l) => l.includes('serving /metrics'));
    port = line ? (JSON.parse(line) as { port?: number }).port : undefined;
    if (port === undefined && d.child.exitCode !== null)
      throw new Error(`the daemon exited (${d.child.exitCode}) before serving metrics:\n${d.output()}`);
    return port !== undefined;
  });
  return port!;
}

/**
 * Every daemon a check starts, so the check's `finally` can SIGKILL whatever is still running after a
 * failed assertion or a timeout: checks run concurrently, and a stray daemon would load the others.
 */
export class Daemons {
  private readonly all: DaemonProcess[] = [];
  spawn(args: readonly string[]): DaemonProcess {
    const d = spawnDaemon(args);
    this.all.push(d);
    return d;
  }
  async killAll(): Promise<void> {
    for (const d of this.all)
      if (d.child.exitCode === null && d.child.signalCode === null) d.child.kill('SIGKILL');
    await Promise.all(this.all.map((d) => d.exit));
  }
}

export interface TableBlocker {
  /** Until the daemon's block transaction has written rows and waits for the table. */
  daemonWaiting(): Promise<void>;
  /** Lets the daemon go on (or, after the server was killed, just closes). */
  release(): Promise<void>;
}

/**
 * Holds SHARE on `table` in a transaction: the daemon's next block that writes it stops there, mid-block.
 * (pg_stat_activity.query still shows the previous statement while a statement waits for a lock at parse,
 * so the wait is read from pg_locks.)
 */
export async function blockTable(url: string, table: string): Promise<TableBlocker> {
  const connectTo = async () => {
    const c = new pg.Client({ connectionString: url });
    c.on('error', () => {});
    await c.connect();
    return c;
  };
  const holder = await connectTo();
  await holder.query('BEGIN');
  await holder.query(`LOCK TABLE ${table} IN SHARE MODE`);
  return {
    // Watched from another session: inside the holder's transaction pg_stat_activity is a snapshot taken at
    // its first read, so it would never see the daemon start waiting.
    daemonWaiting: async () => {
      const watcher = await connectTo();
      try {
        await until(async () => {
          const r = await watcher.query(
            `SELECT 1 FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid AND NOT l.granted
             WHERE a.application_name = 'metronome-index' AND a.datname = current_database()
               AND a.backend_xid IS NOT NULL AND l.relation = $1::regclass`,
            [table],
          );
          return r.rows.length > 0;
        }, 30_000);
      } finally {
        await watcher.end().catch(() => {});
      }
    },
    release: async () => {
      await holder.query('ROLLBACK').catch(() => {});
      await holder.end().catch(() => {});
    },
  };
}

/** A daemon's peak resident set so far in kB (VmHWM: the true peak, not a sample), or undefined once it is
 * gone or off Linux. Read from /proc, which costs the daemon nothing (polling its /metrics costs a render). */
export function peakRssKb(pid: number): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export interface LogLine {
  level: number;
  msg: string;
  [k: string]: unknown;
}

/** The JSON (pino) lines of a process's output; anything else (a `error: …` line, tsx noise) is skipped. */
export const logLines = (out: string): LogLine[] =>
  out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);

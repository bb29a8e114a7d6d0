// An ephemeral PostgreSQL cluster for tests, the simulator and benchmarks: initdb into a temp dir
// (tmpfs when available), a free loopback port, the socket kept inside the temp dir. As root,
// initdb/pg_ctl run as the `postgres` OS user (initdb refuses root).
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { forgetCluster, recordCluster } from './cluster-registry.js';

const run = promisify(execFile);

export interface EphemeralPostgres {
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  readonly pgBin: string;
  /** Clean stop and removal of the directory. */
  stop(): Promise<void>;
  /** `pg_ctl stop -m immediate`: a crash, the data directory stays. */
  kill(): Promise<void>;
  /** Start again on the same port and data directory (after kill). */
  restart(): Promise<void>;
}

export interface EphemeralOptions {
  /** Keep fsync and friends on (benchmarks); tests turn them off. */
  readonly durable?: boolean;
  readonly port?: number;
  readonly extraSettings?: Readonly<Record<string, string>>;
}

export function findPgBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(a) - Number(b));
  const newest = versions.at(-1);
  return newest === undefined ? undefined : join(root, newest, 'bin');
}

const isRoot = () => process.getuid?.() === 0;

async function asPostgres(cmd: string, args: string[]): Promise<void> {
  if (isRoot()) await run('runuser', ['-u', 'postgres', '--', cmd, ...args]);
  else await run(cmd, args);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export async function startEphemeralPostgres(opts: EphemeralOptions = {}): Promise<EphemeralPostgres> {
  const pgBin = findPgBin();
  if (!pgBin)
    throw new Error(
      'no PostgreSQL server binaries under /usr/lib/postgresql/*/bin (apt-get install -y postgresql)',
    );
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const dir = mkdtempSync(join(base, 'metronome-pg-'));
  if (isRoot()) await run('chown', ['postgres:', dir]);
  const dataDir = join(dir, 'data');
  await asPostgres(join(pgBin, 'initdb'), [
    '-D',
    dataDir,
    '-U',
    'postgres',
    '-A',
    'trust',
    '-E',
    'UTF8',
    '--locale=C',
    '--no-sync',
  ]);
  const port = opts.port ?? (await freePort());
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    port: String(port),
    unix_socket_directories: dir,
    max_connections: '200',
    ...(opts.durable ? {} : { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' }),
    ...opts.extraSettings,
  };
  const o = Object.entries(settings)
    .map(([k, v]) => `-c ${k}=${v}`)
    .join(' ');
  const start = () =>
    asPostgres(join(pgBin, 'pg_ctl'), [
      '-D',
      dataDir,
      '-l',
      join(dir, 'server.log'),
      '-w',
      '-t',
      '60',
      '-o',
      o,
      'start',
    ]);
  const stopMode = (mode: 'fast' | 'immediate') =>
    asPostgres(join(pgBin, 'pg_ctl'), ['-D', dataDir, '-m', mode, '-w', '-t', '60', 'stop']);
  // Recorded before it starts: a worker killed during start-up still leaves it to the test run's teardown.
  recordCluster({ dir, dataDir, pgBin });
  await start();
  let running = true;
  const cleanup = () => {
    if (!running) return;
    // Best effort at process exit: an orphaned server would keep the tmpfs directory alive.
    const args = ['-D', dataDir, '-m', 'immediate', 'stop'];
    try {
      if (isRoot())
        execFileSync('runuser', ['-u', 'postgres', '--', join(pgBin, 'pg_ctl'), ...args], {
          stdio: 'ignore',
        });
      else execFileSync(join(pgBin, 'pg_ctl'), args, { stdio: 'ignore' });
    } catch {}
    rmSync(dir, { recursive: true, force: true });
    forgetCluster(dir);
  };
  process.once('exit', cleanup);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    pgBin,
    async stop() {
      if (running) await stopMode('fast').catch(() => stopMode('immediate'));
      running = false;
      process.removeListener('exit', cleanup);
      rmSync(dir, { recursive: true, force: true });
      forgetCluster(dir);
    },
    async kill() {
      await stopMode('immediate');
    },
    async restart() {
      await start();
    },
  };
}

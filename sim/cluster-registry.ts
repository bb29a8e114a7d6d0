// Every ephemeral PostgreSQL cluster started under a test run is recorded as a file in the run's registry
// directory (METRONOME_CLUSTER_REGISTRY, set by the test suite's global setup), and the file is removed when
// the cluster is stopped. A worker killed after a timeout or a crash cannot run its own cleanup; the global
// teardown (and the main process's exit hook) stops whatever is still recorded, so no cluster outlives the run.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

export const REGISTRY_ENV = 'METRONOME_CLUSTER_REGISTRY';

interface Entry {
  /** The cluster's temporary directory (data directory, socket and log inside). */
  readonly dir: string;
  readonly dataDir: string;
  readonly pgBin: string;
}

const entryFile = (registry: string, dir: string) => join(registry, `${basename(dir)}.json`);

export function recordCluster(entry: Entry, registry = process.env[REGISTRY_ENV]): void {
  if (!registry) return;
  mkdirSync(registry, { recursive: true });
  writeFileSync(entryFile(registry, entry.dir), JSON.stringify(entry));
}

export function forgetCluster(dir: string, registry = process.env[REGISTRY_ENV]): void {
  if (!registry) return;
  rmSync(entryFile(registry, dir), { force: true });
}

/** Stops (immediate mode: nothing in them matters) and removes every recorded cluster; returns how many. */
export function stopRecordedClusters(registry: string): number {
  if (!existsSync(registry)) return 0;
  let stopped = 0;
  for (const name of readdirSync(registry)) {
    if (!name.endsWith('.json')) continue;
    const file = join(registry, name);
    let entry: Entry;
    try {
      entry = JSON.parse(readFileSync(file, 'utf8')) as Entry;
    } catch {
      rmSync(file, { force: true });
      continue;
    }
    const postmaster = postmasterPid(entry.dataDir);
    const args = ['-D', entry.dataDir, '-m', 'immediate', '-w', 'stop'];
    try {
      const pgCtl = join(entry.pgBin, 'pg_ctl');
      if (process.getuid?.() === 0)
        execFileSync('runuser', ['-u', 'postgres', '--', pgCtl, ...args], { stdio: 'ignore' });
      else execFileSync(pgCtl, args, { stdio: 'ignore' });
      stopped++;
    } catch {
      // Already stopped (its owner got to it first): only the directory is left to remove.
    }
    // pg_ctl returns once postmaster.pid is gone; the process itself may take a moment longer to exit.
    for (let i = 0; postmaster !== undefined && isAlive(postmaster) && i < 600; i++) pause(50);
    rmSync(entry.dir, { recursive: true, force: true });
    rmSync(file, { force: true });
  }
  return stopped;
}

/**
 * A test run killed outright (SIGKILL of vitest itself) cannot clean up. Registries live under `root`, one
 * per run, named by the run's pid: the next run stops the clusters of every run whose process is gone.
 * Runs in other worktrees are alive and left alone.
 */
export function reapDeadRuns(root: string): number {
  if (!existsSync(root)) return 0;
  let stopped = 0;
  for (const name of readdirSync(root)) {
    const pid = Number(name);
    if (!Number.isSafeInteger(pid) || isAlive(pid)) continue;
    stopped += stopRecordedClusters(join(root, name));
    rmSync(join(root, name), { recursive: true, force: true });
  }
  return stopped;
}

/** A zombie (exited, not yet reaped by an init that may never reap it) counts as gone. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // /proc/PID/stat: "pid (comm) S …"; the state follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

function postmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Synchronous: teardown also runs from an exit hook, where nothing asynchronous happens. */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

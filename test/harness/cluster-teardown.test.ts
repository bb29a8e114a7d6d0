// No ephemeral cluster outlives the test run: a process that started one and was SIGKILLed (a worker after a
// timeout or crash; or vitest itself) leaves it running, and the registry the global teardown reads stops it.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isAlive, REGISTRY_ENV, reapDeadRuns, stopRecordedClusters } from '../../sim/cluster-registry.js';
import { findPgBin } from '../../sim/ephemeral-postgres.js';

const scratch = mkdtempSync(join(tmpdir(), 'metronome-registry-test-'));
afterAll(() => {
  // Belt and braces: if an assertion failed midway, do not leave the test's own cluster behind.
  reapDeadRuns(join(scratch, 'runs'));
  stopRecordedClusters(join(scratch, 'worker'));
  rmSync(scratch, { recursive: true, force: true });
});

/** Starts the fixture, waits for its cluster, SIGKILLs it; returns the orphaned postmaster's pid and dir. */
async function orphanACluster(env: Record<string, string>): Promise<{ postmaster: number; dataDir: string }> {
  // node --import tsx: one process (the tsx launcher would put a second node between us and the fixture).
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/start-cluster-and-hang.ts'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const dataDir = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    child.once('exit', (code) => reject(new Error(`fixture exited with ${code} before starting a cluster`)));
  });
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
  const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  return { postmaster, dataDir };
}

describe.runIf(findPgBin() !== undefined)('clusters left by killed processes', () => {
  it('a killed worker leaves its cluster running; the teardown registry stops it and removes its directory', async () => {
    const registry = join(scratch, 'worker');
    const { postmaster, dataDir } = await orphanACluster({ [REGISTRY_ENV]: registry });
    expect(isAlive(postmaster)).toBe(true);
    expect(stopRecordedClusters(registry)).toBe(1);
    expect(isAlive(postmaster)).toBe(false);
    expect(existsSync(dirname(dataDir))).toBe(false);
    expect(stopRecordedClusters(registry)).toBe(0);
  });

  it('the next run stops the clusters of a run that was killed outright, and leaves live runs alone', async () => {
    const root = join(scratch, 'runs');
    const { postmaster } = await orphanACluster({ REGISTRY_ROOT: root });
    expect(isAlive(postmaster)).toBe(true);
    // A registry named by this (live) process stands for another worktree's run in progress.
    const live = join(root, String(process.pid));
    mkdirSync(live, { recursive: true });
    writeFileSync(
      join(live, 'other.json'),
      JSON.stringify({ dir: '/nonexistent', dataDir: '/nonexistent', pgBin: '/nonexistent' }),
    );
    expect(reapDeadRuns(root)).toBe(1);
    expect(isAlive(postmaster)).toBe(false);
    expect(existsSync(join(live, 'other.json'))).toBe(true);
    rmSync(live, { recursive: true, force: true });
  });
});

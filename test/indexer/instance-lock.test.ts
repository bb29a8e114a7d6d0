import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireInstanceLock, InstanceLockedError } from '../../src/indexer/instance-lock.js';
import { adminQuery, createTestDb, type TestDb, testBackend } from '../support/db.js';

/** Open server sessions of a lock holder, by its application name. */
const sessionsOf = async (name: string) =>
  (
    await adminQuery<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = '${name}'`,
    )
  )[0]!.n;

/** Ends a lock holder's server session, as a server restart or an operator would. */
const terminate = (name: string) =>
  adminQuery(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '${name}'`);

describe.runIf(testBackend() === 'postgres')('single-instance guard', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(async () => t?.close());

  it('refuses a second indexer for the same chain, naming the holder, and allows another chain', async () => {
    const first = await acquireInstanceLock(t.url, 'chain-a', 'metronome-index host-1 pid 111');
    try {
      const err = await acquireInstanceLock(t.url, 'chain-a', 'metronome-index host-2 pid 222').catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(InstanceLockedError);
      expect(String((err as Error).message)).toContain('metronome-index host-1 pid 111');
      const other = await acquireInstanceLock(t.url, 'chain-b', 'x');
      await other.release();
    } finally {
      await first.release();
    }
    const again = await acquireInstanceLock(t.url, 'chain-a', 'metronome-index host-2 pid 222');
    await again.release();
  });

  it('a killed holder leaves no stale lock, and the holder notices and re-takes it on verify', async () => {
    const holder = await acquireInstanceLock(t.url, 'chain-c', 'holder-to-kill');
    await terminate('holder-to-kill');
    await new Promise((r) => setTimeout(r, 100));
    const next = await acquireInstanceLock(t.url, 'chain-c', 'successor');
    // The old holder lost its session; re-taking now must fail because the successor holds it.
    await expect(holder.verify()).rejects.toBeInstanceOf(InstanceLockedError);
    await next.release();
  });

  it('ensure() is free while the session lives, re-takes the lock once it drops, refuses once another holds it', async () => {
    const holder = await acquireInstanceLock(t.url, 'chain-d', 'holder-d');
    const sessions = () => sessionsOf('holder-d');
    expect(await holder.ensure()).toBe(false);
    expect(await sessions()).toBe(1);
    await terminate('holder-d');
    await new Promise((r) => setTimeout(r, 200));
    // The client saw its session end: ensure() takes the lock again on a new session.
    expect(await holder.ensure()).toBe(true);
    expect(await sessions()).toBe(1);
    const rival = await acquireInstanceLock(t.url, 'chain-d', 'rival-d').catch((e: unknown) => e);
    expect(rival).toBeInstanceOf(InstanceLockedError);
    await terminate('holder-d');
    await new Promise((r) => setTimeout(r, 200));
    const successor = await acquireInstanceLock(t.url, 'chain-d', 'successor-d');
    await expect(holder.ensure()).rejects.toBeInstanceOf(InstanceLockedError);
    await successor.release();
    await holder.release();
  });

  // A daemon ending while its lock check is re-taking a dropped lock: release() must leave no session (an
  // open one kept a finished `metronome index` process alive with the lock held, in CI).
  it('release() during a re-take leaves no session and no lock, and nothing is taken after it', async () => {
    const holder = await acquireInstanceLock(t.url, 'chain-e', 'holder-e');
    const sessions = () => sessionsOf('holder-e');
    await terminate('holder-e');
    await new Promise((r) => setTimeout(r, 200));
    const retake = holder.ensure();
    await holder.release();
    await retake;
    expect(await sessions()).toBe(0);
    expect(await holder.ensure()).toBe(false);
    expect(await sessions()).toBe(0);
    // The lock is free: another indexer takes it at once.
    const next = await acquireInstanceLock(t.url, 'chain-e', 'next-e');
    await next.release();
  });
});

describe.runIf(testBackend() === 'postgres')('single-instance guard across databases', () => {
  let a: TestDb;
  let b: TestDb;
  beforeAll(async () => {
    a = await createTestDb();
    b = await createTestDb();
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it("names this database's holder, never the holder of the same chain in another database", async () => {
    // The same chain indexed into two databases of one server: two independent locks.
    const inA = await acquireInstanceLock(a.url, 'chain-x', 'holder-in-database-a');
    const inB = await acquireInstanceLock(b.url, 'chain-x', 'holder-in-database-b');
    try {
      const err = await acquireInstanceLock(b.url, 'chain-x', 'second-in-b').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InstanceLockedError);
      const message = (err as Error).message;
      expect(message).toContain('holder-in-database-b');
      expect(message).not.toContain('holder-in-database-a');
    } finally {
      await inB.release();
      await inA.release();
    }
  });
});

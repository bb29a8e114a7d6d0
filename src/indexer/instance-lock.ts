// One writer per database and chain: a session-level advisory lock held on a dedicated connection for the
// daemon's lifetime. A killed process drops its session and with it the lock, so no stale lock survives.
// The legacy writer is a different program and never takes this lock.
import { createHash } from 'node:crypto';
import pg from 'pg';

export class InstanceLockedError extends Error {
  override name = 'InstanceLockedError';
}

export interface InstanceLock {
  /**
   * Before every block transaction: free while the lock's session is alive; once the session has dropped
   * (a database restart ends it, and the lock with it), takes the lock again or throws InstanceLockedError
   * because another indexer took it meanwhile. A database still down throws its connection error.
   * Resolves true when it had to take the lock again.
   */
  ensure(): Promise<boolean>;
  /** Like ensure, but also asks the server, for a session that died without the client noticing yet. */
  verify(): Promise<boolean>;
  release(): Promise<void>;
}

/** Two int4 keys derived from the chain id, so different chains on one database do not block each other. */
export function lockKeys(chainId: string): [number, number] {
  const h = createHash('sha256').update(`metronome-index:${chainId}`).digest();
  return [h.readInt32BE(0), h.readInt32BE(4)];
}

export async function acquireInstanceLock(
  url: string,
  chainId: string,
  holderName: string,
): Promise<InstanceLock> {
  const [k1, k2] = lockKeys(chainId);
  let client: pg.Client | undefined;
  // After release() no take may leave a session behind: a re-take still connecting when release() runs
  // would otherwise keep the lock, and the open connection would keep the finished process alive.
  let released = false;

  const connectAndLock = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: url, application_name: holderName.slice(0, 63) });
    // The session ending (server restart, terminated backend, network) ends the lock: forget the client so
    // the next ensure() re-takes it before anything is written.
    const lost = () => {
      if (client === c) client = undefined;
    };
    c.on('error', lost);
    c.on('end', lost);
    let res: pg.QueryResult<{ ok: boolean }>;
    try {
      await c.connect();
      res = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [k1, k2]);
    } catch (e) {
      await c.end().catch(() => {});
      throw e;
    }
    if (res.rows[0]?.ok) {
      if (released) {
        await c.end().catch(() => {});
        return;
      }
      client = c;
      return;
    }
    const holder = await c.query<{
      pid: number;
      application_name: string;
      client_addr: string | null;
      backend_start: Date;
    }>(
      `SELECT a.pid, a.application_name, a.client_addr::text AS client_addr, a.backend_start
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
       WHERE l.locktype = 'advisory' AND l.classid = $1::int::oid AND l.objid = $2::int::oid
         AND l.objsubid = 2 AND l.granted
         -- Advisory locks are per database: the same keys held in another database are not our rival.
         AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [k1, k2],
    );
    await c.end().catch(() => {});
    const h = holder.rows[0];
    const who = h
      ? `"${h.application_name}" (backend pid ${h.pid}${h.client_addr ? ` from ${h.client_addr}` : ''}, since ${h.backend_start.toISOString()})`
      : 'another session';
    throw new InstanceLockedError(
      `another metronome indexer already indexes chain "${chainId}" into this database: ${who}`,
    );
  };

  await connectAndLock();
  let retaking: Promise<void> | undefined;
  const ensure = async (): Promise<boolean> => {
    if (client || released) return false;
    // One re-take at a time: the run loop and the periodic check may both ask.
    retaking ??= connectAndLock().finally(() => {
      retaking = undefined;
    });
    await retaking;
    return true;
  };
  return {
    ensure,
    async verify() {
      const c = client;
      try {
        await c?.query('SELECT 1');
      } catch {
        // The session is gone (server restart): the lock went with it.
        if (client === c) client = undefined;
        await c?.end().catch(() => {});
      }
      return ensure();
    },
    async release() {
      released = true;
      await retaking?.catch(() => {});
      const c = client;
      client = undefined;
      if (!c) return;
      await c.query('SELECT pg_advisory_unlock($1, $2)', [k1, k2]).catch(() => {});
      await c.end().catch(() => {});
    },
  };
}

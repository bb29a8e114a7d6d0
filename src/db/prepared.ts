// Named prepared statements for Kysely on node-postgres. An unnamed extended-protocol query makes the
// server parse, analyse and plan its text on every call; the ManageEntity path runs the same few INSERT
// texts once per tx, so naming a repeated text lets each connection parse it once (a few percent of the
// server's CPU there, bench/FINDINGS.md).
//
// Bounded: at most `capacity` texts hold a name per pool (least recently used first out). Texts vary
// (an `in (…)` list per key count, a multi-row insert per row count), so an evicted name is
// deallocated on every connection that prepared it, when that connection is next released (outside
// a statement; a DEALLOCATE that fails, in an aborted transaction, is retried at the next release).
import type { PostgresPool, PostgresPoolClient } from 'kysely';
import type pg from 'pg';

export const DEFAULT_PREPARED_CAPACITY = 256;

interface ClientState {
  /** Names this connection has prepared and not yet deallocated. */
  readonly prepared: Set<string>;
  /** Names evicted from the pool's cache that this connection still holds on the server. */
  readonly stale: Set<string>;
}

/** pg remembers the names a connection has parsed (so it skips Parse): that record is the truth. */
const parsedOf = (client: pg.PoolClient): Record<string, string> | undefined =>
  (client as unknown as { connection?: { parsedStatements?: Record<string, string> } }).connection
    ?.parsedStatements;
const UNDEFINED_PREPARED_STATEMENT = '26000';

export function preparingPool(pool: pg.Pool, capacity = DEFAULT_PREPARED_CAPACITY): PostgresPool {
  const names = new Map<string, string>(); // insertion order = recency order
  const states = new Map<pg.PoolClient, ClientState>();
  let counter = 0;

  const nameFor = (text: string): string => {
    const hit = names.get(text);
    if (hit !== undefined) {
      names.delete(text);
      names.set(text, hit);
      return hit;
    }
    const name = `metronome_${(counter++).toString(36)}`;
    names.set(text, name);
    if (names.size > capacity) {
      const [oldText, oldName] = names.entries().next().value as [string, string];
      names.delete(oldText);
      for (const s of states.values()) if (s.prepared.delete(oldName)) s.stale.add(oldName);
    }
    return name;
  };

  const release = async (client: pg.PoolClient, state: ClientState): Promise<void> => {
    const parsed = parsedOf(client);
    for (const name of [...state.stale]) {
      // A Parse that failed (a bad statement) left nothing to deallocate.
      if (parsed !== undefined && parsed[name] === undefined) {
        state.stale.delete(name);
        continue;
      }
      try {
        await client.query(`DEALLOCATE ${name}`);
      } catch (e) {
        if ((e as { code?: string }).code !== UNDEFINED_PREPARED_STATEMENT) break;
      }
      if (parsed !== undefined) delete parsed[name];
      state.stale.delete(name);
    }
    client.release();
  };

  return {
    end: () => pool.end(),
    async connect() {
      const client = await pool.connect();
      let state = states.get(client);
      if (state === undefined) {
        const fresh: ClientState = { prepared: new Set(), stale: new Set() };
        states.set(client, fresh);
        client.once('end', () => states.delete(client));
        state = fresh;
      }
      const s = state;
      const query = (text: unknown, values?: readonly unknown[]) => {
        // Cursors, and texts without parameters (BEGIN, SAVEPOINT, multi-statement scripts), keep the
        // simple protocol.
        if (typeof text !== 'string' || values === undefined || values.length === 0)
          return client.query(text as string, values as unknown[]);
        const name = nameFor(text);
        s.prepared.add(name);
        return client.query({ name, text, values: [...values] });
      };
      return {
        query,
        release: () => {
          if (s.stale.size === 0) client.release();
          else void release(client, s);
        },
      } as unknown as PostgresPoolClient;
    },
  };
}

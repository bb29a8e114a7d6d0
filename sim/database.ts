// The one way the simulator, the test suite and the benchmarks make and drop scratch databases on a
// PostgreSQL server: a fresh database (any leftover of the same name dropped first), empty or copied from a
// template, and its URL.
import { sql } from 'kysely';
import { connect } from '../src/db/connect.js';

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

function checked(name: string): string {
  // Names are interpolated into DDL (identifiers cannot be parameters): only plain lower-case identifiers.
  if (!IDENTIFIER.test(name)) throw new Error(`not a plain database name: ${JSON.stringify(name)}`);
  return name;
}

/** The server URL with its database replaced. */
export function withDatabase(serverUrl: string, database: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * Creates `name` on the server (dropping a leftover first), from `template` if given, and returns its URL.
 * Copying a template fails while another session copies the same one; that error is retried.
 */
export async function createDatabase(
  serverUrl: string,
  name: string,
  opts: { readonly template?: string } = {},
): Promise<string> {
  const admin = await connect(serverUrl, { poolSize: 1 });
  try {
    await sql.raw(`DROP DATABASE IF EXISTS ${checked(name)} WITH (FORCE)`).execute(admin.db);
    const ddl = `CREATE DATABASE ${name}${opts.template ? ` TEMPLATE ${checked(opts.template)}` : ''}`;
    for (let attempt = 0; ; attempt++) {
      try {
        await sql.raw(ddl).execute(admin.db);
        break;
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        if (attempt < 50 && msg.includes('is being accessed by other users')) {
          await new Promise((r) => setTimeout(r, 20 + attempt * 10));
          continue;
        }
        throw e;
      }
    }
  } finally {
    await admin.close();
  }
  return withDatabase(serverUrl, name);
}

/** Drops `name`, ending any session still connected to it. */
export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  const admin = await connect(serverUrl, { poolSize: 1 });
  try {
    await sql.raw(`DROP DATABASE IF EXISTS ${checked(name)} WITH (FORCE)`).execute(admin.db);
  } finally {
    await admin.close();
  }
}

// A fresh database holding a large load shared by a scenario's runs: on a PostgreSQL server the load is
// done once into a template (sim/database.ts filledTemplate) and each run gets a copy of it.
import type { Kysely } from 'kysely';
import { createDatabase, dropDatabase, filledTemplate } from '../sim/database.js';
import { connect } from '../src/db/connect.js';
import type { Database } from '../src/db/schema.js';
import type { ScenarioEnv } from './scenario.js';

let copies = 0;

export async function filledDb(
  env: ScenarioEnv,
  name: string,
  fill: (db: Kysely<Database>) => Promise<void>,
): Promise<{ db: Kysely<Database>; url: string; close(): Promise<void> }> {
  if (!env.db.startsWith('postgres')) {
    const h = await env.freshDb();
    await fill(h.db);
    return h;
  }
  const template = await filledTemplate(env.db, name, fill);
  const copy = `scenario_${name}_${process.pid}_${++copies}`;
  const url = await createDatabase(env.db, copy, { template });
  const h = await connect(url, { poolSize: 4 });
  return {
    db: h.db,
    url,
    async close() {
      await h.close();
      await dropDatabase(env.db, copy);
    },
  };
}

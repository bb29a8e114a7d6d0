// Shared by the production-contract tests: the production clone (the public dump, loaded into the
// suite's PostgreSQL 15 as superuser) and a simulated chain indexed straight through indexBlock.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { SIM_CHAIN_ID, SimChain } from '../../sim/chain.js';
import { decodeGetBlockResponse } from '../../src/chain/decode.js';
import type { Database } from '../../src/db/schema.js';
import { silentLogger } from '../../src/deps/logger.js';
import { productionDispatcher } from '../../src/entity-manager/registry.js';
import { indexBlock } from '../../src/indexer/index-block.js';

export const PRODUCTION_DIR = join(import.meta.dirname, '../../../shared/reference/production');
export const DUMP = join(PRODUCTION_DIR, '01_schema.pg15.sql');
export const OLD_DUMP = join(PRODUCTION_DIR, 'superseded/01_schema.0185668.sql');
export const AFTER_DUMP = join(PRODUCTION_DIR, 'after_dump/track_collaborators_table.sql');
export const QUERIES_DIR = join(PRODUCTION_DIR, 'queries');

/**
 * The dump as one script the simple-query protocol can run: psql meta-commands dropped, and settings
 * this PostgreSQL does not know (transaction_timeout in the PostgreSQL 17 original) left out.
 */
export function dumpScript(path: string): string {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => !l.startsWith('\\') && !l.startsWith('SET transaction_timeout'))
    .join('\n');
}

/** Indexes blocks 1..blocks of the seeded simulated chain, one indexBlock call per height. */
export async function indexSimChain(db: Kysely<Database>, seed: number, blocks: number): Promise<void> {
  const chain = new SimChain({ seed, blocks, hostileShare: 0.1 });
  const deps = { chainId: SIM_CHAIN_ID, dispatcher: productionDispatcher(), logger: silentLogger };
  for (let h = 1; h <= chain.length; h++) {
    const d = decodeGetBlockResponse(chain.responseFor(h), h);
    if (d.status !== 'block') throw new Error(`height ${h}: ${d.status}`);
    await indexBlock(db, d.block, deps);
  }
}

export interface ApiQuery {
  readonly file: string;
  readonly name: string;
  /** The query with sqlc parameters rewritten to $1, $2, … (one number per distinct name). */
  readonly sql: string;
}

/** The API's named sqlc queries (`-- name: X :many`), parameters rewritten for PREPARE. */
export function apiQueries(): ApiQuery[] {
  const out: ApiQuery[] = [];
  for (const file of readdirSync(QUERIES_DIR)
    .filter((f) => f.endsWith('.sql'))
    .sort()) {
    const text = readFileSync(join(QUERIES_DIR, file), 'utf8');
    const parts = text.split(/^-- name: /m).slice(1);
    for (const part of parts) {
      const name = part.split(/\s/, 1)[0]!;
      const body = part
        .slice(part.indexOf('\n') + 1)
        .trim()
        .replace(/;\s*$/, '');
      const numbers = new Map<string, number>();
      const n = (param: string) => {
        if (!numbers.has(param)) numbers.set(param, numbers.size + 1);
        return `$${numbers.get(param)}`;
      };
      const rewritten = body
        .replace(/sqlc\.n?arg\(\s*'?([A-Za-z_]\w*)'?\s*\)/g, (_, p: string) => n(p))
        .replace(/sqlc\.slice\(\s*'?([A-Za-z_]\w*)'?\s*\)/g, (_, p: string) => n(p))
        .replace(/(?<![<@\w:])@([A-Za-z_]\w*)/g, (_, p: string) => n(p));
      out.push({ file, name, sql: rewritten });
    }
  }
  return out;
}

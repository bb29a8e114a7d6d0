// Scratch: statements per ManageEntity tx on em-heavy blocks, by kind (PGlite).
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { CompiledQuery } from 'kysely';
import { connect } from '../src/db/connect.js';
import { migrate } from '../src/db/migrate.js';
import { silentLogger } from '../src/deps/logger.js';
import { productionDispatcher } from '../src/entity-manager/registry.js';
import { indexBlock } from '../src/indexer/index-block.js';
import { generateWorkload } from '../bench/workloads.js';
import { isManageEntity } from '../src/chain/types.js';

const kinds = new Map<string, number>();
class Counter implements KyselyPlugin {
  n = 0;
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const node = args.node as unknown as Record<string, unknown>;
    let key = String(node.kind);
    if (node.kind === 'RawNode') key += ':' + (node.sqlFragments as string[]).join('?').replace(/\s+/g, ' ').slice(0, 50);
    else {
      const t = new Set<string>();
      const walk = (x: unknown): void => { if (Array.isArray(x)) { x.forEach(walk); return; } if (typeof x !== 'object' || x === null) return; const o = x as Record<string, unknown>; if (o.kind === 'TableNode') t.add((o as any).table.identifier.name); for (const v of Object.values(o)) walk(v); };
      walk(node);
      key += ':' + [...t].join(',');
    }
    kinds.set(key, (kinds.get(key) ?? 0) + 1);
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> { this.n++; return args.result; }
}
const url = process.env.DB ?? 'pglite://memory';
const h = await connect(url);
await migrate(h.db);
if (process.env.TRIGGERS_OFF) { const { sql } = await import('kysely'); await sql`SET session_replication_role = replica`.execute(h.db); }
const blocks = generateWorkload('em-heavy', Number(process.env.BLOCKS ?? 100), 11);
const counter = new Counter();
// log compiled sql via the logger hook: wrap executeQuery
const db = h.db.withPlugin(counter);
const batching = process.env.CAREFUL ? false : true;
let em = 0;
const dispatcher = productionDispatcher();
const cpu0 = process.cpuUsage();
for (const b of blocks) {
  em += b.txs.filter(isManageEntity).length;
  await indexBlock(db, b, { chainId: 'metronome-bench', dispatcher, logger: silentLogger, batching });
}
for (const [k, v] of [...kinds].sort((a, b) => b[1] - a[1])) console.log(String(v).padStart(6), (v / em).toFixed(3), k);
const cpu = process.cpuUsage(cpu0); console.log({ blocks: blocks.length, em, statements: counter.n, perTx: (counter.n / em).toFixed(2), cpuSecondsIndexing: ((cpu.user + cpu.system) / 1e6).toFixed(1) });
await h.close();

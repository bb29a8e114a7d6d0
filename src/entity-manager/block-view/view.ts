// The block view: the rows a block's handlers consult, read in one statement per table and served from
// memory until a write to that table. Handlers reach it through their database handle (`lookup(db, …)`),
// so their shape and signatures stay as they are; a handle without a view reads the row directly.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { KeyedLookup } from './keyed-lookup.js';
import { LOOKUPS, type LookupName, type LookupValue } from './lookups.js';
import { ALL_TABLES, WriteTracker } from './write-tracker.js';

type Lookups = { [N in LookupName]: KeyedLookup<LookupValue<N>> };

export class BlockView {
  private readonly lookups: Lookups;
  readonly tracker: WriteTracker;
  /** The block transaction as handlers see it: every statement passes the write tracker. */
  readonly db: Kysely<Database>;

  constructor(trx: Kysely<Database>) {
    const make = <N extends LookupName>(n: N) =>
      new KeyedLookup<LookupValue<N>>(LOOKUPS[n].tables, LOOKUPS[n].load as never);
    this.lookups = {
      userWallet: make('userWallet'),
      activeWallet: make('activeWallet'),
      grant: make('grant'),
      liveApp: make('liveApp'),
      currentTrack: make('currentTrack'),
      anyPlaylist: make('anyPlaylist'),
      follow: make('follow'),
      save: make('save'),
      repost: make('repost'),
    };
    this.tracker = new WriteTracker((tables) => this.written(tables));
    this.db = trx.withPlugin(this.tracker);
    VIEWS.set(this.db, this);
  }

  /** A key the block will ask for: read with the others in the table's first statement. */
  expect<N extends LookupName>(name: N, key: string): void {
    this.lookups[name].expect(key);
  }

  get<N extends LookupName>(name: N, key: string): Promise<LookupValue<N> | undefined> {
    return (this.lookups[name] as KeyedLookup<LookupValue<N>>).get(this.db, key);
  }

  /** After a rollback: what was read since may no longer be true. */
  invalidateAll(): void {
    for (const l of Object.values(this.lookups)) l.invalidate();
  }

  /** Statements the view issued. */
  get loads(): number {
    return Object.values(this.lookups).reduce((n, l) => n + l.loads, 0);
  }

  private written(tables: ReadonlySet<string>): void {
    const all = tables.has(ALL_TABLES);
    for (const l of Object.values(this.lookups))
      if (all || l.tables.some((t) => tables.has(t))) l.invalidate();
  }
}

const VIEWS = new WeakMap<Kysely<Database>, BlockView>();

/** The row `key` of a lookup: from the block view behind `db`, or read directly when there is none. */
export async function lookup<N extends LookupName>(
  db: Kysely<Database>,
  name: N,
  key: string,
): Promise<LookupValue<N> | undefined> {
  const view = VIEWS.get(db);
  if (view) return view.get(name, key);
  const rows = (await LOOKUPS[name].load(db, [key])) as ReadonlyMap<string, LookupValue<N>>;
  return rows.get(key);
}

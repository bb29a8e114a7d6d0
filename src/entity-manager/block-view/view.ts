// The block view: the rows a block's handlers consult, read in one statement per table and served from
// memory until a write to that table. Handlers reach it through their database handle (`lookup(db, …)`),
// so their shape and signatures stay as they are; a handle without a view reads the row directly.
import { isDeepStrictEqual } from 'node:util';
import type { Kysely, Transaction } from 'kysely';
import { type DeferredStatements, deferringTransaction } from '../../db/deferred-statements.js';
import type { Database } from '../../db/schema.js';
import { BlockError } from '../../shared/errors.js';
import { KeyedLookup } from './keyed-lookup.js';
import { LOOKUPS, type LookupName, type LookupValue } from './lookups.js';
import { ALL_TABLES, WriteTracker } from './write-tracker.js';

type Lookups = { [N in LookupName]: KeyedLookup<LookupValue<N>> };

/**
 * What a write does to one lookup: `key` now reads `value` (undefined: absent); without `key`, the write
 * changes no row the lookup answers.
 */
export type Patch = {
  [N in LookupName]:
    | { readonly name: N; readonly key: string; readonly value: LookupValue<N> | undefined }
    | { readonly name: N; readonly key?: undefined };
}[LookupName];

export class BlockView {
  private readonly lookups: Lookups;
  /** The lookups by name, as a list: walked on every write. */
  private readonly named: readonly (readonly [LookupName, KeyedLookup<unknown>])[];
  readonly tracker: WriteTracker;
  /**
   * The block transaction as handlers see it: every statement passes the write tracker, and writes whose
   * answer nobody reads are held and sent with the next statement that needs one (deferred-statements.ts).
   */
  readonly db: Kysely<Database>;
  /** What `db` holds back; the block's owner flushes it before relying on the writes. */
  readonly statements: DeferredStatements;
  /** Lookups the write in progress patches instead of dropping (see writeThrough). */
  private patching: ReadonlySet<LookupName> = new Set();

  /** See IndexDeps.auditView: each patch is checked against a re-read (`height` names the block). */
  audit: { readonly audit: boolean; readonly height: number };

  constructor(
    trx: Transaction<Database>,
    audit: { readonly audit: boolean; readonly height: number } = NO_AUDIT,
  ) {
    this.audit = audit;
    const make = <N extends LookupName>(n: N) =>
      new KeyedLookup<LookupValue<N>>(LOOKUPS[n].tables, LOOKUPS[n].load as never);
    this.lookups = {
      userWallet: make('userWallet'),
      userHandle: make('userHandle'),
      userProfile: make('userProfile'),
      walletOwner: make('walletOwner'),
      userEvents: make('userEvents'),
      handleOwner: make('handleOwner'),
      activeWallet: make('activeWallet'),
      grant: make('grant'),
      liveApp: make('liveApp'),
      currentTrack: make('currentTrack'),
      anyPlaylist: make('anyPlaylist'),
      playlistIsAlbum: make('playlistIsAlbum'),
      livePlaylistTracks: make('livePlaylistTracks'),
      follow: make('follow'),
      save: make('save'),
      repost: make('repost'),
      trackRouteMax: make('trackRouteMax'),
      trackSlug: make('trackSlug'),
      playlistRouteMax: make('playlistRouteMax'),
      playlistSlug: make('playlistSlug'),
      trackPrice: make('trackPrice'),
      albumPrice: make('albumPrice'),
    };
    this.named = Object.entries(this.lookups) as [LookupName, KeyedLookup<unknown>][];
    this.tracker = new WriteTracker((tables) => this.written(tables));
    const deferring = deferringTransaction(trx, this.tracker);
    this.db = deferring.db;
    this.statements = deferring.statements;
    VIEWS.set(this.db, this);
  }

  /**
   * A key the block may ask for: read with the others in the table's first statement. Eager lookups are
   * read at the block's start, all in one round trip (`preload`); a lazy one at its first use.
   */
  expect<N extends LookupName>(name: N, key: string, eager = true): void {
    this.lookups[name].expect(key, eager);
  }

  /**
   * The next block of a view that serves a run of blocks (a group's, em-txs.ts): what a dropped lookup
   * reads again is what this block expects, not every key of the run.
   */
  beginBlock(height: number): void {
    this.audit = { audit: this.audit.audit, height };
    for (const [, l] of this.named) l.beginBlock();
  }

  /** Some eager lookup has keys to read. */
  get wantsLoad(): boolean {
    return this.named.some(([, l]) => l.wantsLoad);
  }

  /** Reads every eager lookup, all in one round trip (with whatever writes are held). */
  async preload(): Promise<void> {
    const due = Object.values(this.lookups).filter((l) => l.wantsLoad);
    await this.statements.together(due.map((l) => (db: Kysely<Database>) => l.loadNow(db)));
  }

  /**
   * Sends what is held with a read of every eager lookup, without waiting: the promise settles when they
   * have run. The lookups count the reads as in flight meanwhile (keyed-lookup.ts).
   */
  prefetch(): Promise<void> {
    const due = this.named.filter(([, l]) => l.wantsLoad);
    const reads = due.map(([, l]) => this.statements.ask((db) => l.loadNow(db)));
    const all = Promise.all([this.statements.sendNow(), ...reads]).then(() => {});
    all.catch(() => {});
    return all;
  }

  get<N extends LookupName>(name: N, key: string): Promise<LookupValue<N> | undefined> {
    return (this.lookups[name] as KeyedLookup<LookupValue<N>>).get(this.db, key);
  }

  /** Runs `write` with the named lookups kept, then applies `patches` to them. */
  async writeThrough<T>(patches: readonly Patch[], write: () => Promise<T>): Promise<T> {
    this.patching = new Set(patches.map((p) => p.name));
    try {
      return await write();
    } finally {
      this.patching = new Set();
    }
  }

  applyPatches(patches: readonly Patch[]): void {
    for (const p of patches)
      if (p.key !== undefined) (this.lookups[p.name] as KeyedLookup<unknown>).patch(p.key, p.value);
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
    for (const [name, l] of this.named) {
      if (this.patching.has(name)) continue;
      if (all || l.tables.some((t) => tables.has(t))) l.invalidate();
    }
  }
}

/** For a raw write to tables no lookup reads: every lookup stays. */
export const KEEP_ALL: readonly Patch[] = (Object.keys(LOOKUPS) as LookupName[]).map(
  (name) => ({ name }) as Patch,
);

const VIEWS = new WeakMap<Kysely<Database>, BlockView>();
const NO_AUDIT = { audit: false, height: 0 } as const;

/**
 * Whether `db` is the fast path's handle (a block view behind it): any error there undoes the whole block,
 * which is then replayed on the careful path (em-txs.ts), so a write needs no savepoint of its own there.
 */
export function onFastPath(db: Kysely<Database>): boolean {
  return VIEWS.has(db);
}

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

/**
 * A write whose effect on the block view the caller states: the lookups named in `patches` are patched
 * instead of dropped, so the block's next reads of their tables need no statement. Every lookup on a
 * written table that `patches` does not name is dropped as usual. The patch must be exactly what a re-read
 * would return (block-view.test.ts compares with the careful path, which has no view).
 */
export async function writeThrough<T>(
  db: Kysely<Database>,
  patches: readonly Patch[],
  write: () => Promise<T>,
): Promise<T> {
  const view = VIEWS.get(db);
  if (!view) return write();
  const out = await view.writeThrough(patches, write);
  view.applyPatches(patches);
  if (view.audit.audit) await auditPatches(view, patches);
  return out;
}

/** Each patched value against the database's answer now; a difference fails the block (not a replay). */
async function auditPatches(view: BlockView, patches: readonly Patch[]): Promise<void> {
  for (const p of patches) {
    if (p.key === undefined) continue;
    const rows = (await LOOKUPS[p.name].load(view.db, [p.key])) as ReadonlyMap<string, unknown>;
    const actual = rows.get(p.key);
    if (!isDeepStrictEqual(actual, p.value))
      throw new BlockError(
        view.audit.height,
        false,
        new Error(
          `block view patch of ${p.name} ${JSON.stringify(p.key)} is ${JSON.stringify(p.value)}, the database has ${JSON.stringify(actual)}`,
        ),
      );
  }
}

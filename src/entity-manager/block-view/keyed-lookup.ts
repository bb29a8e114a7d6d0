// One table's rows for a whole block, read in one statement on first use and kept until a write to the
// table: the next read then re-reads the block's keys in one statement again. Never stale by design —
// a write anywhere in the table (by a handler or, through ALL_TABLES, raw SQL) drops everything cached.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

/** Reads the rows of `keys` (deduplicated strings) and returns them by key; absent keys are absent. */
export type Loader<V> = (db: Kysely<Database>, keys: readonly string[]) => Promise<ReadonlyMap<string, V>>;

export class KeyedLookup<V> {
  private readonly keys = new Set<string>();
  private cache: Map<string, V> | null = null;
  /** Statements this lookup issued, for the statement figures. */
  loads = 0;

  constructor(
    /** Tables whose writes can change the answer. */
    readonly tables: readonly string[],
    private readonly load: Loader<V>,
  ) {}

  /** Some tx of the block will almost surely ask: read at the block's start (BlockView.preload). */
  private eager = false;

  /**
   * Registers a key the block may ask for, before the first read; `eager` when it will almost surely be
   * asked (a lazy key is still read with the others, at the lookup's first use).
   */
  expect(key: string, eager: boolean): void {
    this.keys.add(key);
    if (eager) this.eager = true;
  }

  async get(db: Kysely<Database>, key: string): Promise<V | undefined> {
    if (this.cache === null || !this.keys.has(key)) {
      this.keys.add(key);
      await this.loadNow(db);
    }
    return this.cache!.get(key);
  }

  /** Eager keys are expected and nothing is loaded: a read of them now will be used. */
  get wantsLoad(): boolean {
    return this.cache === null && this.eager;
  }

  /** Reads every expected key (its first statement is issued synchronously: see DeferredStatements.together). */
  async loadNow(db: Kysely<Database>): Promise<void> {
    this.loads++;
    this.cache = new Map(await this.load(db, [...this.keys]));
  }

  /**
   * The row of `key` after a write the caller made and knows the effect of (undefined: now absent). Only
   * a loaded cache is patched: an unloaded one reads the written row anyway.
   */
  patch(key: string, value: V | undefined): void {
    this.keys.add(key);
    if (this.cache === null) return;
    if (value === undefined) this.cache.delete(key);
    else this.cache.set(key, value);
  }

  invalidate(): void {
    this.cache = null;
  }
}

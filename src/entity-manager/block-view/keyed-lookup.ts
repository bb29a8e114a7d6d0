// One table's rows by key, for a block or a group's run of blocks: the keys a block expects read in one
// statement, then served from memory. Never stale by design — each known row is what a read issued now
// would answer: a write the caller describes patches it, any other write to the table drops every row.
// A read may be in flight while writes are issued behind it (the group's pipeline, em-txs.ts): a patch
// then wins over the row the read brings back, and a drop discards that read's answer.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

/** Reads the rows of `keys` (deduplicated strings) and returns them by key; absent keys are absent. */
export type Loader<V> = (db: Kysely<Database>, keys: readonly string[]) => Promise<ReadonlyMap<string, V>>;

/** A read sent and not yet answered. */
interface Flight {
  readonly keys: ReadonlySet<string>;
  readonly landed: Promise<void>;
  /** Keys patched since the read was issued: the patch is newer than the read's answer. */
  readonly patched: Set<string>;
}

const ABSENT = Symbol('absent');

export class KeyedLookup<V> {
  /** Rows as a read issued now would answer them (ABSENT: no row). */
  private readonly known = new Map<string, V | typeof ABSENT>();
  /** Keys expected and neither known nor being read. */
  private readonly wanted = new Set<string>();
  /** Some wanted key will almost surely be asked for: read at the block's start (BlockView.preload). */
  private eager = false;
  private flights: Flight[] = [];
  /** Bumped by `invalidate`: answers of reads issued before it are dropped. */
  private generation = 0;
  /** Keys expected or asked for since `beginBlock`: read again together after a drop. */
  private recent = new Set<string>();
  /** Statements this lookup issued, for the statement figures. */
  loads = 0;

  constructor(
    /** Tables whose writes can change the answer. */
    readonly tables: readonly string[],
    private readonly load: Loader<V>,
  ) {}

  /**
   * Registers a key a block may ask for, before its first read; `eager` when it will almost surely be
   * asked (a lazy key is still read with the others, at the lookup's first use).
   */
  expect(key: string, eager: boolean): void {
    this.recent.add(key);
    if (this.known.has(key) || this.inFlight(key) !== undefined) return;
    this.wanted.add(key);
    if (eager) this.eager = true;
  }

  /** A new block: what a drop reads again is what this block (and its lookahead) expects. */
  beginBlock(): void {
    this.recent = new Set();
  }

  async get(db: Kysely<Database>, key: string): Promise<V | undefined> {
    this.recent.add(key);
    // Loops: an answer can be dropped by a write issued while it was in flight.
    for (;;) {
      const v = this.known.get(key);
      if (v !== undefined) return v === ABSENT ? undefined : v;
      const flight = this.inFlight(key);
      if (flight) {
        await flight.landed;
        continue;
      }
      this.wanted.add(key);
      await this.loadNow(db);
    }
  }

  /** Eager keys are wanted: a read of them now will be used. */
  get wantsLoad(): boolean {
    return this.eager && this.wanted.size > 0;
  }

  /**
   * Reads every wanted key. Its statement is issued synchronously (see DeferredStatements.together), and
   * the read counts as in flight from then on.
   */
  loadNow(db: Kysely<Database>): Promise<void> {
    const keys = [...this.wanted];
    this.wanted.clear();
    this.eager = false;
    if (keys.length === 0) return Promise.resolve();
    this.loads++;
    const generation = this.generation;
    const patched = new Set<string>();
    const landed = this.load(db, keys).then(
      (rows) => {
        this.flights = this.flights.filter((f) => f !== flight);
        if (generation !== this.generation) return;
        for (const k of keys) if (!patched.has(k)) this.known.set(k, rows.get(k) ?? ABSENT);
      },
      (e: unknown) => {
        this.flights = this.flights.filter((f) => f !== flight);
        // Asked again at the next use (the caller's scope has usually failed with the same error).
        if (generation === this.generation) for (const k of keys) if (!patched.has(k)) this.wanted.add(k);
        throw e;
      },
    );
    // Heard by whoever awaits the read; a prefetch nobody awaits must not leave an unhandled rejection.
    landed.catch(() => {});
    const flight: Flight = { keys: new Set(keys), landed, patched };
    this.flights.push(flight);
    return landed;
  }

  /** The row of `key` after a write the caller made and knows the effect of (undefined: now absent). */
  patch(key: string, value: V | undefined): void {
    this.recent.add(key);
    this.known.set(key, value === undefined ? ABSENT : value);
    this.wanted.delete(key);
    for (const f of this.flights) if (f.keys.has(key)) f.patched.add(key);
  }

  /** A write that may have changed any row: everything known or in flight is read again when next used. */
  invalidate(): void {
    this.generation++;
    for (const f of this.flights) for (const k of f.keys) if (!f.patched.has(k)) this.wanted.add(k);
    this.flights = [];
    for (const k of this.recent) if (this.known.has(k)) this.wanted.add(k);
    this.known.clear();
  }

  private inFlight(key: string): Flight | undefined {
    return this.flights.find((f) => f.keys.has(key));
  }
}

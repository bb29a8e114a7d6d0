// The differential oracle (issue 16): the same simulated chain indexed twice — once with our triggers
// (migrations/0010), once with production's own trigger functions and triggers from the reference dump
// put in their place — and the trigger-written tables compared row for row. Every accepted difference
// goes through a named filter in DELIBERATE_DIFFERENCES (docs/triggers.md says why); nothing is dropped
// silently, and each filter checks what it claims (e.g. that our counter equals a recount).
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../src/db/schema.js';
import { runSimulation, type SimOptions } from './run.js';

export const PRODUCTION_DUMP = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../shared/reference/production/01_schema.pg15.sql',
);

/** The tables we write whose production triggers do the jobs in issue 16. */
export const ORACLE_TABLES = [
  'aggregate_plays',
  'aggregate_user',
  'comment_mentions',
  'comment_reactions',
  'comment_threads',
  'comments',
  'events',
  'follows',
  'grants',
  'playlist_tracks',
  'playlists',
  'plays',
  'reactions',
  'reposts',
  'saves',
  'shares',
  'tracks',
  'user_challenges',
  'users',
] as const;

/** Functions production's trigger functions call. */
const HELPER_FUNCTIONS = ['track_is_public', 'track_should_notify'];

/** Tables production's functions read that this project does not write; created empty on the oracle side. */
const FOREIGN_TABLES = ['revert_blocks', 'usdc_purchases', 'sol_user_balances', 'artist_coins'];

interface Dump {
  readonly functions: ReadonlyMap<string, string>;
  readonly triggers: readonly { readonly table: string; readonly name: string; readonly sql: string }[];
  readonly tables: ReadonlyMap<string, string>;
  readonly types: ReadonlyMap<string, string>;
}

let cached: Dump | undefined;

/** The reference dump's functions, triggers, tables and enum types, statement by statement. */
export function readDump(path: string = PRODUCTION_DUMP): Dump {
  if (cached) return cached;
  const text = readFileSync(path, 'utf8');
  const functions = new Map<string, string>();
  for (const m of text.matchAll(/^CREATE FUNCTION public\.(\w+)\([^\n]*\n(?:[^\n]*\n)*?\s+AS (\$\w*\$)/gm)) {
    // Bodies use $$, $_$ … : the statement ends at the same tag followed by ';'.
    const start = m.index;
    const tag = m[2]!;
    const bodyStart = start + m[0].length;
    const end = text.indexOf(`${tag};`, bodyStart);
    if (end < 0) throw new Error(`unterminated function ${m[1]} in the dump`);
    const stmt = text.slice(start, end + tag.length + 1);
    functions.set(m[1]!, stmt.replace(/^CREATE FUNCTION/, 'CREATE OR REPLACE FUNCTION'));
  }
  const triggers = [
    ...text.matchAll(/^CREATE (?:CONSTRAINT )?TRIGGER (\w+) [^\n]* ON public\.(\w+) [^\n]*;$/gm),
  ].map((m) => ({ name: m[1]!, table: m[2]!, sql: m[0] }));
  const tables = new Map<string, string>();
  for (const m of text.matchAll(/^CREATE TABLE public\.(\w+) \(\n[\s\S]*?\n\);$/gm)) tables.set(m[1]!, m[0]);
  const types = new Map<string, string>();
  for (const m of text.matchAll(/^CREATE TYPE public\.(\w+) AS ENUM \([\s\S]*?\);$/gm))
    types.set(m[1]!, m[0]);
  cached = { functions, triggers, tables, types };
  return cached;
}

/** Production's triggers on the oracle tables, and the functions they run. */
export function productionTriggerSet(dump: Dump = readDump()) {
  const triggers = dump.triggers.filter((t) => (ORACLE_TABLES as readonly string[]).includes(t.table));
  const names = new Set<string>(HELPER_FUNCTIONS);
  for (const t of triggers) names.add(/EXECUTE FUNCTION public\.(\w+)\(/.exec(t.sql)![1]!);
  return { triggers, functions: [...names].sort() };
}

/**
 * The notification types production's triggers on the oracle tables write, each with the functions that
 * write it, read from the dump: the value given to the `type` column by every `insert into notification`
 * in those functions (a literal, a select-list alias, or a variable assigned literals). An expression
 * that is none of these comes back as `?<expression>`, so a new form in the dump is seen, not missed.
 */
export function productionNotificationTypes(dump: Dump = readDump()): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const { triggers } = productionTriggerSet(dump);
  const fns = new Set(triggers.map((t) => /EXECUTE FUNCTION public\.(\w+)\(/.exec(t.sql)![1]!));
  for (const fn of [...fns].sort()) {
    const body = dump.functions.get(fn);
    if (!body) throw new Error(`trigger function ${fn} is not in the dump`);
    for (const type of insertedTypes(body)) out.set(type, [...(out.get(type) ?? []), fn]);
  }
  return out;
}

function insertedTypes(body: string): Set<string> {
  const types = new Set<string>();
  for (const m of body.matchAll(/insert\s+into\s+(?:public\.)?notification\s*\(([^)]*)\)/gi)) {
    const idx = m[1]!
      .split(',')
      .map((c) => c.trim().replaceAll('"', '').toLowerCase())
      .indexOf('type');
    const rest = body.slice(m.index + m[0].length);
    const stmt = rest.slice(0, rest.indexOf(';'));
    const rows = /^\s*values\b/i.test(stmt)
      ? tuples(stmt.replace(/^\s*values\b/i, ''))
      : [splitTop(stmt.replace(/^\s*select\b/i, ''))];
    for (const row of rows) {
      const e = (row[idx] ?? '').trim();
      const literal = /^'(\w+)'(?:\s+as\s+\w+)?$/i.exec(e);
      if (literal) types.add(literal[1]!);
      else if (/^\w+$/.test(e)) {
        const found = [
          ...stmt.matchAll(new RegExp(`'(\\w+)'\\s+as\\s+${e}\\b`, 'gi')),
          ...body.matchAll(new RegExp(`\\b${e}\\s*:=\\s*'(\\w+)'`, 'gi')),
        ].map((x) => x[1]!);
        if (found.length === 0) types.add(`?${e}`);
        for (const t of found) types.add(t);
      } else types.add(`?${e}`);
    }
  }
  return types;
}

/** Top-level comma-separated parts of an SQL fragment (parentheses and quotes respected). */
function splitTop(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "'") quoted = !quoted;
    else if (quoted) continue;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts;
}

/** The rows of a VALUES list: each parenthesised group at the top level, split into its expressions. */
function tuples(s: string): string[][] {
  const rows: string[][] = [];
  let i = 0;
  for (;;) {
    while (i < s.length && /[\s,]/.test(s[i]!)) i++;
    if (s[i] !== '(') break;
    let depth = 0;
    let quoted = false;
    let j = i;
    for (; j < s.length; j++) {
      const c = s[j];
      if (c === "'") quoted = !quoted;
      else if (quoted) continue;
      else if (c === '(') depth++;
      else if (c === ')' && --depth === 0) break;
    }
    rows.push(splitTop(s.slice(i + 1, j)));
    i = j + 1;
  }
  return rows;
}

async function exists(db: Kysely<Database>, rel: string): Promise<boolean> {
  const r = await sql<{ ok: boolean }>`SELECT to_regclass(${rel}) IS NOT NULL AS ok`.execute(db);
  return r.rows[0]!.ok;
}

async function ensureTypes(db: Kysely<Database>, dump: Dump, ddl: string): Promise<void> {
  for (const m of ddl.matchAll(/public\.(\w+)/g)) {
    const type = dump.types.get(m[1]!);
    if (!type) continue;
    const has = await sql<{ ok: boolean }>`SELECT to_regtype(${m[1]!}) IS NOT NULL AS ok`.execute(db);
    if (!has.rows[0]!.ok) await sql.raw(type).execute(db);
  }
}

/**
 * Put production's trigger functions and triggers in place of ours: every trigger on the oracle tables is
 * dropped first (or both would fire), the dump's functions are replayed as CREATE OR REPLACE, and the
 * tables and columns they read that our schema lacks are added from the dump (columns without NOT NULL
 * unless they have a default, so our writers are unaffected).
 */
export async function installProductionTriggers(
  db: Kysely<Database>,
  dump: Dump = readDump(),
): Promise<void> {
  for (const t of FOREIGN_TABLES) {
    if (await exists(db, t)) continue;
    const ddl = dump.tables.get(t);
    if (!ddl) throw new Error(`table ${t} is not in the dump`);
    await ensureTypes(db, dump, ddl);
    await sql.raw(ddl).execute(db);
  }
  for (const t of ORACLE_TABLES) {
    const ddl = dump.tables.get(t);
    if (!ddl) continue;
    const have = await sql<{ column_name: string }>`
      SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = ${t}`.execute(
      db,
    );
    const cols = new Set(have.rows.map((r) => r.column_name));
    for (const line of ddl.split('\n').slice(1, -1)) {
      const m = /^\s+("?\w+"?) (.*?),?$/.exec(line);
      if (!m || m[1] === 'CONSTRAINT' || cols.has(m[1]!.replaceAll('"', '')) || m[2]!.includes('nextval('))
        continue;
      const def = / DEFAULT /.test(m[2]!) ? m[2]! : m[2]!.replace(/ NOT NULL/, '');
      await ensureTypes(db, dump, def);
      await sql.raw(`ALTER TABLE ${t} ADD COLUMN ${m[1]} ${def}`).execute(db);
    }
  }
  const own = await sql<{ tgname: string; relname: string }>`
    SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
    WHERE NOT t.tgisinternal AND c.relnamespace = 'public'::regnamespace
      AND c.relname IN (${sql.join([...ORACLE_TABLES])})`.execute(db);
  for (const r of own.rows) await sql.raw(`DROP TRIGGER ${r.tgname} ON ${r.relname}`).execute(db);
  const set = productionTriggerSet(dump);
  for (const f of set.functions) {
    const stmt = dump.functions.get(f);
    if (!stmt) throw new Error(`function ${f} is not in the dump`);
    await sql.raw(stmt).execute(db);
  }
  for (const t of set.triggers) await sql.raw(t.sql).execute(db);
}

// ---------------------------------------------------------------------------------------------------
// Snapshots and differences.

export const AGGREGATES = {
  aggregate_user: 'user_id',
  aggregate_track: 'track_id',
  aggregate_playlist: 'playlist_id',
} as const;
type AggregateTable = keyof typeof AGGREGATES;

type Row = Readonly<Record<string, string | null>>;

export interface Snapshot {
  /** type, specifier, group_id, recipients (ascending: production's array order is unspecified), data. */
  readonly notification: readonly Row[];
  readonly milestones: readonly Row[];
  readonly aggregates: Readonly<Record<AggregateTable, ReadonlyMap<string, Row>>>;
}

export async function snapshot(
  db: Kysely<Database>,
  columns: Record<AggregateTable, readonly string[]>,
): Promise<Snapshot> {
  const n = await sql<Row>`
    SELECT type, specifier, group_id,
           (SELECT array_agg(u ORDER BY u)::text FROM unnest(user_ids) u) AS user_ids, data::text AS data
    FROM notification WHERE type <> 'announcement'`.execute(db);
  const m = await sql<Row>`
    SELECT id::text, name, threshold::text, blocknumber::text, slot::text, "timestamp"::text FROM milestones`.execute(
    db,
  );
  const aggregates = {} as Record<AggregateTable, Map<string, Row>>;
  for (const [table, key] of Object.entries(AGGREGATES) as [AggregateTable, string][]) {
    const cols = columns[table].map((c) => `${c}::text AS ${c}`).join(', ');
    const r = await sql.raw<Row>(`SELECT ${cols} FROM ${table}`).execute(db);
    aggregates[table] = new Map(r.rows.map((row) => [row[key]!, row]));
  }
  return { notification: n.rows, milestones: m.rows, aggregates };
}

/** The columns both sides have (ours decide: the oracle compares what our schema defines). */
export async function aggregateColumns(db: Kysely<Database>): Promise<Record<AggregateTable, string[]>> {
  const out = {} as Record<AggregateTable, string[]>;
  for (const table of Object.keys(AGGREGATES) as AggregateTable[]) {
    const r = await sql<{ column_name: string }>`
      SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = ${table}
      ORDER BY ordinal_position`.execute(db);
    out[table] = r.rows.map((x) => x.column_name);
  }
  return out;
}

export interface RowDiff {
  readonly table: 'notification' | 'milestones';
  readonly side: 'ours' | 'production';
  readonly row: Row;
}
export interface CounterDiff {
  readonly table: AggregateTable;
  readonly key: string;
  readonly column: string;
  readonly ours: string | null;
  readonly production: string | null;
}
export type Difference = RowDiff | CounterDiff;

const rowKey = (r: Row) => JSON.stringify(r);

function multisetDiff(table: RowDiff['table'], ours: readonly Row[], prod: readonly Row[]): RowDiff[] {
  const count = new Map<string, number>();
  for (const r of prod) count.set(rowKey(r), (count.get(rowKey(r)) ?? 0) + 1);
  const out: RowDiff[] = [];
  for (const r of ours) {
    const k = rowKey(r);
    const c = count.get(k) ?? 0;
    if (c > 0) count.set(k, c - 1);
    else out.push({ table, side: 'ours', row: r });
  }
  for (const r of prod) {
    const k = rowKey(r);
    const c = count.get(k) ?? 0;
    if (c > 0) {
      count.set(k, c - 1);
      out.push({ table, side: 'production', row: r });
    }
  }
  return out;
}

export function diffSnapshots(ours: Snapshot, prod: Snapshot): Difference[] {
  const out: Difference[] = [
    ...multisetDiff('notification', ours.notification, prod.notification),
    ...multisetDiff('milestones', ours.milestones, prod.milestones),
  ];
  for (const table of Object.keys(AGGREGATES) as AggregateTable[]) {
    const a = ours.aggregates[table];
    const b = prod.aggregates[table];
    const keys = [...new Set([...a.keys(), ...b.keys()])].sort((x, y) => Number(x) - Number(y));
    for (const key of keys) {
      const ra = a.get(key);
      const rb = b.get(key);
      const cols = Object.keys(ra ?? rb ?? {});
      for (const column of cols) {
        const va = ra ? (ra[column] ?? null) : '<no row>';
        const vb = rb ? (rb[column] ?? null) : '<no row>';
        if (va !== vb) out.push({ table, key, column, ours: va, production: vb });
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Deliberate differences: each names itself, says why, and accepts only what it can check on our side.

/** Recounts of each counter from the rows it counts, by our definition (docs/triggers.md). */
const RECOUNT: Readonly<Record<AggregateTable, Readonly<Record<string, string>>>> = {
  aggregate_user: {
    follower_count: `SELECT count(*) FROM follows f WHERE f.followee_user_id = $1 AND f.is_current AND NOT f.is_delete`,
    following_count: `SELECT count(*) FROM follows f WHERE f.follower_user_id = $1 AND f.is_current AND NOT f.is_delete`,
    repost_count: `SELECT count(*) FROM reposts r WHERE r.user_id = $1 AND r.is_current AND NOT r.is_delete`,
    track_save_count: `SELECT count(*) FROM saves s WHERE s.user_id = $1 AND s.save_type = 'track' AND s.is_current AND NOT s.is_delete`,
    track_count: `SELECT count(*) FROM tracks t WHERE t.owner_id = $1 AND metronome_track_counted(t.is_current, t.is_delete, t.is_available, t.stem_of, t.access_authorities) AND NOT t.is_unlisted`,
    total_track_count: `SELECT count(*) FROM tracks t WHERE t.owner_id = $1 AND metronome_track_counted(t.is_current, t.is_delete, t.is_available, t.stem_of, t.access_authorities)`,
    playlist_count: `SELECT count(*) FROM playlists p WHERE p.playlist_owner_id = $1 AND p.is_current AND NOT p.is_delete AND NOT p.is_private AND NOT p.is_album`,
    album_count: `SELECT count(*) FROM playlists p WHERE p.playlist_owner_id = $1 AND p.is_current AND NOT p.is_delete AND NOT p.is_private AND p.is_album`,
    track_share_count: `SELECT count(*) FROM shares s WHERE s.user_id = $1 AND s.share_type = 'track'`,
  },
  aggregate_track: {
    save_count: `SELECT count(*) FROM saves s WHERE s.save_item_id = $1 AND s.save_type = 'track' AND s.is_current AND NOT s.is_delete`,
    repost_count: `SELECT count(*) FROM reposts r WHERE r.repost_item_id = $1 AND r.repost_type = 'track' AND r.is_current AND NOT r.is_delete`,
    comment_count: `SELECT count(*) FROM comments c WHERE c.entity_id = $1 AND c.entity_type = 'Track' AND NOT c.is_delete AND c.is_visible`,
    share_count: `SELECT count(*) FROM shares s WHERE s.share_item_id = $1 AND s.share_type = 'track'`,
  },
  aggregate_playlist: {
    save_count: `SELECT count(*) FROM saves s WHERE s.save_item_id = $1 AND s.save_type <> 'track' AND s.is_current AND NOT s.is_delete`,
    repost_count: `SELECT count(*) FROM reposts r WHERE r.repost_item_id = $1 AND r.repost_type <> 'track' AND r.is_current AND NOT r.is_delete`,
    share_count: `SELECT count(*) FROM shares s WHERE s.share_item_id = $1 AND s.share_type <> 'track'`,
  },
};

export interface DeliberateDifference {
  readonly name: string;
  readonly reason: string;
  /** Accepts the differences it explains; it may query our database to check its claim. */
  accepts(d: Difference, ctx: FilterContext): Promise<boolean>;
}

export interface FilterContext {
  readonly ours: Kysely<Database>;
  readonly production: Snapshot;
}

/** Runs a recount or check with its `$1` replaced by an integer key (keys come from our own rows). */
async function recount(
  db: Kysely<Database>,
  query: string,
  key: number | string | null,
): Promise<string | null> {
  const n = Number(key);
  if (!Number.isSafeInteger(n)) return null;
  const r = await sql
    .raw<{ v: string | null }>(`SELECT (${query.replaceAll('$1', String(n))})::text AS v`)
    .execute(db);
  return r.rows[0]?.v ?? null;
}

/** When our notification with this (group_id, specifier) was written, by the row that wrote it. */
async function notificationTime(db: Kysely<Database>, r: Row): Promise<string | null> {
  const q = await sql<{ v: string }>`
    SELECT "timestamp"::text AS v FROM notification
    WHERE group_id = ${r.group_id ?? ''} AND specifier = ${r.specifier ?? ''}`.execute(db);
  return q.rows[0]?.v ?? null;
}

export const DELIBERATE_DIFFERENCES: readonly DeliberateDifference[] = [
  {
    name: 'counter-follows-updates',
    reason:
      "production's row triggers are AFTER INSERT (on follows, saves, reposts, playlists, comments); our writers " +
      'express an unfollow, unsave, unrepost, resave, comment delete, publish or delete as an UPDATE of the ' +
      "current row, which production's functions never see. Ours move the counter on every row change; accepted " +
      'only where our value equals a recount of the rows it counts.',
    async accepts(d, { ours }) {
      if (!('column' in d)) return false;
      const q = RECOUNT[d.table][d.column];
      if (!q || d.ours === '<no row>') return false;
      return (await recount(ours, q, d.key)) === d.ours;
    },
  },
  {
    name: 'milestone-of-a-stale-counter',
    reason:
      "production's follower counter is not lowered by an unfollow written as an UPDATE, and its save/repost " +
      'counters do not rise on a re-save/re-repost written as an UPDATE, so its milestones can come at another ' +
      'row, or never, or for a count never truly reached. Accepted: a milestone (or its notification) on one ' +
      'side only when the other side has the same (id, name, threshold) at another row; a production-only one ' +
      'whose threshold the recounted value does not reach; an our-only one whose threshold it does reach.',
    async accepts(d, { ours, production }) {
      if ('column' in d) return false;
      const ms = d.table === 'milestones' ? d.row : milestoneOfNotification(d.row);
      const q = ms && MILESTONE_COUNTER[ms.name ?? ''];
      if (!ms || !q) return false;
      const same = (r: Row) => r.id === ms.id && r.name === ms.name && r.threshold === ms.threshold;
      const elsewhere =
        d.side === 'ours'
          ? production.milestones.some(same)
          : await milestoneExists(ours, ms.id ?? null, ms.name ?? null, ms.threshold ?? null);
      if (elsewhere) return true;
      const truth = Number(await recount(ours, q, ms.id ?? null));
      return d.side === 'production' ? truth < Number(ms.threshold) : truth >= Number(ms.threshold);
    },
  },
  {
    name: 'activation-by-update',
    reason:
      'an activation our writers express as an UPDATE: a playlist published (private → public) or given tracks, ' +
      'or a repost/save by a user who had undone the same one before. Production fires create, ' +
      'track_added_to_playlist, repost_of_repost and save_of_repost only on INSERT (its legacy writer inserted ' +
      'a row per action); ours fire on the change. Accepted: our-only rows of those types that are later than ' +
      "the playlist's creation, or whose actor undid the same repost/save in an earlier applied tx.",
    async accepts(d, { ours }) {
      if ('column' in d || d.table !== 'notification' || d.side !== 'ours') return false;
      const at = await notificationTime(ours, d.row);
      const pl = /^(?:create:playlist_id:|track_added_to_playlist:playlist_id:)(\d+)/.exec(
        d.row.group_id ?? '',
      );
      if (pl) {
        const created = await recount(
          ours,
          `SELECT created_at FROM playlists WHERE playlist_id = $1 AND is_current`,
          pl[1]!,
        );
        return created !== null && at !== null && at > created;
      }
      const re = /^(repost|save)_of_repost:(\d+):/.exec(d.row.group_id ?? '');
      if (!re || at === null) return false;
      const undo = re[1] === 'repost' ? 'Unrepost' : 'Unsave';
      const q = await sql<{ ok: boolean }>`
        SELECT EXISTS (
          SELECT 1 FROM etl_manage_entities m
          JOIN etl_transactions t ON t.block_height = m.block_height AND t.tx_index = m.tx_index AND t.outcome = 'applied'
          JOIN etl_blocks b ON b.block_height = m.block_height
          WHERE m.user_id = ${Number(d.row.specifier)} AND m.entity_id = ${Number(re[2])} AND m.action = ${undo}
            AND b.block_time < ${at}::timestamp) AS ok`.execute(ours);
      return q.rows[0]?.ok === true;
    },
  },
  {
    name: 'contest-open-at-block-time',
    reason:
      "production decides whether a remix contest is still open with now(); ours with the row's time, so a " +
      'replay gives the same rows whenever it runs. Accepted: our-only contest notifications whose contest ' +
      'ended before the wall clock but after the row.',
    async accepts(d, { ours }) {
      if ('column' in d || d.table !== 'notification' || d.side !== 'ours') return false;
      const type = d.row.type;
      if (type !== 'artist_remix_contest_submissions' && type !== 'fan_remix_contest_submission')
        return false;
      const data = JSON.parse(d.row.data ?? '{}') as { event_id?: number };
      const at = await notificationTime(ours, d.row);
      const q = await sql<{ ok: boolean }>`
        SELECT e.end_date <= now() AND e.end_date > ${at}::timestamp AS ok FROM events e
        WHERE e.event_id = ${data.event_id ?? -1}`.execute(ours);
      return at !== null && q.rows[0]?.ok === true;
    },
  },
];

const MILESTONE_COUNTER: Readonly<Record<string, string>> = {
  FOLLOWER_COUNT: RECOUNT.aggregate_user.follower_count!,
  TRACK_SAVE_COUNT: RECOUNT.aggregate_track.save_count!,
  TRACK_REPOST_COUNT: RECOUNT.aggregate_track.repost_count!,
  PLAYLIST_SAVE_COUNT: RECOUNT.aggregate_playlist.save_count!,
  PLAYLIST_REPOST_COUNT: RECOUNT.aggregate_playlist.repost_count!,
};

function milestoneOfNotification(r: Row): Row | undefined {
  const m = /^milestone:(\w+):id:(\d+):threshold:(\d+)$/.exec(r.group_id ?? '');
  return m ? { name: m[1]!, id: m[2]!, threshold: m[3]! } : undefined;
}

async function milestoneExists(
  db: Kysely<Database>,
  id: string | null,
  name: string | null,
  threshold: string | null,
): Promise<boolean> {
  const r = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM milestones
    WHERE id = ${Number(id)} AND name = ${name ?? ''} AND threshold = ${Number(threshold)}`.execute(db);
  return (r.rows[0]?.n ?? 0) > 0;
}

// ---------------------------------------------------------------------------------------------------

export interface OracleResult {
  readonly seed: number;
  readonly blocks: number;
  readonly counts: {
    readonly ours: Readonly<Record<string, number>>;
    readonly production: Readonly<Record<string, number>>;
  };
  /** Differences accepted, by filter name. */
  readonly accepted: Readonly<Record<string, number>>;
  readonly unexplained: readonly Difference[];
  /** Our counters that differ from a recount of the rows they count (must be none). */
  readonly counterMismatches: readonly string[];
  readonly violations: number;
}

/** Every counter of ours against a recount of its rows, by our definition (RECOUNT). */
export async function counterMismatches(db: Kysely<Database>): Promise<string[]> {
  const out: string[] = [];
  for (const [table, key] of Object.entries(AGGREGATES) as [AggregateTable, string][]) {
    for (const [column, q] of Object.entries(RECOUNT[table])) {
      const r = await sql
        .raw<{ k: number; v: string | null; truth: string }>(
          `SELECT a.${key} AS k, a.${column}::text AS v, (${q.replaceAll('$1', `a.${key}`)})::text AS truth
         FROM ${table} a WHERE a.${column} IS DISTINCT FROM (${q.replaceAll('$1', `a.${key}`)})`,
        )
        .execute(db);
      for (const x of r.rows) out.push(`${table}[${x.k}].${column} = ${x.v}, recount ${x.truth}`);
    }
  }
  return out;
}

function countTypes(rows: readonly Row[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) out[r.type ?? ''] = (out[r.type ?? ''] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * Index the chain of `options` twice on PostgreSQL (a `postgres://` server URL: each run creates its own
 * database there) and compare. Production's side runs first; the comparison runs while ours is open.
 */
export async function runOracle(
  options: SimOptions,
  hooks: { readonly prepareOurs?: (db: Kysely<Database>) => Promise<void> } = {},
): Promise<OracleResult> {
  let prod: Snapshot | undefined;
  const base = { ...options, faults: false, legacyWriter: false, equivalence: false };
  const p = await runSimulation(base, {
    prepareDb: async (db) => installProductionTriggers(db),
    inspectDb: async (db) => {
      prod = await snapshot(db, await aggregateColumns(db));
    },
  });
  let result: Omit<OracleResult, 'violations'> | undefined;
  const o = await runSimulation(base, {
    ...(hooks.prepareOurs ? { prepareDb: hooks.prepareOurs } : {}),
    inspectDb: async (db) => {
      const ourColumns = await aggregateColumns(db);
      const mine = await snapshot(db, ourColumns);
      if (!prod) throw new Error("production's side left no snapshot");
      const theirs = projectColumns(prod, ourColumns);
      const diffs = diffSnapshots(mine, theirs);
      const accepted: Record<string, number> = {};
      const unexplained: Difference[] = [];
      for (const d of diffs) {
        let hit: string | undefined;
        for (const f of DELIBERATE_DIFFERENCES) {
          if (await f.accepts(d, { ours: db, production: theirs })) {
            hit = f.name;
            break;
          }
        }
        if (hit) accepted[hit] = (accepted[hit] ?? 0) + 1;
        else unexplained.push(d);
      }
      result = {
        seed: options.seed,
        blocks: options.blocks,
        counts: { ours: countTypes(mine.notification), production: countTypes(theirs.notification) },
        accepted,
        unexplained,
        counterMismatches: await counterMismatches(db),
      };
    },
  });
  if (!result) throw new Error('the oracle run ended before its comparison');
  return { ...result, violations: p.report.violations.length + o.report.violations.length };
}

function projectColumns(s: Snapshot, columns: Record<AggregateTable, readonly string[]>): Snapshot {
  const aggregates = {} as Record<AggregateTable, Map<string, Row>>;
  for (const table of Object.keys(AGGREGATES) as AggregateTable[]) {
    aggregates[table] = new Map(
      [...s.aggregates[table]].map(([k, row]) => [
        k,
        Object.fromEntries(columns[table].map((c) => [c, row[c] ?? null])),
      ]),
    );
  }
  return { ...s, aggregates };
}

/** One line per difference, for reports and test failures. */
export function describe(d: Difference): string {
  if ('column' in d) return `${d.table}[${d.key}].${d.column}: ours ${d.ours}, production ${d.production}`;
  return `${d.table} only in ${d.side}: ${JSON.stringify(d.row)}`;
}

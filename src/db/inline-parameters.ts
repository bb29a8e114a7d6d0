// A parameterised statement as one self-contained SQL text, so several can travel in one simple query
// (deferred-statements.ts). Each `$n` becomes a quoted literal of exactly the text node-postgres would
// have sent as that parameter: both are untyped ("unknown") text, which the server resolves from context
// the same way, so the statement means the same. Anything this cannot vouch for gives null, and the
// caller sends the statement as it is.

/**
 * Most parameter text inlined into one statement; a bigger statement goes on its own with its parameters:
 * escaping megabytes of text costs more than the round trip it saves.
 */
export const MAX_INLINE_CHARS = 256 << 10;

/**
 * `sql` with every placeholder replaced by its parameter as a literal, or null when a parameter has a
 * type whose text form is not certain here, a string holds a NUL (a simple query is a C string), or the
 * text has something the placeholder scan does not model (comments, dollar or E'' quoting).
 */
export function inlineParameters(sql: string, parameters: readonly unknown[]): string | null {
  const t = templateOf(sql);
  if (t === null) return null;
  const literals: string[] = [];
  let size = 0;
  for (const p of parameters) {
    const lit = literal(p);
    if (lit === null) return null;
    size += lit.length;
    literals.push(lit);
  }
  if (size > MAX_INLINE_CHARS) return null;
  // One join, not a `+=` per piece: the result is a flat string, where concatenation builds a rope that the
  // batch's own join (deferred-statements.ts) would then walk piece by piece.
  const pieces: string[] = [t.parts[0]!];
  for (let i = 0; i < t.slots.length; i++) {
    const lit = literals[t.slots[i]!];
    if (lit === undefined) return null;
    pieces.push(lit, t.parts[i + 1]!);
  }
  return pieces.join('');
}

/** A statement's text cut at its placeholders: parts[i], then the parameter slots[i], …, then the last part. */
interface Template {
  readonly parts: readonly string[];
  readonly slots: readonly number[];
}

/**
 * Templates by statement text: a handler's statements repeat the same few texts block after block, so each is
 * scanned once. Bounded: past the limit the cache starts over (reads with IN lists and multi-row inserts
 * make a text per length, so the bound is well above a block's distinct texts).
 */
const TEMPLATES = new Map<string, Template | null>();
const MAX_TEMPLATES = 4096;

function templateOf(sql: string): Template | null {
  let t = TEMPLATES.get(sql);
  if (t !== undefined) return t;
  t = scan(sql);
  if (TEMPLATES.size >= MAX_TEMPLATES) TEMPLATES.clear();
  TEMPLATES.set(sql, t);
  return t;
}

/** The placeholders of `sql` outside quotes, or null when the text has what the scan does not model. */
function scan(sql: string): Template | null {
  const parts: string[] = [];
  const slots: number[] = [];
  let from = 0;
  TOKENS.lastIndex = 0;
  for (let m = TOKENS.exec(sql); m !== null; m = TOKENS.exec(sql)) {
    const token = m[0];
    const at = m.index;
    const c = token[0];
    if (c === "'" || c === '"') {
      // A whole quoted literal or identifier stays as it is; an unterminated one, or a literal with a
      // prefix that changes how its text reads (E'', U&'', B'', X'', N''), is not modelled.
      if (token.length < 2 || (c === "'" && PREFIXED.test(sql.slice(Math.max(0, at - 1), at)))) return null;
      continue;
    }
    // A comment, a dollar quote, or `$` inside an unquoted identifier (`a$1`, not a placeholder).
    if (c !== '$' || token.length === 1 || IDENT_CHAR.test(sql[at - 1] ?? '')) return null;
    parts.push(sql.slice(from, at));
    slots.push(Number(token.slice(1)) - 1);
    from = at + token.length;
  }
  parts.push(sql.slice(from));
  return { parts, slots };
}

/** Quoted literals and identifiers (a doubled quote inside is an escaped one), placeholders, and what is refused. */
const TOKENS = /'(?:[^']|'')*'|"(?:[^"]|"")*"|\$\d+|--|\/\*|\$|'|"/g;
const PREFIXED = /[eEuUbBxXnN&]$/;
const IDENT_CHAR = /[\p{L}\p{N}_$]/u;

/** The parameter as node-postgres would send it (utils.prepareValue), quoted; null if not certain. */
function literal(v: unknown): string | null {
  if (v === null || v === undefined) return 'NULL';
  const text = parameterText(v);
  if (text === null || text.length > MAX_INLINE_CHARS || text.includes('\0')) return null;
  return quote(text);
}

/** pg.escapeLiteral's output (quotes doubled; with a backslash, backslashes doubled in an E'' literal), by regex. */
export function quote(text: string): string {
  const q = text.includes("'") ? `'${text.replace(/'/g, "''")}'` : `'${text}'`;
  return text.includes('\\') ? ` E${q.replace(/\\/g, '\\\\')}` : q;
}

function parameterText(v: unknown): string | null {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(v);
    case 'object':
      return Array.isArray(v) ? arrayText(v) : null;
    default:
      return null;
  }
}

/** pg's array text: `{…}` with each element double-quoted and NULL bare; nested arrays nest. */
function arrayText(items: readonly unknown[]): string | null {
  const parts: string[] = [];
  for (const item of items) {
    if (item === null || item === undefined) parts.push('NULL');
    else if (Array.isArray(item)) {
      const inner = arrayText(item);
      if (inner === null) return null;
      parts.push(inner);
    } else {
      const t = parameterText(item);
      if (t === null) return null;
      parts.push(`"${t.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`);
    }
  }
  return `{${parts.join(',')}}`;
}

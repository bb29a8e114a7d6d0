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
  const literals: string[] = [];
  for (const p of parameters) {
    const lit = literal(p);
    if (lit === null) return null;
    literals.push(lit);
  }
  let size = 0;
  let ok = true;
  const out = sql.replace(TOKENS, (m: string, offset: number) => {
    const c = m[0];
    if (c === "'" || c === '"') {
      // A whole quoted literal or identifier stays as it is; an unterminated one, or a literal with a
      // prefix that changes how its text reads (E'', U&'', B'', X'', N''), is not modelled.
      if (m.length < 2 || (c === "'" && PREFIXED.test(sql.slice(Math.max(0, offset - 1), offset))))
        ok = false;
      return m;
    }
    if (c === '$' && m.length > 1) {
      const lit = literals[Number(m.slice(1)) - 1];
      // `$` inside an unquoted identifier (`a$1`) is not a placeholder.
      if (lit === undefined || IDENT_CHAR.test(sql[offset - 1] ?? '')) {
        ok = false;
        return m;
      }
      size += lit.length;
      return lit;
    }
    // A comment or a dollar quote.
    ok = false;
    return m;
  });
  return ok && size <= MAX_INLINE_CHARS ? out : null;
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
  const q = `'${text.replace(/'/g, "''")}'`;
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

// A parameterised statement as one self-contained SQL text, so several can travel in one simple query
// (deferred-statements.ts). Each `$n` becomes a quoted literal of exactly the text node-postgres would
// have sent as that parameter: both are untyped ("unknown") text, which the server resolves from context
// the same way, so the statement means the same. Anything this cannot vouch for gives null, and the
// caller sends the statement as it is.
import pg from 'pg';

/** Longest statement text inlined; a bigger one goes on its own (and keeps a batch bounded). */
export const MAX_INLINE_CHARS = 1 << 20;

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
  let out = '';
  let size = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      // A quoted literal or identifier, copied whole; a doubled quote is an escaped one.
      let j = i + 1;
      for (;;) {
        if (j >= sql.length) return null;
        if (sql[j] === c) {
          if (sql[j + 1] === c) j += 2;
          else break;
        } else j++;
      }
      if (c === "'" && /[eEuUbBxXnN&]$/.test(sql.slice(Math.max(0, i - 1), i))) return null;
      out += sql.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if ((c === '-' && sql[i + 1] === '-') || (c === '/' && sql[i + 1] === '*')) return null;
    if (c === '$') {
      const m = /^\$(\d+)/.exec(sql.slice(i, i + 12));
      if (!m) return null;
      const n = Number(m[1]);
      const lit = literals[n - 1];
      if (lit === undefined) return null;
      out += lit;
      size += lit.length;
      if (size > MAX_INLINE_CHARS) return null;
      i += m[0].length;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

/** The parameter as node-postgres would send it (utils.prepareValue), quoted; null if not certain. */
function literal(v: unknown): string | null {
  if (v === null || v === undefined) return 'NULL';
  const text = parameterText(v);
  if (text === null || text.includes('\0')) return null;
  return pg.escapeLiteral(text);
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

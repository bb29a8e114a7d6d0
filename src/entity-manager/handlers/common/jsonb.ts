// jsonb text for the accounts handlers. PostgreSQL's json parser refuses a `\ud800`-style escape that is
// not half of a surrogate pair (22P02), and JSON.stringify writes a lone surrogate exactly that way, so such
// a value would fail the tx. The Go reference decodes metadata with encoding/json, which turns every lone
// surrogate into U+FFFD; we do the same before writing.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');
const MAX_DEPTH = 512;

export function hasLoneSurrogate(v: unknown, depth = 0): boolean {
  if (depth > MAX_DEPTH) return false;
  if (typeof v === 'string') return LONE_SURROGATE.test(v);
  if (Array.isArray(v)) return v.some((x) => hasLoneSurrogate(x, depth + 1));
  if (typeof v === 'object' && v !== null)
    return Object.entries(v).some(([k, x]) => LONE_SURROGATE.test(k) || hasLoneSurrogate(x, depth + 1));
  return false;
}

/** A copy with every lone surrogate (in strings and keys) replaced by U+FFFD, as Go's encoding/json decodes it. */
export function wellFormed(v: unknown, depth = 0): unknown {
  if (typeof v === 'string') return v.replace(LONE_SURROGATES, '\uFFFD');
  // Metadata.hasNul already refused anything deeper than its own bound.
  if (depth > MAX_DEPTH) return v;
  if (Array.isArray(v)) return v.map((x) => wellFormed(x, depth + 1));
  if (typeof v === 'object' && v !== null)
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => [k.replace(LONE_SURROGATES, '\uFFFD'), wellFormed(x, depth + 1)]),
    );
  return v;
}

/** The value as jsonb text, null for absent or null. */
export function jsonbText(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  return JSON.stringify(hasLoneSurrogate(v) ? wellFormed(v) : v);
}

// Strings from the chain go into PostgreSQL text columns, which cannot hold NUL. Raw records keep
// everything else byte for byte; a NUL becomes U+FFFD there, and the tx that carried it is rejected.

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching NUL is the point.
const NUL_RE = /\u0000/g;

export function hasNul(s: string): boolean {
  return s.includes('\u0000');
}

export function pgText(s: string): string {
  return hasNul(s) ? s.replace(NUL_RE, '\uFFFD') : s;
}

const INT_RE = /^[+-]?\d{1,19}$/;
const INT64_MAX = 9_223_372_036_854_775_807n;
const INT64_MIN = -9_223_372_036_854_775_808n;

/** Decimal int64 as Go's strconv.ParseInt would take it; undefined otherwise. */
export function parseInt64(s: string): bigint | undefined {
  if (!INT_RE.test(s)) return undefined;
  const v = BigInt(s);
  return v > INT64_MAX || v < INT64_MIN ? undefined : v;
}

/** A decimal that fits PostgreSQL `integer`; undefined otherwise. */
export function parseInt4(s: string): number | undefined {
  const v = parseInt64(s);
  if (v === undefined || v > 2_147_483_647n || v < -2_147_483_648n) return undefined;
  return Number(v);
}

const RFC3339_RE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** An RFC 3339 instant PostgreSQL will accept as timestamptz; anything else is not a timestamp. */
export function isRfc3339(s: string): boolean {
  return RFC3339_RE.test(s) && !Number.isNaN(Date.parse(s));
}

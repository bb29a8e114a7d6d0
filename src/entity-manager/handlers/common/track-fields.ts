// Track field rules shared by Create and Update: release dates, musical keys.

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})?$/;

/**
 * A release date in the forms clients send: RFC 3339 (with or without fraction), zone-less
 * `YYYY-MM-DDTHH:MM:SS` or `YYYY-MM-DD HH:MM:SS` (read as UTC), or a bare date. Returned as ISO 8601 UTC
 * text; undefined when it does not parse.
 */
export function parseReleaseDate(s: string): string | undefined {
  const d = DATE_ONLY.exec(s);
  const t = d ? undefined : DATE_TIME.exec(s);
  if (!d && !t) return undefined;
  const iso = d ? `${s}T00:00:00Z` : `${s.slice(0, 10)}T${s.slice(11, 19)}${t?.[7] ?? ''}${t?.[8] ?? 'Z'}`;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return undefined;
  const out = new Date(ms);
  // Date.parse rolls 2026-02-31 over to March: a date that does not round-trip is not a date.
  if (d && out.toISOString().slice(0, 10) !== s) return undefined;
  return out.toISOString();
}

/** The keys the legacy MusicalKey enum admits (flats only, no sharps). */
const MUSICAL_KEYS = new Set([
  ...['A', 'B flat', 'B', 'C', 'D flat', 'D', 'E flat', 'E', 'F', 'G flat', 'G', 'A flat'].flatMap((n) => [
    `${n} major`,
    `${n} minor`,
  ]),
  'Silence',
]);

export function isValidMusicalKey(s: string): boolean {
  return MUSICAL_KEYS.has(s);
}

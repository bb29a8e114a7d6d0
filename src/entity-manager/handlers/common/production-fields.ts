// Production columns of tracks and playlists that come straight from metadata: DDEX rights, state flags,
// API keys, covers, preview start, the envelope cid. Rules and references: docs/schema.md ("Production
// columns the handlers write"). A value of the wrong shape or over its bound is dropped (the column keeps
// what it had, NULL on create), as the legacy indexer drops a malformed DDEX value; it never fails the tx.
import { isObject, type Metadata } from '../../metadata.js';
import { jsonbText } from './jsonb.js';

/** At most this many entries in a list column (artists, contributors, API keys). */
export const MAX_LIST_ENTRIES = 100;
/** At most this many characters of jsonb text per column. */
export const MAX_JSON_CHARS = 16_384;
/** At most this many characters in a varchar field (covers, parental warning, API keys). */
export const MAX_FIELD_CHARS = 255;

/** `undefined`: leave the column alone; `null`: clear it; text: the jsonb to write. */
export type JsonWrite = string | null | undefined;

function bounded(v: unknown): JsonWrite {
  const text = jsonbText(v);
  return text !== null && text.length > MAX_JSON_CHARS ? undefined : text;
}

/** A non-empty JSON object (`rights_controller`, `copyright_line`, `ddex_release_ids` …); null clears. */
export function objectField(m: Metadata, key: string): JsonWrite {
  if (!m.has(key)) return undefined;
  const v = m.json(key);
  if (v === null) return null;
  return isObject(v) && Object.keys(v).length > 0 ? bounded(v) : undefined;
}

/** A non-empty list of JSON objects (`artists`, `resource_contributors` …); null clears. */
export function objectListField(m: Metadata, key: string): JsonWrite {
  if (!m.has(key)) return undefined;
  const v = m.json(key);
  if (v === null) return null;
  if (!Array.isArray(v) || v.length === 0 || v.length > MAX_LIST_ENTRIES || !v.every(isObject))
    return undefined;
  return bounded(v);
}

/** A string column a present key sets (`""`/null clear); another type or an over-long string is dropped. */
export function stringField(m: Metadata, key: string): string | null | undefined {
  if (!m.has(key)) return undefined;
  const v = m.json(key);
  if (v === null || v === '') return null;
  return typeof v === 'string' && v.length <= MAX_FIELD_CHARS ? v : undefined;
}

/**
 * allowed_api_keys: lower-cased strings (non-strings skipped); null or a non-list clears. Entries are
 * trimmed to the bound and the list capped, like access_authorities.
 */
export function allowedApiKeys(m: Metadata): string[] | null | undefined {
  if (!m.has('allowed_api_keys')) return undefined;
  const v = m.json('allowed_api_keys');
  if (!Array.isArray(v)) return null;
  return v
    .flatMap((k) => (typeof k === 'string' ? [k.slice(0, MAX_FIELD_CHARS).toLowerCase()] : []))
    .slice(0, MAX_LIST_ENTRIES);
}

/** preview_start_seconds: a finite number sets, null clears, anything else is ignored. */
export function previewStartSeconds(m: Metadata): number | null | undefined {
  if (!m.has('preview_start_seconds')) return undefined;
  const v = m.json('preview_start_seconds');
  if (v === null) return null;
  return m.float('preview_start_seconds');
}

/** The envelope's `cid` (read once by Metadata.parse) when it is a usable column value. */
export function envelopeCid(m: Metadata): string | undefined {
  const cid = m.envelopeCid;
  return cid !== undefined && cid !== '' && cid.length <= MAX_FIELD_CHARS ? cid : undefined;
}

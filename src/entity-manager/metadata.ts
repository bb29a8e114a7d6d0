// The metadata envelope and its strict accessors (docs/spec.md#metadata-envelope): numbers must be JSON
// numbers, strings JSON strings; nothing is coerced. `{"cid", "data": {...}}` is unwrapped to `data`.
import { hasLoneSurrogate, wellFormed } from './handlers/common/jsonb.js';
import { reject } from './validation-error.js';

export type JsonObject = { [key: string]: unknown };

const NUL = '\u0000';

export class Metadata {
  private constructor(
    /** The unwrapped object, or null when the text was empty or not a JSON object. */
    readonly value: JsonObject | null,
    /** The text as it came on chain. */
    readonly raw: string,
    /** Why `value` is null for non-empty text (kept for the rejection message). */
    readonly parseError: string | null,
    /** The `cid` of a `{"cid", "data": {...}}` envelope (the legacy metadata_multihash), read at parse. */
    readonly envelopeCid?: string,
  ) {}

  static parse(raw: string): Metadata {
    if (raw === '') return new Metadata(null, raw, null);
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (e) {
      return new Metadata(null, raw, `invalid JSON: ${(e as Error).message}`);
    }
    if (!isObject(parsed)) return new Metadata(null, raw, 'metadata is not a JSON object');
    // Go's encoding/json decodes a lone UTF-16 surrogate escape as U+FFFD; PostgreSQL's jsonb refuses it.
    const obj = hasLoneSurrogate(parsed) ? (wellFormed(parsed) as JsonObject) : parsed;
    const data = obj.data;
    if (!isObject(data)) return new Metadata(obj, raw, null);
    return new Metadata(data, raw, null, typeof obj.cid === 'string' ? obj.cid : undefined);
  }

  /**
   * True when the envelope holds a NUL anywhere, raw or as a decoded `\u0000` escape in a key or a
   * string: PostgreSQL text and jsonb cannot store it. The six characters `\u0000` written as text
   * (a JSON `"\\u0000"`) are not a NUL and pass.
   */
  hasNul(): boolean {
    return this.raw.includes(NUL) || (this.value !== null && containsNul(this.value, 0));
  }

  has(key: string): boolean {
    return this.value !== null && Object.hasOwn(this.value, key);
  }

  /** The value only if it is a JSON string, else ''. */
  str(key: string): string {
    const v = this.value?.[key];
    return typeof v === 'string' ? v : '';
  }

  /** A JSON string value, or undefined when absent or of another type. */
  strOrUndefined(key: string): string | undefined {
    const v = this.value?.[key];
    return typeof v === 'string' ? v : undefined;
  }

  /**
   * An entity id (user, track, playlist, comment, event…): absent, null or not a JSON number → undefined;
   * a number is truncated toward zero like Go's float64 → int64 and must fit int4, else the tx is
   * rejected (`metadata_id_invalid`) before it reaches the database.
   */
  id(key: string): number | undefined {
    return readId(this.value?.[key], key);
  }

  /** A plain integer column value: as `id`, rejected as `metadata_value_invalid` outside int4. */
  int4(key: string): number | undefined {
    return readInt4(this.value?.[key], key);
  }

  float(key: string): number | undefined {
    const v = this.value?.[key];
    return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
  }

  bool(key: string): boolean | undefined {
    const v = this.value?.[key];
    return typeof v === 'boolean' ? v : undefined;
  }

  boolOr(key: string, fallback: boolean): boolean {
    return this.bool(key) ?? fallback;
  }

  /** The raw decoded value; `has(key)` is true even when it is null. */
  json(key: string): unknown {
    return this.value?.[key];
  }

  /** The unwrapped object; rejects the tx when there is none. */
  require(): JsonObject {
    if (this.value === null) reject('metadata_required', this.parseError ?? 'metadata is required');
    return this.value;
  }
}

/** `id` for a value found inside a nested metadata object; `what` names it in the rejection. */
export function readId(v: unknown, what: string): number | undefined {
  return readIntIn(v, what, 'metadata_id_invalid');
}

export function readInt4(v: unknown, what: string): number | undefined {
  return readIntIn(v, what, 'metadata_value_invalid');
}

function readIntIn(v: unknown, what: string, code: 'metadata_id_invalid' | 'metadata_value_invalid') {
  if (typeof v !== 'number') return undefined;
  const n = Number.isFinite(v) ? Math.trunc(v) : Number.NaN;
  if (!(n >= INT4_MIN && n <= INT4_MAX))
    reject(code, `${what.slice(0, 64)} ${String(v).slice(0, 32)} does not fit int4`);
  return n;
}

function containsNul(v: unknown, depth: number): boolean {
  // Nesting is bounded before parsing (apply.ts MAX_METADATA_DEPTH); the bound here is a second guard.
  if (depth > 1_000) return false;
  if (typeof v === 'string') return v.includes(NUL);
  if (Array.isArray(v)) return v.some((x) => containsNul(x, depth + 1));
  if (isObject(v)) return Object.entries(v).some(([k, x]) => k.includes(NUL) || containsNul(x, depth + 1));
  return false;
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Text limits count Unicode code points, not bytes or UTF-16 units (#340/#350). */
export function runeLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

export const INT4_MAX = 2_147_483_647;
export const INT4_MIN = -2_147_483_648;

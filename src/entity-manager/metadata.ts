// The metadata envelope and its strict accessors (spec §2.2): numbers must be JSON numbers, strings
// JSON strings; nothing is coerced. `{"cid", "data": {...}}` is unwrapped to `data`.
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
    const data = parsed.data;
    return new Metadata(isObject(data) ? data : parsed, raw, null);
  }

  /** True when the envelope holds a NUL anywhere: PostgreSQL text and jsonb cannot store it. */
  hasNul(): boolean {
    return this.raw.includes(NUL) || (this.value !== null && JSON.stringify(this.value).includes('\\u0000'));
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

  /** JSON numbers only, truncated toward zero like the Go float64 → int64 conversion. */
  int(key: string): number | undefined {
    const v = this.value?.[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) return undefined;
    return Math.trunc(v);
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

// ValidateAccessConditions (docs/spec.md#access-conditions): stems cannot be gated; USDC splits must be
// present; stream gating implies identical download gating; one condition key per object.
import type { Metadata } from '../../metadata.js';
import { isObject } from '../../metadata.js';
import { reject } from '../../validation-error.js';

export function validateAccessConditions(m: Metadata): void {
  const keys = ['is_stream_gated', 'is_download_gated', 'stream_conditions', 'download_conditions'];
  if (!keys.some((k) => m.has(k))) return;
  const stemOf = m.json('stem_of');
  const streamGated = m.boolOr('is_stream_gated', false);
  const downloadGated = m.boolOr('is_download_gated', false);
  if (stemOf !== undefined && stemOf !== null && (streamGated || downloadGated)) {
    reject('stem_cannot_be_gated', 'a stem track cannot be stream- or download-gated');
  }
  for (const key of ['stream_conditions', 'download_conditions']) {
    const c = m.json(key);
    if (!isObject(c)) continue;
    const purchase = c.usdc_purchase;
    if (purchase !== undefined) {
      const splits = isObject(purchase) ? purchase.splits : undefined;
      const ok = Array.isArray(splits)
        ? splits.length > 0
        : isObject(splits) && Object.keys(splits).length > 0;
      if (!ok)
        reject('usdc_splits_required', `${key}.usdc_purchase.splits must be a non-empty array or object`);
    }
  }
  if (streamGated) {
    const sc = m.json('stream_conditions');
    if (!isObject(sc) || Object.keys(sc).length !== 1)
      reject('stream_conditions_invalid', 'stream_conditions must have exactly one key');
    if (!downloadGated)
      reject('stream_gated_not_download_gated', 'a stream-gated track must also be download-gated');
    if (JSON.stringify(canonical(sc)) !== JSON.stringify(canonical(m.json('download_conditions')))) {
      reject('gating_conditions_differ', 'stream and download conditions must be equal');
    }
  } else if (downloadGated) {
    const dc = m.json('download_conditions');
    if (!isObject(dc) || Object.keys(dc).length !== 1)
      reject('download_conditions_invalid', 'download_conditions must have exactly one key');
  }
}

/** Key-sorted copy, so JSON equality does not depend on key order. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (isObject(v))
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, canonical(v[k])]),
    );
  return v;
}

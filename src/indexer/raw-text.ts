// The raw etl_* audit records keep what the chain carried, but not without bound: a hostile tx with a
// 200 MB metadata field must not be stored whole. Text above its limit is kept as a prefix plus the
// byte length and SHA-256 of the whole, enough to recognise the tx and prove what it carried.
import { createHash } from 'node:crypto';
import { pgText } from '../chain/text.js';
import { MAX_METADATA_BYTES } from '../entity-manager/apply.js';

/** Envelope fields other than metadata (signer, action, nonce…) are short on a real chain. */
export const MAX_RAW_FIELD_BYTES = 1024;
/** How much of an oversized value is kept. */
export const RAW_PREFIX_CHARS = 4096;

export function rawText(s: string, maxBytes: number): string {
  const bytes = Buffer.byteLength(s, 'utf8');
  if (bytes <= maxBytes) return pgText(s);
  const digest = createHash('sha256').update(s, 'utf8').digest('hex');
  const prefix = [...s.slice(0, Math.min(RAW_PREFIX_CHARS, maxBytes))].join('');
  return pgText(`${prefix}…[truncated: ${bytes} bytes, sha256 ${digest}]`);
}

export const rawMetadata = (s: string) => rawText(s, MAX_METADATA_BYTES);
export const rawField = (s: string) => rawText(s, MAX_RAW_FIELD_BYTES);

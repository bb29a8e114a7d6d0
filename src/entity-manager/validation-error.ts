/**
 * A handler's "skip this tx" signal: an expected outcome, recorded in etl_transactions with its code
 * and message. Anything else a handler throws is a hard error (savepoint rolled back, outcome `failed`).
 * Codes come from the closed set in reasons.ts: the simulator's coverage marks count them.
 */
import type { TxReasonCode } from './reasons.js';

export class ValidationError extends Error {
  override name = 'ValidationError';
  constructor(
    readonly code: TxReasonCode,
    message: string,
  ) {
    super(message);
  }
}

export function reject(code: TxReasonCode, message: string): never {
  throw new ValidationError(code, message);
}

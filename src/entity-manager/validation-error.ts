/**
 * A handler's "skip this tx" signal: an expected outcome, recorded in etl_transactions with its code
 * and message. Anything else a handler throws is a hard error (savepoint rolled back, outcome `failed`).
 * Codes are snake_case and stable: the simulator's coverage marks count them.
 */
export class ValidationError extends Error {
  override name = 'ValidationError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function reject(code: string, message: string): never {
  throw new ValidationError(code, message);
}

// Retryable vs fatal: a retryable error will probably succeed if the same block is tried again
// (connection lost, server restarting, serialization failure); a fatal one fails the same way every time.

export class RetryableError extends Error {
  override name = 'RetryableError';
}

/** A block that could not be indexed, with the height and (when known) the tx that broke it. */
export class BlockError extends Error {
  override name = 'BlockError';
  constructor(
    readonly height: number,
    readonly retryable: boolean,
    override readonly cause: unknown,
    readonly txHash?: string,
  ) {
    super(`block ${height}${txHash ? ` tx ${txHash}` : ''}: ${describe(cause)}`);
  }
}

const RETRYABLE_SQLSTATE_PREFIXES = ['08', '53', '57P', '40001', '40P01', '55P03', '58'];
const RETRYABLE_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTCONN',
  'EAI_AGAIN',
]);
const RETRYABLE_MESSAGES = [
  'Connection terminated',
  'Client has encountered a connection error',
  'connection is closed',
  'Client was closed',
  'timeout exceeded when trying to connect',
  'terminating connection',
  'the database system is starting up',
  'the database system is shutting down',
];

export function isRetryable(e: unknown): boolean {
  if (e instanceof RetryableError) return true;
  if (e instanceof BlockError) return e.retryable;
  if (typeof e !== 'object' || e === null) return false;
  // Errors that classify themselves (the node client's RpcError: 429, 5xx, timeouts, dropped connections).
  const own = (e as { retryable?: unknown }).retryable;
  if (typeof own === 'boolean') return own;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (RETRYABLE_NODE_CODES.has(code)) return true;
    if (RETRYABLE_SQLSTATE_PREFIXES.some((p) => code.startsWith(p))) return true;
  }
  const message = (e as { message?: unknown }).message;
  if (typeof message === 'string' && RETRYABLE_MESSAGES.some((m) => message.includes(m))) return true;
  const cause = (e as { cause?: unknown }).cause;
  return cause !== undefined && cause !== e && isRetryable(cause);
}

export function describe(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return typeof code === 'string' ? `${e.message} (${code})` : e.message;
  }
  return String(e);
}

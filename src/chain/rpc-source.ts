// The Core node's CoreService over the Connect protocol's JSON encoding (POST {base}/core.v1.CoreService/
// {Method}, int64 as strings). The source only fetches and decodes; retries and backoff belong to the
// prefetcher, which retries the same height. Undecodable answers are errors naming the height.
import type { BlockSource, FetchResult } from './block-source.js';
import { DecodeError, decodeGetBlockResponse } from './decode.js';

export class RpcError extends Error {
  override name = 'RpcError';
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly connectCode: string | undefined,
    /** 429, 5xx, timeouts and connection errors are worth retrying; the prefetcher retries everything anyway. */
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export interface RpcSourceOptions {
  /** Per request. */
  readonly timeoutMs?: number;
  readonly fetchImpl?: typeof fetch;
}

const SERVICE = 'core.v1.CoreService';

export function rpcSource(
  baseUrl: string,
  opts: RpcSourceOptions = {},
): BlockSource & { status(): Promise<{ ready: boolean }> } {
  const base = baseUrl.replace(/\/+$/, '');
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const doFetch = opts.fetchImpl ?? fetch;

  async function call(method: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let res: Response;
    try {
      res = await doFetch(`${base}/${SERVICE}/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'connect-protocol-version': '1' },
        body: JSON.stringify(body),
        signal: combined,
      });
    } catch (e) {
      const timedOut = timeout.aborted && !signal?.aborted;
      throw new RpcError(
        `${method}: ${timedOut ? `timed out after ${timeoutMs} ms` : (e as Error).message}`,
        undefined,
        undefined,
        true,
      );
    }
    const text = await res.text().catch(() => '');
    if (!res.ok) {
      let code: string | undefined;
      let message = text.slice(0, 300);
      try {
        const err = JSON.parse(text) as { code?: unknown; message?: unknown };
        if (typeof err.code === 'string') code = err.code;
        if (typeof err.message === 'string') message = err.message;
      } catch {
        // Not a Connect error body (a proxy's HTML page, say): keep the text.
      }
      const retryable = res.status === 429 || res.status >= 500 || code === 'unavailable';
      throw new RpcError(
        `${method}: HTTP ${res.status}${code ? ` ${code}` : ''}: ${message}`,
        res.status,
        code,
        retryable,
      );
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new RpcError(
        `${method}: response is not JSON: ${text.slice(0, 120)}`,
        res.status,
        undefined,
        true,
      );
    }
  }

  return {
    async chainId() {
      const info = (await call('GetNodeInfo', {})) as { chainid?: unknown; chainId?: unknown };
      const id = info.chainid ?? info.chainId;
      if (typeof id !== 'string' || id === '')
        throw new RpcError('GetNodeInfo: no chain id in the answer', 200, undefined, false);
      return id;
    },
    async fetch(height, signal): Promise<FetchResult> {
      const body = await call('GetBlock', { height: String(height) }, signal);
      try {
        const decoded = decodeGetBlockResponse(body, height);
        return decoded.status === 'block' ? { ...decoded, raw: body } : decoded;
      } catch (e) {
        if (e instanceof DecodeError) throw e;
        throw new DecodeError(`height ${height}: ${(e as Error).message}`);
      }
    },
    async status() {
      const s = (await call('GetStatus', {})) as { ready?: unknown };
      return { ready: s.ready === true };
    },
  };
}

// The Core node's CoreService over the Connect protocol's JSON encoding (POST {base}/core.v1.CoreService/
// {Method}, int64 as strings). The source only fetches and decodes; retries and backoff belong to the
// prefetcher, which retries the same height. Undecodable answers are errors naming the height.
import type { Clock } from '../deps/clock.js';
import { nextBackoff } from '../shared/backoff.js';
import type { BlockSource, FetchResult } from './block-source.js';
import { DecodeError, decodeGetBlockResponse } from './decode.js';

/** A failed call to the node: HTTP status (none for network errors and timeouts) and Connect code. */
export class RpcError extends Error {
  override name = 'RpcError';
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly connectCode: string | undefined,
    /** Would the same call probably succeed later (429, 5xx, timeouts, dropped connections)? */
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** What GetStatus says about the node, as far as an indexer cares. */
export interface NodeStatus {
  readonly ready: boolean;
  readonly synced: boolean;
  readonly chainId: string | undefined;
  readonly head: number | undefined;
  /** A pruning node cannot serve heights below this. */
  readonly earliestHeight: number | undefined;
}

export interface RpcSourceOptions {
  /** Per request, on top of the caller's signal. */
  readonly timeoutMs?: number;
  readonly fetchImpl?: typeof fetch;
}

export type RpcSource = BlockSource & { status(signal?: AbortSignal): Promise<NodeStatus> };

const SERVICE = 'core.v1.CoreService';

/** Connect codes worth retrying (the server is starting, overloaded, or hit a transient error). */
const RETRYABLE_CODES = new Set([
  'unavailable',
  'unknown',
  'deadline_exceeded',
  'resource_exhausted',
  'aborted',
]);

/** connectrpc.com/docs/protocol: the code to assume when an error body is not Connect JSON (a proxy's page). */
function codeFromStatus(status: number): string {
  switch (status) {
    case 400:
      return 'internal';
    case 401:
      return 'unauthenticated';
    case 403:
      return 'permission_denied';
    case 404:
      return 'unimplemented';
    case 429:
    case 502:
    case 503:
    case 504:
      return 'unavailable';
    default:
      return 'unknown';
  }
}

export function rpcSource(baseUrl: string, opts: RpcSourceOptions = {}): RpcSource {
  let parsed: URL;
  try {
    parsed = new URL(baseUrl);
  } catch {
    throw new RpcError(`not a URL: ${baseUrl}`, undefined, undefined, false);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new RpcError(`the node URL must be http(s): ${baseUrl}`, undefined, undefined, false);
  const base = baseUrl.replace(/\/+$/, '');
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const doFetch = opts.fetchImpl ?? fetch;

  /** `what` names the call in errors ("GetBlock height 12"). */
  async function call(
    method: string,
    body: unknown,
    signal?: AbortSignal,
    what = method,
  ): Promise<{ json: unknown; text: string }> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const timedOut = () => timeout.aborted && !signal?.aborted;
    let status: number | undefined;
    let text: string;
    try {
      const res = await doFetch(`${base}/${SERVICE}/${method}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'connect-protocol-version': '1',
          'connect-timeout-ms': String(timeoutMs),
        },
        body: JSON.stringify(body),
        signal: combined,
      });
      status = res.status;
      // The body read is under the same signal: a node that sends headers and then stalls times out too.
      text = await res.text();
    } catch (e) {
      if (signal?.aborted) throw signal.reason ?? e;
      const why = timedOut() ? `timed out after ${timeoutMs} ms` : describeNetworkError(e);
      throw new RpcError(`${what}: ${why}`, status, timedOut() ? 'deadline_exceeded' : 'unavailable', true, {
        cause: e,
      });
    }
    if (status < 200 || status > 299) {
      let code: string | undefined;
      let message = text.slice(0, 300);
      try {
        const err = JSON.parse(text) as { code?: unknown; message?: unknown };
        if (typeof err.code === 'string') code = err.code;
        if (typeof err.message === 'string') message = err.message;
      } catch {
        // Not a Connect error body (an HTML 502 from a proxy, say): keep the text, derive the code.
      }
      code ??= codeFromStatus(status);
      const retryable = status === 408 || status === 429 || status >= 500 || RETRYABLE_CODES.has(code);
      throw new RpcError(`${what}: HTTP ${status} ${code}: ${message}`, status, code, retryable);
    }
    try {
      return { json: JSON.parse(text) as unknown, text };
    } catch (e) {
      // A truncated or garbled body: a proxy cut it short, most likely; the prefetcher tries again.
      throw new DecodeError(
        `${what}: the answer is not JSON (${(e as Error).message}): ${text.slice(0, 120)}`,
      );
    }
  }

  return {
    async chainId() {
      const info = (await call('GetNodeInfo', {})).json;
      const id = isRecord(info) ? (info.chainid ?? info.chainId) : undefined;
      if (typeof id !== 'string' || id === '')
        throw new RpcError('GetNodeInfo: the answer has no chain id', 200, undefined, false);
      return id;
    },
    async fetch(height, signal): Promise<FetchResult> {
      const { json, text } = await call(
        'GetBlock',
        { height: String(height) },
        signal,
        `GetBlock height ${height}`,
      );
      try {
        const decoded = decodeGetBlockResponse(json, height);
        // The body text travels with the block so `metronome capture` writes the node's own answer.
        return decoded.status === 'block' ? { ...decoded, raw: text } : decoded;
      } catch (e) {
        if (e instanceof DecodeError) throw e;
        throw new DecodeError(`height ${height}: ${(e as Error).message}`);
      }
    },
    async status(signal) {
      const s = (await call('GetStatus', {}, signal)).json;
      const r = isRecord(s) ? s : {};
      const chainInfo = isRecord(r.chainInfo) ? r.chainInfo : {};
      const syncInfo = isRecord(r.syncInfo) ? r.syncInfo : {};
      const pruning = isRecord(r.pruningInfo) ? r.pruningInfo : {};
      const head = positiveInt(chainInfo.currentHeight);
      const earliest = pruning.enabled === true ? positiveInt(pruning.earliestHeight) : undefined;
      return {
        ready: r.ready === true,
        synced: syncInfo.synced === true,
        chainId:
          typeof chainInfo.chainId === 'string' && chainInfo.chainId !== '' ? chainInfo.chainId : undefined,
        head,
        earliestHeight: earliest,
      };
    },
  };
}

function describeNetworkError(e: unknown): string {
  // undici reports "fetch failed" and hides the useful part (ECONNREFUSED, ECONNRESET…) in the cause.
  const cause = (e as { cause?: unknown }).cause;
  const code = (cause as { code?: unknown } | undefined)?.code;
  const msg = e instanceof Error ? e.message : String(e);
  if (cause instanceof Error)
    return `${msg}: ${cause.message}${typeof code === 'string' && !cause.message.includes(code) ? ` (${code})` : ''}`;
  return msg;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function positiveInt(v: unknown): number | undefined {
  const n = typeof v === 'string' || typeof v === 'number' ? Number(v) : Number.NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

export interface WaitForNodeOptions {
  readonly clock: Clock;
  readonly signal?: AbortSignal;
  /** How long to wait for GetStatus `ready` before going on anyway (the node may serve blocks regardless). */
  readonly readyWaitMs?: number;
  /** Each failed GetNodeInfo attempt (retryable) and each not-ready GetStatus. */
  readonly onWait?: (what: 'node-info' | 'not-ready', error: unknown, delayMs: number) => void;
}

/**
 * Startup: the chain id from GetNodeInfo, retrying while the node is down or starting (a restart of both
 * should not need a human); a non-retryable answer (wrong URL: 404 unimplemented) is thrown at once. Then
 * GetStatus until `ready`, polled once a second for at most `readyWaitMs` (the Go ETL's 60 tries).
 */
export async function waitForNode(
  source: RpcSource,
  opts: WaitForNodeOptions,
): Promise<{ chainId: string; status: NodeStatus | undefined; ready: boolean }> {
  let delay = 0;
  let chainId: string;
  while (true) {
    try {
      chainId = await source.chainId();
      break;
    } catch (e) {
      if (opts.signal?.aborted) throw opts.signal.reason ?? e;
      if (!(e instanceof RpcError) || !e.retryable) throw e;
      delay = nextBackoff(delay);
      opts.onWait?.('node-info', e, delay);
      await opts.clock.sleep(delay, opts.signal);
    }
  }
  const waitMs = opts.readyWaitMs ?? 60_000;
  const started = opts.clock.monotonicMs();
  let status: NodeStatus | undefined;
  while (true) {
    try {
      status = await source.status(opts.signal);
      if (status.ready) return { chainId, status, ready: true };
      if (opts.clock.monotonicMs() - started >= waitMs) return { chainId, status, ready: false };
      opts.onWait?.('not-ready', undefined, 1000);
    } catch (e) {
      if (opts.signal?.aborted) throw opts.signal.reason ?? e;
      // A node without GetStatus (or one that fails it) can still serve blocks: go on.
      if (!(e instanceof RpcError) || !e.retryable || opts.clock.monotonicMs() - started >= waitMs)
        return { chainId, status, ready: false };
      opts.onWait?.('not-ready', e, 1000);
    }
    await opts.clock.sleep(1000, opts.signal);
  }
}

// The Core node's CoreService over the Connect protocol's JSON encoding (POST {base}/core.v1.CoreService/
// {Method}, int64 as strings). The source only fetches and decodes; retries and backoff belong to the
// prefetcher, which retries the same height. Undecodable answers are errors naming the height.
import type { Clock } from '../deps/clock.js';
import { nextBackoff } from '../shared/backoff.js';
import { redactSecrets, redactUrl } from '../shared/redact.js';
import type { BlockSource, FetchResult } from './block-source.js';
import { BlockBodyFilter, KeptTooLargeError } from './body-filter.js';
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
  /** Larger answers are refused as they stream in (memory stays bounded whatever the node sends). */
  readonly maxBodyBytes?: number;
  /**
   * Keep each block's answer text (`raw`, for `metronome capture`). Default true. The daemon passes false:
   * then the text is parsed and dropped, and tx payloads the decoder never reads are skipped as they stream
   * in (src/chain/body-filter.ts), so a block's memory is about what it decodes to.
   */
  readonly keepRaw?: boolean;
  /**
   * The chain every block must belong to. Default: the id GetNodeInfo reported to chainId(); before that
   * call, blocks are not checked.
   */
  readonly chainId?: string;
}

export type RpcSource = BlockSource & { status(signal?: AbortSignal): Promise<NodeStatus> };

const SERVICE = 'core.v1.CoreService';
/** Well above a CometBFT block's default 21 MiB limit in its JSON encoding. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;
/**
 * With keepRaw false, what is kept of an answer (all but skipped tx payloads) stops at min(maxBodyBytes, this):
 * it is what a real block decodes from (the same bound as above), and it is held about three times over while
 * parsed. Raising --rpc-max-body-bytes admits larger skipped payloads, not larger blocks.
 */
export const MAX_KEPT_BYTES = DEFAULT_MAX_BODY_BYTES;

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
    throw new RpcError(`not a URL: ${redactUrl(baseUrl)}`, undefined, undefined, false);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new RpcError(`the node URL must be http(s): ${redactUrl(baseUrl)}`, undefined, undefined, false);
  // fetch() refuses a URL with credentials in it (a TypeError each attempt): they travel as a Basic
  // Authorization header instead, and the URL used (and shown in errors) has none.
  let authorization: string | undefined;
  if (parsed.username !== '' || parsed.password !== '') {
    let user: string;
    let password: string;
    try {
      user = decodeURIComponent(parsed.username);
      password = decodeURIComponent(parsed.password);
    } catch {
      throw new RpcError(
        `the user or password in the node URL is not valid percent-encoding: ${redactUrl(baseUrl)}`,
        undefined,
        undefined,
        false,
      );
    }
    authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    parsed.username = '';
    parsed.password = '';
  }
  const base = parsed.toString().replace(/\/+$/, '');
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const doFetch = opts.fetchImpl ?? fetch;
  const maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const keepRaw = opts.keepRaw ?? true;

  /** `what` names the call in errors ("GetBlock height 12"). */
  async function call(
    method: string,
    body: unknown,
    signal?: AbortSignal,
    what = method,
    filter?: BlockBodyFilter,
  ): Promise<{ json: unknown; text: string }> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const timedOut = () => timeout.aborted && !signal?.aborted;
    let status: number | undefined;
    let contentType = '';
    let text: string;
    try {
      const res = await doFetch(`${base}/${SERVICE}/${method}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'connect-protocol-version': '1',
          'connect-timeout-ms': String(timeoutMs),
          ...(authorization !== undefined && { authorization }),
        },
        body: JSON.stringify(body),
        signal: combined,
      });
      status = res.status;
      contentType = res.headers.get('content-type') ?? '';
      // The body read is under the same signal: a node that sends headers and then stalls times out too.
      text = await readCapped(res, maxBodyBytes, what, filter);
    } catch (e) {
      if (signal?.aborted) throw signal.reason ?? e;
      if (e instanceof DecodeError) throw e;
      // fetch() rejecting the request itself (not the network: undici says "fetch failed" for those) is
      // a configuration error; retrying it forever would only hide it.
      if (e instanceof TypeError && e.message !== 'fetch failed' && !timedOut())
        throw new RpcError(`${what}: ${redactSecrets(e.message)}`, undefined, undefined, false, { cause: e });
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
    // Connect answers application/json; anything else on a 200 (a captive portal's or a proxy's HTML page)
    // is not the node's answer, whatever the body happens to parse as.
    if (!/^application\/json\b/i.test(contentType))
      throw new DecodeError(
        `${what}: the answer's content-type is ${JSON.stringify(contentType.slice(0, 100))}, not application/json`,
      );
    try {
      return { json: JSON.parse(text) as unknown, text };
    } catch (e) {
      // A truncated or garbled body: a proxy cut it short, most likely; the prefetcher tries again.
      throw new DecodeError(
        `${what}: the answer is not JSON (${(e as Error).message}): ${text.slice(0, 120)}`,
      );
    }
  }

  let expectedChainId = opts.chainId;
  /** The node's tip as its latest answer (a block or GetStatus) reported it. */
  let lastHead: number | undefined;
  return {
    async chainId() {
      const info = (await call('GetNodeInfo', {})).json;
      const id = isRecord(info) ? (info.chainid ?? info.chainId) : undefined;
      if (typeof id !== 'string' || id === '')
        throw new RpcError('GetNodeInfo: the answer has no chain id', 200, undefined, false);
      expectedChainId ??= id;
      return id;
    },
    async fetch(height, signal): Promise<FetchResult> {
      const { json, text } = await call(
        'GetBlock',
        { height: String(height) },
        signal,
        `GetBlock height ${height}`,
        keepRaw ? undefined : new BlockBodyFilter(Math.min(maxBodyBytes, MAX_KEPT_BYTES)),
      );
      try {
        const decoded = decodeGetBlockResponse(json, height);
        // As a block file's lines are: a node behind a load balancer can answer from another chain.
        if (
          decoded.status === 'block' &&
          expectedChainId !== undefined &&
          decoded.block.chainId !== expectedChainId
        )
          throw new DecodeError(
            `height ${height}: the block is from chain ${JSON.stringify(decoded.block.chainId.slice(0, 100))}, not ${JSON.stringify(expectedChainId)}`,
          );
        if (decoded.status === 'not-yet') {
          // "Not produced yet" for a height the node already counts below its head is a wrong answer, not
          // the tip: an error (logged with the height, bounded by the retry deadline), never a quiet wait.
          const head = Math.max(decoded.chainHead ?? 0, lastHead ?? 0);
          if (head >= height)
            throw new DecodeError(
              `height ${height}: the node answered "not produced yet" (a negative height) although its head is ${head}`,
            );
          return decoded;
        }
        // The latest head, not the highest: one bogus huge head must not turn every later wait into an error.
        if (decoded.chainHead !== undefined) lastHead = decoded.chainHead;
        // The body text travels with the block so `metronome capture` writes the node's own answer (the
        // text and its parsed copy: about twice its bytes in memory).
        const bytes = Buffer.byteLength(text, 'utf8');
        return keepRaw ? { ...decoded, raw: text, sizeBytes: 2 * bytes } : { ...decoded, sizeBytes: bytes };
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
      if (head !== undefined) lastHead = head;
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

/**
 * The body as text, refused (and the stream cancelled) once it passes `max` bytes, whether or not a
 * Content-Length announced it (a chunked body is counted as it streams). With a filter, only what it keeps.
 */
async function readCapped(
  res: Response,
  max: number,
  what: string,
  filter: BlockBodyFilter | undefined,
): Promise<string> {
  const tooLarge = () =>
    new DecodeError(
      `${what}: the answer is larger than ${max} bytes (--rpc-max-body-bytes); not read further`,
    );
  const declared = Number(res.headers.get('content-length') ?? Number.NaN);
  if (declared > max) {
    await res.body?.cancel().catch(() => {});
    throw tooLarge();
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    if (!filter) {
      chunks.push(value);
      continue;
    }
    try {
      filter.push(value);
    } catch (e) {
      await reader.cancel().catch(() => {});
      if (e instanceof KeptTooLargeError) throw new DecodeError(`${what}: ${e.message}; not read further`);
      throw e;
    }
  }
  if (!filter) return Buffer.concat(chunks, size).toString('utf8');
  try {
    return filter.text();
  } catch (e) {
    throw new DecodeError(`${what}: the answer is not JSON (${(e as Error).message})`);
  }
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

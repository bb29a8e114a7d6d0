// The simulated chain served over the Core node's protocol (Connect JSON on HTTP, 127.0.0.1), so the
// production RPC path is exercised end to end without a real node. Faults are injectable for tests.
import { createServer, type Server } from 'node:http';
import type { WireGetBlockResponse } from '../src/chain/wire.js';

export type RpcFault =
  /** Connect `unknown`, HTTP 500 (what the node answers for any plain Go error). */
  | 'http500'
  /** Connect `resource_exhausted`, HTTP 429. */
  | 'http429'
  /** Connect `unavailable` "service not ready", HTTP 503 (the node's readiness interceptor). */
  | 'http503'
  /** A proxy's HTML 502: not a Connect body. */
  | 'proxy502'
  /** HTTP 200 with a truncated JSON body. */
  | 'malformed'
  /** Accept the request and never answer; the socket is destroyed after `hangMs`. */
  | 'hang'
  /** Destroy the socket at once (connection reset). */
  | 'reset';

export interface RpcFaults {
  /** Decide a fault per (height, attempt); undefined = answer normally. */
  readonly forGetBlock?: (height: number, attempt: number) => RpcFault | undefined;
  /** Faults for GetNodeInfo and GetStatus, per (method, attempt). */
  readonly forCall?: (method: 'GetNodeInfo' | 'GetStatus', attempt: number) => RpcFault | undefined;
  /** How long a hung request is held before the socket is destroyed. */
  readonly hangMs?: number;
}

export interface RpcServerOptions {
  readonly chainId: string;
  readonly port?: number;
  /** The chain tip reported by GetNodeInfo and GetStatus; default: unknown ("0"). */
  readonly head?: () => number;
  readonly faults?: RpcFaults;
}

export interface RpcServer {
  readonly server: Server;
  readonly url: string;
  readonly port: number;
  /** GetBlock requests answered or faulted, per height: lets a test see retries happened on the same height. */
  readonly attempts: ReadonlyMap<number, number>;
  close(): Promise<void>;
}

const PREFIX = '/core.v1.CoreService/';

/**
 * `getResponse(h)` is the node's answer for height h exactly as it is sent; undefined means "not produced
 * yet" and is answered with the node's placeholder (block height -1, currentHeight "0").
 */
export async function startRpcServer(
  getResponse: (height: number) => WireGetBlockResponse | undefined,
  opts: RpcServerOptions,
): Promise<RpcServer> {
  const attempts = new Map<number, number>();
  const callAttempts = new Map<string, number>();
  const head = () => String(opts.head?.() ?? 0);
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString('utf8');
      if (body.length > 1_000_000) req.destroy();
    });
    req.on('end', () => {
      const send = (status: number, payload: unknown, contentType = 'application/json') => {
        res.statusCode = status;
        res.setHeader('content-type', contentType);
        res.end(typeof payload === 'string' ? payload : JSON.stringify(payload));
      };
      const fail = (fault: RpcFault): boolean => {
        switch (fault) {
          case 'http500':
            send(500, { code: 'unknown', message: 'simulated failure' });
            return true;
          case 'http429':
            send(429, { code: 'resource_exhausted', message: 'slow down' });
            return true;
          case 'http503':
            send(503, { code: 'unavailable', message: 'service not ready' });
            return true;
          case 'proxy502':
            send(502, '<html><body>502 Bad Gateway</body></html>', 'text/html');
            return true;
          case 'malformed':
            send(200, '{"block":{"height":"');
            return true;
          case 'hang':
            setTimeout(() => res.destroy(), opts.faults?.hangMs ?? 30_000).unref();
            return true;
          case 'reset':
            req.socket.destroy();
            return true;
        }
      };
      const url = req.url ?? '';
      if (!url.startsWith(PREFIX)) return send(404, { code: 'unimplemented', message: `no route ${url}` });
      const method = url.slice(PREFIX.length);
      if (req.method !== 'POST') return send(405, { code: 'unimplemented', message: 'POST only' });
      // Like connect-go: a unary call must say what it sends.
      if (!(req.headers['content-type'] ?? '').startsWith('application/json'))
        return send(415, { code: 'unknown', message: 'content-type must be application/json' });
      if (method === 'GetNodeInfo' || method === 'GetStatus') {
        const attempt = (callAttempts.get(method) ?? 0) + 1;
        callAttempts.set(method, attempt);
        const fault = opts.faults?.forCall?.(method, attempt);
        if (fault && fail(fault)) return;
        if (method === 'GetNodeInfo')
          return send(200, {
            chainid: opts.chainId,
            synced: true,
            cometAddress: '',
            ethAddress: '',
            currentHeight: head(),
          });
        return send(200, {
          live: true,
          ready: true,
          chainInfo: {
            chainId: opts.chainId,
            currentHeight: head(),
            currentBlockHash: '',
            totalTxCount: '0',
          },
          syncInfo: { synced: true },
          pruningInfo: { enabled: false, retainBlocks: '0', earliestHeight: '0' },
        });
      }
      if (method !== 'GetBlock') return send(404, { code: 'unimplemented', message: `no method ${method}` });
      let height: number;
      try {
        height = Number((JSON.parse(body) as { height?: unknown }).height);
      } catch {
        return send(400, { code: 'invalid_argument', message: 'body is not JSON' });
      }
      if (!Number.isSafeInteger(height)) return send(400, { code: 'invalid_argument', message: 'height' });
      const attempt = (attempts.get(height) ?? 0) + 1;
      attempts.set(height, attempt);
      const fault = opts.faults?.forGetBlock?.(height, attempt);
      if (fault && fail(fault)) return;
      const response = getResponse(height) ?? {
        block: {
          height: '-1',
          hash: '',
          chainId: opts.chainId,
          proposer: '',
          timestamp: null,
          transactions: [],
        },
        currentHeight: '0',
      };
      return send(200, response);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    port,
    attempts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

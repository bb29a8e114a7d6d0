// The simulated chain served over the Core node's protocol (Connect JSON on HTTP, 127.0.0.1), so the
// production RPC path is exercised end to end without a real node. Faults are injectable for tests.
import { createServer, type Server } from 'node:http';
import type { WireGetBlockResponse } from '../src/chain/wire.js';

export interface RpcFaults {
  /** Decide a fault per (height, attempt); undefined = answer normally. */
  readonly forGetBlock?: (
    height: number,
    attempt: number,
  ) => 'http500' | 'http429' | 'malformed' | 'hang' | undefined;
  /** How long a hung request is held before the socket is destroyed. */
  readonly hangMs?: number;
}

export interface RpcServerOptions {
  readonly chainId: string;
  readonly port?: number;
  readonly faults?: RpcFaults;
}

export async function startRpcServer(
  getResponse: (height: number) => WireGetBlockResponse,
  opts: RpcServerOptions,
): Promise<{ server: Server; url: string; port: number; close(): Promise<void> }> {
  const attempts = new Map<number, number>();
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString('utf8');
      if (body.length > 1_000_000) req.destroy();
    });
    req.on('end', () => {
      const method = req.url?.split('/').pop() ?? '';
      const send = (status: number, payload: unknown) => {
        res.statusCode = status;
        res.setHeader('content-type', 'application/json');
        res.end(typeof payload === 'string' ? payload : JSON.stringify(payload));
      };
      if (req.method !== 'POST') return send(405, { code: 'unimplemented', message: 'POST only' });
      if (method === 'GetNodeInfo') return send(200, { chainid: opts.chainId, synced: true });
      if (method === 'GetStatus') return send(200, { ready: true });
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
      if (fault === 'http500') return send(500, { code: 'internal', message: 'simulated failure' });
      if (fault === 'http429') return send(429, { code: 'resource_exhausted', message: 'slow down' });
      if (fault === 'malformed') return send(200, '{"block":{"height":"');
      if (fault === 'hang') {
        setTimeout(() => res.destroy(), opts.faults?.hangMs ?? 30_000).unref();
        return;
      }
      return send(200, getResponse(height));
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
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

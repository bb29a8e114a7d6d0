// A fake Core node on 127.0.0.1 for the hostile-node and CLI tests: it serves a simulated chain over the
// Connect JSON protocol, except for the heights a test hands to its own `hostile` answer, and records the
// Authorization header each request carried.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SimChain } from '../../sim/chain.js';

export interface FakeNode {
  readonly url: string;
  /** GetBlock requests per height. */
  readonly attempts: Map<number, number>;
  /** Every Authorization header seen (undefined when absent). */
  readonly authorizations: (string | undefined)[];
  close(): Promise<void>;
}

/** Answers the request itself and returns true, or returns false for the normal answer. */
export type HostileAnswer = (height: number, res: ServerResponse, req: IncomingMessage) => boolean;

export async function startFakeNode(
  chain: SimChain,
  chainId: string,
  hostile: HostileAnswer = () => false,
): Promise<FakeNode> {
  const attempts = new Map<number, number>();
  const authorizations: (string | undefined)[] = [];
  const json = (res: ServerResponse, body: unknown) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(body));
  };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString('utf8');
    });
    req.on('end', () => {
      authorizations.push(req.headers.authorization);
      const method = (req.url ?? '').split('/').pop();
      if (method === 'GetNodeInfo')
        return json(res, { chainid: chainId, currentHeight: String(chain.length) });
      if (method === 'GetStatus')
        return json(res, {
          ready: true,
          chainInfo: { chainId, currentHeight: String(chain.length) },
          syncInfo: { synced: true },
          pruningInfo: { enabled: false },
        });
      if (method !== 'GetBlock') {
        res.statusCode = 404;
        return json(res, { code: 'unimplemented', message: 'no such method' });
      }
      const height = Number((JSON.parse(body) as { height: string }).height);
      attempts.set(height, (attempts.get(height) ?? 0) + 1);
      if (hostile(height, res, req)) return;
      json(res, chain.responseFor(height));
    });
  });
  // A hostile answer that never ends must not keep close() waiting.
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    attempts,
    authorizations,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Writes `chunk` as fast as the client reads it, until the client goes away or `limitBytes` is sent:
 * an answer far larger than any block, with the memory cost on the reader, not here.
 */
export function floodBody(res: ServerResponse, head: string, chunk: string, limitBytes: number): void {
  res.setHeader('content-type', 'application/json');
  let sent = 0;
  let stopped = false;
  res.on('close', () => {
    stopped = true;
  });
  const pump = () => {
    while (!stopped && sent < limitBytes) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    if (!stopped) res.end('"}}');
  };
  res.write(head);
  pump();
}

/** Headers at once, then one byte of a body every `everyMs`, never finishing (stops when the client leaves). */
export function trickleBody(res: ServerResponse, everyMs: number): void {
  res.setHeader('content-type', 'application/json');
  res.write('{"block":');
  const timer = setInterval(() => res.write(' '), everyMs);
  res.on('close', () => clearInterval(timer));
}

/**
 * `head`, then `fillBytes` bytes of `fill` repeated, then `tail`, written as fast as the client reads, with no
 * Content-Length (chunked): a huge answer generated as it goes, so the test process holds one chunk of it.
 */
export function generatedBody(
  res: ServerResponse,
  head: string,
  fill: string,
  fillBytes: number,
  tail: string,
): void {
  res.setHeader('content-type', 'application/json');
  let sent = 0;
  let stopped = false;
  res.on('close', () => {
    stopped = true;
  });
  const pump = () => {
    while (!stopped && sent < fillBytes) {
      const part = fillBytes - sent >= fill.length ? fill : fill.slice(0, fillBytes - sent);
      sent += part.length;
      if (!res.write(part)) return void res.once('drain', pump);
    }
    if (!stopped) res.end(tail);
  };
  res.write(head);
  pump();
}

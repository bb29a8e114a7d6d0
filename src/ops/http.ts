// Listens on 127.0.0.1 unless told otherwise (--metrics-host; the container image sets 0.0.0.0).
// /metrics (Prometheus), /healthz (the process is alive and its event loop turns) and /readyz (the run
// loop is running: database migrated, lock held, node answered; 503 before that and while shutting down).
import { createServer, type Server } from 'node:http';
import type { Metrics } from './metrics.js';

export function startOpsServer(port: number, metrics: Metrics, host = '127.0.0.1'): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.statusCode = 405;
      res.end();
    } else if (path === '/metrics') {
      metrics.registry.metrics().then(
        (text) => {
          res.setHeader('content-type', metrics.registry.contentType);
          res.end(text);
        },
        (e: unknown) => {
          res.statusCode = 500;
          res.end(`${e instanceof Error ? e.message : String(e)}\n`);
        },
      );
    } else if (path === '/healthz') {
      res.end('ok\n');
    } else if (path === '/readyz') {
      res.statusCode = metrics.ready ? 200 : 503;
      res.end(metrics.ready ? 'ready\n' : 'not ready\n');
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

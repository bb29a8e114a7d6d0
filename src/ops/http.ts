// /metrics, /healthz (the process is alive) and /readyz (it has indexed at least one block).
import { createServer, type Server } from 'node:http';
import type { Metrics } from './metrics.js';

export function startOpsServer(port: number, metrics: Metrics): Promise<Server> {
  const server = createServer(async (req, res) => {
    if (req.url === '/metrics') {
      res.setHeader('content-type', metrics.registry.contentType);
      res.end(await metrics.registry.metrics());
    } else if (req.url === '/healthz') {
      res.end('ok\n');
    } else if (req.url === '/readyz') {
      res.statusCode = metrics.ready ? 200 : 503;
      res.end(metrics.ready ? 'ready\n' : 'not ready\n');
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '0.0.0.0', () => resolve(server));
  });
}

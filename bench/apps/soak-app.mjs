// The app of the soak (bench/soak.mjs): a plain node:http server whose requests make spans, metric points and
// outgoing calls, and that reports on itself.
//   GET /work?i=<n>   one internal span, one counter increment, then "ok"
//   GET /stats        { heapUsed, arrayBuffers, rss, resources: { <type>: count }, live, listeners } after a full GC (run with --expose-gc);
//                     resources are process.getActiveResourcesInfo(), the handles and requests keeping the loop alive;
//                     live counts every async resource (sockets, timers…) by type, unref'd ones included
// Prints `LISTENING <port>`.
import { createHook } from 'node:async_hooks';
import http from 'node:http';
import { trace } from '@opentelemetry/api';
import { tracekit } from '@tracekit/agent';

const tracer = trace.getTracer('soak');

// getActiveResourcesInfo() lists only what keeps the loop alive; the agent unrefs its sockets and timers, so a leak
// of those would not show there. Every live async resource (promises aside: too many, and not a leak signal) is
// counted here by type, ref'd or not.
const live = new Map();
createHook({
  init(asyncId, type) {
    if (type !== 'PROMISE') live.set(asyncId, type);
  },
  destroy(asyncId) {
    live.delete(asyncId);
  },
}).enable();

function stats() {
  globalThis.gc?.();
  const resources = {};
  for (const type of process.getActiveResourcesInfo()) resources[type] = (resources[type] ?? 0) + 1;
  const memory = process.memoryUsage();
  const all = {};
  for (const type of live.values()) all[type] = (all[type] ?? 0) + 1;
  return {
    heapUsed: memory.heapUsed,
    // Buffers (encoded batches, sockets) live outside the JS heap: a leak of those shows here, not in heapUsed.
    arrayBuffers: memory.arrayBuffers,
    rss: memory.rss,
    resources,
    live: all,
    listeners: { exit: process.listenerCount('exit'), SIGTERM: process.listenerCount('SIGTERM'), beforeExit: process.listenerCount('beforeExit') },
  };
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/stats') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(stats()));
    return;
  }
  tracer.startSpan('soak-work').end();
  tracekit.counter('soak.requests', { route: url.pathname }).inc();
  res.end('ok');
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(`LISTENING ${server.address().port}`));

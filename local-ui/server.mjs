// Assembles the Local UI server: stores, routes, the WebSocket feed and the SSE hub, on one http.Server.
// createLocalUi() does not listen; start() does, and fails loudly when the port is taken (an agent only ever looks
// at the port it was told, so moving elsewhere would lose every span).
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { HttpError, sendError } from './http-body.mjs';
import { LiveFeed } from './live-feed.mjs';
import { LogStore } from './log-store.mjs';
import { MetricStore } from './metric-store.mjs';
import { SnapshotStore } from './snapshot-store.mjs';
import { SseHub } from './sse-hub.mjs';
import { isPageFile, servePage } from './static-files.mjs';
import { TraceStore } from './trace-store.mjs';
import * as api from './routes-api.mjs';
import * as ingest from './routes-ingest.mjs';
import * as sdk from './routes-sdk.mjs';

const VERSION = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

const ROUTES = [
  ['GET', '/api/health', api.health],
  ['GET', '/api/stats', api.stats],
  ['GET', '/api/traces', api.listTraces],
  ['DELETE', '/api/traces', api.clearTraces],
  ['GET', '/api/traces/:id', api.getTrace],
  ['GET', '/api/service-map', api.serviceMap],
  ['GET', '/api/services', api.services],
  ['GET', '/api/metrics', api.listMetrics],
  ['DELETE', '/api/metrics', api.clearMetrics],
  ['GET', '/api/logs', api.listLogs],
  ['GET', '/api/breakpoints', api.listBreakpoints],
  ['POST', '/api/breakpoints', api.createBreakpoint],
  ['PATCH', '/api/breakpoints/:id', api.updateBreakpoint],
  ['DELETE', '/api/breakpoints/:id', api.deleteBreakpoint],
  ['PUT', '/api/kill-switch/:service', api.setKillSwitch],
  ['GET', '/api/snapshots', api.listSnapshots],
  ['DELETE', '/api/snapshots', api.clearSnapshots],
  ['POST', '/v1/traces', ingest.ingestTraces],
  ['POST', '/v1/metrics', ingest.ingestMetrics],
  ['POST', '/v1/logs', ingest.ingestLogs],
  ['GET', '/sdk/snapshots/active/:service', sdk.poll],
  ['POST', '/sdk/snapshots/active/:service', sdk.pollWithEvents],
  ['POST', '/sdk/snapshots/auto-register', sdk.autoRegister],
  ['POST', '/sdk/snapshots/capture', sdk.capture],
  ['GET', '/sdk/snapshots/stream/:service', sdk.stream],
].map(([method, pattern, handler]) => ({ method, parts: pattern.split('/'), handler }));

function match(method, pathname) {
  const parts = pathname.split('/');
  let pathMatched = false;
  for (const route of ROUTES) {
    if (route.parts.length !== parts.length) continue;
    const params = {};
    let ok = true;
    for (let i = 0; i < parts.length && ok; i++) {
      const want = route.parts[i];
      if (want.startsWith(':')) {
        if (parts[i] === '') ok = false;
        else params[want.slice(1)] = decodeURIComponent(parts[i]);
      } else ok = want === parts[i];
    }
    if (!ok) continue;
    pathMatched = true;
    if (route.method === method) return { route, params };
  }
  return { pathMatched };
}

/** The stores and the live channels, wired together; what every route handler receives as `ctx`. */
function createContext(options) {
  const traces = new TraceStore({ maxTraces: options.maxTraces, retentionMs: options.retentionMs, maxBytes: options.maxBytes });
  const metrics = new MetricStore();
  const logs = new LogStore();
  const snapshots = new SnapshotStore();
  const ctx = {
    version: VERSION,
    startedAt: Date.now(),
    maxBodyBytes: options.maxBodyBytes ?? 10 * 1024 * 1024,
    loopbackOnly: false,
    traces,
    metrics,
    logs,
    snapshots,
    persistence: options.persistence,
    stats: () => ({
      ...traces.stats(),
      metricSeries: metrics.series.size,
      logRecords: logs.records.length,
      breakpoints: snapshots.breakpoints.size,
      snapshots: snapshots.snapshots.length,
      sseClients: ctx.sse.count(),
    }),
    addSpans(spans, { announce = true, persist = true } = {}) {
      if (spans.length === 0) return;
      if (persist) ctx.persistence?.saveSpans(spans);
      const { created, updated } = traces.add(spans);
      if (!announce) return;
      for (const trace of created) ctx.feed.traceChanged('new_trace', trace.summary());
      for (const trace of updated) ctx.feed.traceChanged('trace_updated', trace.summary());
    },
    clearTraces() {
      traces.clear();
      logs.clear();
      ctx.persistence?.clear();
      ctx.feed.broadcast({ type: 'traces_cleared', data: {} });
    },
  };
  ctx.feed = new LiveFeed({ version: VERSION, stats: ctx.stats });
  ctx.sse = new SseHub(snapshots);
  traces.onEvict = (trace) => {
    ctx.feed.traceEvicted(trace.traceId);
    ctx.persistence?.deleteTrace(trace.traceId);
  };
  snapshots.onChange = (service, event, data) => {
    ctx.persistence?.codeMonitoringChanged(service, event, data);
    ctx.sse.publish(service, event, data);
    const captured = event === 'snapshot_captured';
    ctx.feed.broadcast({ type: captured ? 'snapshot_captured' : 'breakpoints_changed', data: { service, event, ...(captured ? { id: data.id } : {}) } });
  };
  return ctx;
}

function createHttpServer(ctx, requestTimeoutMs) {
  const server = http.createServer({
    // A client that opens a request and never finishes sending it is cut off (Node checks every interval).
    requestTimeout: requestTimeoutMs,
    headersTimeout: Math.min(requestTimeoutMs, 20_000),
    connectionsCheckingInterval: Math.min(1000, requestTimeoutMs),
    keepAliveTimeout: 5000,
  });
  server.on('request', (req, res) => handle(req, res, ctx));
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    if (!hostAllowed(req, ctx)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    if (new URL(req.url ?? '/', 'http://x').pathname === '/ws') ctx.feed.handleUpgrade(req, socket, head);
    else socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
  server.on('clientError', (error, socket) => {
    if (!socket.writable || socket.destroyed) {
      socket.destroy();
      return;
    }
    const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  });
  return server;
}

function listen(server, port, host) {
  return new Promise((resolve, reject) => {
    const onError = (error) => {
      server.off('listening', onListening);
      reject(error);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve(server.address());
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/**
 * @param {{ maxTraces?: number, retentionMs?: number, maxBytes?: number, maxBodyBytes?: number,
 *   requestTimeoutMs?: number, persistence?: object }} options
 */
export function createLocalUi(options = {}) {
  const ctx = createContext(options);
  if (options.persistence) {
    ctx.addSpans(options.persistence.loadSpans(Date.now() - ctx.traces.retentionMs), { announce: false, persist: false });
    ctx.snapshots.restore(options.persistence.loadCodeMonitoring());
  }
  const server = createHttpServer(ctx, options.requestTimeoutMs ?? 30_000);
  // Retention is also enforced while nothing arrives.
  const sweeper = setInterval(() => ctx.traces.enforceLimits(), Math.max(250, Math.min(5000, ctx.traces.retentionMs / 4))).unref();
  return {
    server,
    ctx,
    async listen(port = 9999, host = '127.0.0.1') {
      const address = await listen(server, port, host);
      ctx.loopbackOnly = ['127.0.0.1', '::1', 'localhost'].includes(host) || /^127\./.test(host);
      return { port: address.port, host: address.address };
    },
    async close() {
      clearInterval(sweeper);
      ctx.feed.close();
      ctx.sse.close();
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(() => resolve()));
      ctx.persistence?.close();
    },
  };
}

/** Reads and discards the rest of a refused body; a client still sending after 5 s is disconnected. */
function drainOrDrop(req) {
  if (req.complete) return;
  const timer = setTimeout(() => req.socket.destroy(), 5000);
  timer.unref();
  req.on('end', () => clearTimeout(timer));
  req.on('close', () => clearTimeout(timer));
  req.resume();
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Bound to loopback, only requests that name a loopback host are served. A web page whose DNS name is rebound to
 * 127.0.0.1 would otherwise be "same origin" with this server and could read every trace and snapshot.
 */
function hostAllowed(req, ctx) {
  if (!ctx.loopbackOnly) return true;
  const host = String(req.headers.host ?? '').toLowerCase();
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
  return LOOPBACK_NAMES.has(name) || name.endsWith('.localhost');
}

async function handle(req, res, ctx) {
  if (!hostAllowed(req, ctx)) {
    sendError(res, 403, `Host ${JSON.stringify(String(req.headers.host ?? ''))} is not a loopback name; tracekit-local answers localhost, 127.0.0.1 and [::1] only (start it with --host to serve other names)`);
    return;
  }
  let url;
  try {
    url = new URL(req.url ?? '/', 'http://local');
  } catch {
    sendError(res, 400, 'malformed request URL');
    return;
  }
  const method = req.method === 'HEAD' ? 'GET' : req.method;
  if (method === 'GET' && url.pathname === '/favicon.ico') {
    res.writeHead(204).end();
    return;
  }
  if (method === 'GET' && isPageFile(url.pathname)) {
    servePage(req, res, url.pathname);
    return;
  }
  let found;
  try {
    found = match(method, url.pathname);
  } catch {
    sendError(res, 400, 'malformed percent-encoding in the path');
    return;
  }
  if (!found.route) {
    if (found.pathMatched) sendError(res, 405, `${req.method} is not allowed on ${url.pathname}`);
    else sendError(res, 404, `no route for ${req.method} ${url.pathname}`);
    if (req.method !== 'GET' && req.method !== 'HEAD') req.resume();
    return;
  }
  try {
    await found.route.handler(req, res, ctx, { url, params: found.params });
  } catch (error) {
    if (error instanceof HttpError) {
      sendError(res, error.status, error.message);
      if (error.status === 413) drainOrDrop(req);
      return;
    }
    // A bug here must cost one request, never the server.
    process.stderr.write(`tracekit-local: ${req.method} ${url.pathname} failed: ${error && error.stack ? error.stack : error}\n`);
    sendError(res, 500, 'internal error (see the tracekit-local terminal)');
  }
}

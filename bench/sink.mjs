// OTLP/HTTP sink for the benchmarks.
//
// An HTTP server on 127.0.0.1 (port 0 by default) that reads every POST body fully and answers 200:
// an empty body with the request's content-type for protobuf (an empty ExportTraceServiceResponse), `{}` for JSON.
// The hot path only counts requests and bytes and keeps the raw body; spans are counted afterwards with
// `countSpans(sink.take())`, which decodes with the official OTLP schema (the `otlp-schema` devDependency).
//
// In-process:   import { startSink, countSpans } from './sink.mjs';
//               const sink = await startSink(); ... const report = countSpans(sink.take()); await sink.close();
// Stand-alone:  node bench/sink.mjs [--port 4318]   (prints "LISTENING <port>", a summary on SIGINT/SIGTERM)

import http from 'node:http';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { decodeMsgpack } from './lib/msgpack.mjs';

const require = createRequire(import.meta.url);

let ExportTraceServiceRequest;
function traceRequestType() {
  ExportTraceServiceRequest ??= require('otlp-schema/build/src/generated/root.js').opentelemetry.proto.collector.trace.v1
    .ExportTraceServiceRequest;
  return ExportTraceServiceRequest;
}

/**
 * @param {{ host?: string, port?: number, keepBodies?: boolean }} [options]
 */
export function startSink({ host = '127.0.0.1', port = 0, keepBodies = true } = {}) {
  const stats = { requests: 0, bytes: 0, lastRequestAt: 0, byPath: Object.create(null) };
  let bodies = [];

  const server = http.createServer((req, res) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      chunks.push(c);
      size += c.length;
    });
    req.on('end', () => {
      stats.requests++;
      stats.bytes += size;
      stats.lastRequestAt = performance.now();
      const path = req.url.split('?', 1)[0];
      const p = (stats.byPath[path] ??= { requests: 0, bytes: 0 });
      p.requests++;
      p.bytes += size;
      const contentType = req.headers['content-type'] ?? '';
      // dd-trace PUTs its payloads to the Datadog agent's /v0.4/traces; OTLP exporters POST.
      if (keepBodies && (req.method === 'POST' || req.method === 'PUT')) {
        bodies.push({
          path,
          contentType,
          contentEncoding: req.headers['content-encoding'] ?? '',
          body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size),
        });
      }
      if (contentType.includes('json') || DATADOG_TRACES.test(path)) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 });
        res.end('{}');
      } else {
        res.writeHead(200, { 'content-type': contentType || 'application/x-protobuf', 'content-length': 0 });
        res.end();
      }
    });
    req.on('error', () => {});
  });
  server.keepAliveTimeout = 30_000;

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const { port: bound } = server.address();
      resolve({
        port: bound,
        url: `http://${host}:${bound}`,
        server,
        /** Counters since start (or the last reset()). */
        stats: () => ({ requests: stats.requests, bytes: stats.bytes, lastRequestAt: stats.lastRequestAt, byPath: { ...stats.byPath } }),
        /** Zero the counters and drop stored bodies. */
        reset() {
          stats.requests = 0;
          stats.bytes = 0;
          stats.lastRequestAt = 0;
          stats.byPath = Object.create(null);
          bodies = [];
        },
        /** Hand over the stored bodies (and forget them). */
        take() {
          const out = bodies;
          bodies = [];
          return out;
        },
        close() {
          server.closeAllConnections?.();
          return new Promise((r) => server.close(() => r()));
        },
      });
    });
  });
}

const SERVER_KIND = 2; // OTLP SpanKind.SPAN_KIND_SERVER
const DATADOG_TRACES = /^\/v0\.[345]\/traces$/;

/** Spans of a Datadog agent payload (v0.4: an array of traces, each an array of span maps). */
function countDatadogSpans(body, out) {
  const traces = decodeMsgpack(body);
  if (!Array.isArray(traces)) throw new Error('not a v0.4 trace payload');
  const scope = 'dd-trace';
  for (const spans of traces) {
    out.scopes[scope] = (out.scopes[scope] ?? 0) + spans.length;
    out.spans += spans.length;
    for (const s of spans) {
      if (s.meta?.['span.kind'] === 'server') out.serverSpans++;
      const name = s.resource ?? s.name;
      out.spanNames[name] = (out.spanNames[name] ?? 0) + 1;
    }
  }
}

/**
 * Decode stored bodies (off the hot path) and count spans.
 * @param {{ path: string, contentType: string, contentEncoding: string, body: Buffer }[]} bodies
 */
export function countSpans(bodies) {
  const out = {
    requests: bodies.length,
    bytes: 0,
    spans: 0,
    serverSpans: 0,
    decodeErrors: 0,
    firstDecodeError: undefined,
    contentTypes: {},
    paths: {},
    scopes: {},
    spanNames: {},
  };
  for (const b of bodies) {
    out.bytes += b.body.length;
    out.contentTypes[b.contentType] = (out.contentTypes[b.contentType] ?? 0) + 1;
    out.paths[b.path] = (out.paths[b.path] ?? 0) + 1;
    if (b.path.endsWith('/v1/metrics') || b.path.endsWith('/v1/logs')) continue; // traces only
    try {
      let body = b.body;
      if (/gzip/i.test(b.contentEncoding)) body = zlib.gunzipSync(body);
      else if (/deflate/i.test(b.contentEncoding)) body = zlib.inflateSync(body);
      if (DATADOG_TRACES.test(b.path)) {
        countDatadogSpans(body, out);
        continue;
      }
      let resourceSpans;
      if (b.contentType.includes('json')) {
        resourceSpans = JSON.parse(body.toString('utf8')).resourceSpans ?? [];
      } else {
        resourceSpans = traceRequestType().decode(body).resourceSpans ?? [];
      }
      for (const rs of resourceSpans) {
        for (const ss of rs.scopeSpans ?? []) {
          const scope = ss.scope?.name ?? '(none)';
          const spans = ss.spans ?? [];
          out.scopes[scope] = (out.scopes[scope] ?? 0) + spans.length;
          out.spans += spans.length;
          for (const s of spans) {
            const kind = typeof s.kind === 'string' ? (s.kind === 'SPAN_KIND_SERVER' ? SERVER_KIND : -1) : s.kind;
            if (kind === SERVER_KIND) out.serverSpans++;
            out.spanNames[s.name] = (out.spanNames[s.name] ?? 0) + 1;
          }
        }
      }
    } catch (err) {
      out.decodeErrors++;
      out.firstDecodeError ??= `${b.path} ${b.contentType}: ${err.message}`;
    }
  }
  // Keep the name table short: the top 10.
  out.spanNames = Object.fromEntries(Object.entries(out.spanNames).sort((a, b) => b[1] - a[1]).slice(0, 10));
  return out;
}

// Stand-alone mode.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const i = process.argv.indexOf('--port');
  const port = i > 0 ? Number(process.argv[i + 1]) : 0;
  const sink = await startSink({ port });
  process.stdout.write(`LISTENING ${sink.port}\n`);
  const finish = async () => {
    const s = sink.stats();
    const c = countSpans(sink.take());
    console.log(JSON.stringify({ requests: s.requests, bytes: s.bytes, byPath: s.byPath, ...c }, null, 2));
    await sink.close();
    process.exit(0);
  };
  process.on('SIGINT', finish);
  process.on('SIGTERM', finish);
}

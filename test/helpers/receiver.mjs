// A fake OTLP/HTTP intake for integration tests: records every request, decodes trace exports, and answers with a
// status the test controls.
//
//   const receiver = await startReceiver();
//   spawn app with OTEL_EXPORTER_OTLP_ENDPOINT=receiver.url
//   const [span] = await receiver.waitForSpans((s) => s.name === 'GET /users/:id');
//   await receiver.close();
import http from 'node:http';
import zlib from 'node:zlib';
import { decodeTraceRequest, flattenSpans } from './otlp-decode.mjs';

/**
 * @param {object} [options]
 * @param {number | ((request: object) => number)} [options.status] reply status (default 200); a function gets the
 *   recorded request ({ method, url, path, headers, body, traces, index }) and decides per request
 * @param {number} [options.delayMs] wait this long before replying
 * @param {Record<string, string> | ((request: object) => Record<string, string>)} [options.headers] extra reply headers
 */
export async function startReceiver(options = {}) {
  let status = options.status ?? 200;
  let delayMs = options.delayMs ?? 0;
  const headers = options.headers ?? {};
  const requests = [];
  const timers = new Set();

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const record = recordRequest(req, Buffer.concat(chunks), requests.length);
      requests.push(record);
      // An undecodable export gets 400, as from a collector, so encoding bugs surface in the exporter too.
      const code = record.decodeError ? 400 : typeof status === 'function' ? status(record) : status;
      record.status = code;
      const reply = () => {
        record.respondedAt = Date.now();
        const protobuf = /protobuf/.test(record.headers['content-type'] ?? '');
        const extra = typeof headers === 'function' ? headers(record) : headers;
        res.writeHead(code, { 'content-type': protobuf ? 'application/x-protobuf' : 'application/json', ...extra });
        res.end(protobuf ? undefined : '{}');
      };
      if (delayMs > 0) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          reply();
        }, delayMs);
        timers.add(timer);
      } else reply();
    });
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const url = `http://127.0.0.1:${server.address().port}`;

  /** Spans of every trace export answered with 2xx (what a backend would have kept), in arrival order. */
  function spans() {
    return requests.filter((r) => r.traces && r.status >= 200 && r.status < 300).flatMap((r) => flattenSpans(r.traces));
  }

  /**
   * Resolves once the accepted spans satisfy `what`, polling every 10 ms:
   * - a number n: at least n spans; resolves with all spans;
   * - a predicate: at least one span matches; resolves with the matching spans;
   * - { where, count }: at least `count` spans match `where`; resolves with the matching spans.
   */
  function waitForSpans(what, timeoutMs = 5000) {
    const where = typeof what === 'function' ? what : typeof what === 'object' ? what.where ?? (() => true) : () => true;
    const count = typeof what === 'number' ? what : typeof what === 'object' ? what.count ?? 1 : 1;
    const deadline = Date.now() + timeoutMs;
    return new Promise((resolve, reject) => {
      const poll = () => {
        const matching = spans().filter(where);
        if (matching.length >= count) return resolve(matching);
        if (Date.now() >= deadline) return reject(new Error(timeoutMessage(what, count, timeoutMs)));
        setTimeout(poll, 10);
      };
      poll();
    });
  }

  function timeoutMessage(what, count, timeoutMs) {
    const wanted = typeof what === 'number' ? `${count} spans` : `${count} span(s) matching ${describe(what)}`;
    const lines = [`waitForSpans: no ${wanted} within ${timeoutMs} ms.`, `Requests received: ${requests.length}`];
    for (const r of requests) {
      const spanCount = r.traces ? flattenSpans(r.traces).length : 0;
      lines.push(
        `  ${r.method} ${r.url} → ${r.status} (${r.headers['content-type'] ?? 'no content-type'}, ${r.body.length} bytes` +
          (r.traces ? `, ${spanCount} spans` : '') +
          (r.decodeError ? `, decode error: ${r.decodeError.message}` : '') +
          ')',
      );
    }
    const accepted = spans();
    lines.push(`Accepted spans: ${accepted.length}`);
    for (const s of accepted.slice(0, 50)) {
      lines.push(
        `  ${JSON.stringify(s.name)} kind=${s.kind} trace=${s.traceId} span=${s.spanId} parent=${s.parentSpanId || '-'}` +
          ` scope=${s.scope.name} attributes=${JSON.stringify(s.attributes, (_, v) => (typeof v === 'bigint' ? String(v) : v))}`,
      );
    }
    if (accepted.length > 50) lines.push(`  … and ${accepted.length - 50} more`);
    return lines.join('\n');
  }

  return {
    url,
    tracesUrl: `${url}/v1/traces`,
    requests,
    spans,
    waitForSpans,
    setStatus(next) {
      status = next;
    },
    setDelay(ms) {
      delayMs = ms;
    },
    /** Forgets the requests recorded so far. */
    clear() {
      requests.length = 0;
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function recordRequest(req, rawBody, index) {
  const path = new URL(req.url, 'http://receiver').pathname;
  const record = {
    index,
    method: req.method,
    url: req.url,
    path,
    headers: req.headers,
    rawBody,
    body: rawBody,
    traces: undefined,
    decodeError: undefined,
    status: undefined,
    receivedAt: Date.now(),
    respondedAt: undefined,
  };
  try {
    const encoding = (req.headers['content-encoding'] ?? '').toLowerCase();
    if (encoding === 'gzip') record.body = zlib.gunzipSync(rawBody);
    else if (encoding === 'deflate') record.body = zlib.inflateSync(rawBody);
    if (path.endsWith('/v1/traces')) {
      record.traces = decodeTraceRequest(record.body, req.headers['content-type'] ?? 'application/x-protobuf');
    }
  } catch (error) {
    record.decodeError = error;
  }
  return record;
}

function describe(what) {
  if (typeof what === 'function') return what.toString();
  if (typeof what === 'object' && what !== null && typeof what.where === 'function') return what.where.toString();
  return String(what);
}

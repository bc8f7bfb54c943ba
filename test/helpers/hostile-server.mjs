// A misbehaving backend for the fault-injection tests: every request is recorded, and the test decides per request
// how it is (mis)answered. Canned behaviours cover what real broken servers do: trickle, silence, huge bodies, gzip
// bombs, HTML error pages.
//
//   const server = await startHostileServer((req, res, record) => behaviours.trickle(res));
//   app env: TRACEKIT_ENDPOINT=server.url
//   await server.waitFor(() => server.requests.length >= 2, 'a second export');
import http from 'node:http';
import zlib from 'node:zlib';
import { decodeTraceRequest, flattenSpans } from './otlp-decode.mjs';

/**
 * @param {(req: http.IncomingMessage, res: http.ServerResponse, record: object) => void} answer called once the
 *   request body has arrived; `record` is { index, method, path, headers, body, at, spans }
 */
export async function startHostileServer(answer) {
  const requests = [];
  const timers = new Set();
  let handler = answer;
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = new URL(req.url, 'http://x').pathname;
      const record = { index: requests.length, method: req.method, url: req.url, path, headers: req.headers, body, at: Date.now(), spans: [] };
      if (path.endsWith('/v1/traces')) {
        try {
          record.spans = flattenSpans(decodeTraceRequest(body, req.headers['content-type'] ?? 'application/x-protobuf'));
        } catch {
          record.spans = [];
        }
      }
      requests.push(record);
      try {
        handler(req, res, record, server);
      } catch (error) {
        res.destroy(error);
      }
    });
  });
  server.timers = timers;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    requests,
    port: server.address().port,
    setAnswer(next) {
      handler = next;
    },
    /** Every span received so far, whatever the answer was. */
    spans: () => requests.flatMap((r) => r.spans),
    async waitFor(predicate, what = 'a condition', timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline) {
          throw new Error(`hostile server: timed out waiting for ${what}; ${requests.length} requests: ` +
            requests.map((r) => `${r.method} ${r.url} @${r.at}`).join(', '));
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    async close() {
      for (const timer of timers) clearInterval(timer);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
    server,
  };
}

export const behaviours = {
  /** Headers at once, then one byte of body every `everyMs` for ever (until the client gives up). */
  trickle(res, server, { status = 200, everyMs = 200, contentType = 'application/json' } = {}) {
    res.writeHead(status, { 'content-type': contentType });
    const timer = setInterval(() => {
      if (res.destroyed) {
        clearInterval(timer);
        return;
      }
      res.write(' ');
    }, everyMs);
    server.timers.add(timer);
    res.on('close', () => clearInterval(timer));
  },
  /** Accepts the request and never answers. */
  silent() {},
  status(res, status, headers = {}, body = '{}') {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(body);
  },
  /** `bytes` of body (default 10 MB) in 64 KiB chunks. */
  huge(res, { bytes = 10 * 1024 * 1024, status = 200, contentType = 'application/json' } = {}) {
    res.writeHead(status, { 'content-type': contentType });
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let left = bytes;
    const pump = () => {
      while (left > 0) {
        left -= chunk.length;
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    res.on('error', () => undefined);
    pump();
  },
  /** A small gzip body that inflates to `inflated` bytes (default 1 GiB of zeros), labelled Content-Encoding: gzip. */
  gzipBomb(res, { status = 200 } = {}) {
    res.writeHead(status, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    res.on('error', () => undefined);
    res.end(gzipBombBody());
  },
  html(res, status = 200) {
    res.writeHead(status, { 'content-type': 'text/html' });
    res.end('<!doctype html><html><body><h1>502 Bad Gateway</h1></body></html>');
  },
};

let bomb;
function gzipBombBody() {
  // 64 MiB of zeros compresses to ~64 KiB: enough to prove nothing inflates it, small enough to build fast.
  bomb ??= zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
  return bomb;
}

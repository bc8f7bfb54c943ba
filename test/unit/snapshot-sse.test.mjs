// The code-monitoring event stream: SSE framing against a local server, failures, and the origin check of
// sse_endpoint. node --import tsx --test test/unit/snapshot-sse.test.mjs
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { SSE_SILENCE_MS, SseConnection, resolveSseUrl } from '../../agent/snapshots/sse.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A server whose every request is answered by the current `answer(req, res)`. */
let server;
let baseUrl;
let answer;
const requests = [];

before(async () => {
  server = http.createServer((req, res) => {
    requests.push({ method: req.method, url: req.url, headers: req.headers });
    answer(req, res);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${server.address().port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** Streams `chunks` (strings or Buffers) with a pause between them, then either ends or keeps the stream open. */
function streaming(chunks, { end = true, headers = { 'content-type': 'text/event-stream' }, status = 200, gapMs = 5 } = {}) {
  return async (_req, res) => {
    res.writeHead(status, headers);
    for (const chunk of chunks) {
      if (res.destroyed) return;
      res.write(chunk);
      await sleep(gapMs);
    }
    if (end) res.end();
  };
}

/** Opens a connection and collects what the handlers saw until the first failure (or `untilEvents` events). */
function connect({ path = '/stream', headers = { 'X-API-Key': 'k' }, silenceMs, untilEvents, timeoutMs = 5000 } = {}) {
  const seen = { opens: 0, events: [], failures: [], connection: undefined };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out: ${JSON.stringify(seen)}`)), timeoutMs);
    const done = () => {
      clearTimeout(timer);
      resolve(seen);
    };
    const connection = new SseConnection(new URL(path, baseUrl), headers, {
      onOpen: () => { seen.opens++; },
      onEvent: (event, data) => {
        seen.events.push([event, data]);
        if (untilEvents !== undefined && seen.events.length >= untilEvents) {
          connection.close();
          done();
        }
      },
      onFailure: (reason) => {
        seen.failures.push(reason);
        // Give a second (wrong) call the chance to show up.
        setTimeout(done, 30);
      },
    }, silenceMs);
    seen.connection = connection;
    connection.start();
  });
}

describe('framing', () => {
  test('request: GET with Accept: text/event-stream and the given headers', async () => {
    answer = streaming(['event: a\ndata: 1\n\n']);
    const before = requests.length;
    const seen = await connect({ headers: { 'X-API-Key': 'secret-key' } });
    const request = requests[before];
    assert.equal(request.method, 'GET');
    assert.equal(request.url, '/stream');
    assert.equal(request.headers.accept, 'text/event-stream');
    assert.equal(request.headers['x-api-key'], 'secret-key');
    assert.equal(request.headers['cache-control'], 'no-cache');
    assert.equal(seen.opens, 1);
    assert.deepEqual(seen.events, [['a', '1']]);
    assert.deepEqual(seen.failures, ['stream ended']);
  });

  test('multi-line data is joined with \\n; the event name resets to "message"; data-less events are not dispatched', async () => {
    answer = streaming([
      'event: init\ndata: {"a":\ndata: 1,\ndata:"b":2}\n\n',
      'data: plain\n\n',
      'event: empty\n\n',
      'event: blank-data\ndata\n\n',
      'data:no-space\ndata:  two spaces\n\n',
      'id: 7\nretry: 1000\nunknown: x\nevent: fields\ndata: ok\n\n',
    ]);
    const seen = await connect();
    assert.deepEqual(seen.events, [
      ['init', '{"a":\n1,\n"b":2}'],
      ['message', 'plain'],
      ['blank-data', ''],
      ['message', 'no-space\n two spaces'],
      ['fields', 'ok'],
    ]);
  });

  test('CRLF and CR line endings', async () => {
    answer = streaming(['event: crlf\r\ndata: one\r\ndata: two\r\n\r\n', 'event: cr\rdata: three\r\r', 'event: mixed\r\ndata: four\n\r\n']);
    const seen = await connect();
    assert.deepEqual(seen.events, [['crlf', 'one\ntwo'], ['cr', 'three'], ['mixed', 'four']]);
  });

  test('comments are ignored, also between the lines of an event', async () => {
    answer = streaming([': connected\n\n', ':heartbeat\n', 'event: x\n: inside\ndata: 1\n: again\n\n', ':\n\n']);
    const seen = await connect();
    assert.deepEqual(seen.events, [['x', '1']]);
  });

  test('an event split across chunks at every position, \\r\\n split between chunks, a UTF-8 character split', async () => {
    const text = 'event: breakpoint_created\r\ndata: {"id":"€1","label":"naïve"}\r\n\r\nevent: second\ndata: x\n\n';
    answer = streaming([...text], { gapMs: 1 });
    const one = await connect();
    assert.deepEqual(one.events, [['breakpoint_created', '{"id":"€1","label":"naïve"}'], ['second', 'x']]);
    // Byte by byte: the € (3 bytes) and ï (2 bytes) arrive in pieces.
    answer = streaming([...Buffer.from(text)].map((byte) => Buffer.from([byte])), { gapMs: 1 });
    const bytes = await connect();
    assert.deepEqual(bytes.events, one.events);
  });

  test('an unfinished event at the end of the stream is not dispatched', async () => {
    answer = streaming(['event: done\ndata: 1\n\n', 'event: cut\ndata: 2\n']);
    const seen = await connect();
    assert.deepEqual(seen.events, [['done', '1']]);
    assert.deepEqual(seen.failures, ['stream ended']);
  });

  test('a leading byte order mark is ignored (SSE spec)', {
  }, async () => {
    answer = streaming(['\uFEFFevent: init\ndata: 1\n\n']);
    const seen = await connect();
    assert.deepEqual(seen.events, [['init', '1']]);
  });

  test('content type with parameters is accepted', async () => {
    answer = streaming(['data: 1\n\n'], { headers: { 'content-type': 'text/event-stream; charset=utf-8' } });
    const seen = await connect();
    assert.deepEqual(seen.events, [['message', '1']]);
  });
});

describe('failures: reported once, then nothing', () => {
  test('non-200', async () => {
    for (const status of [201, 204, 301, 401, 404, 500, 503]) {
      answer = (_req, res) => res.writeHead(status, { 'content-type': 'text/event-stream' }).end(status === 204 ? undefined : 'data: 1\n\n');
      const seen = await connect();
      assert.deepEqual(seen.failures, [`HTTP ${status}`]);
      assert.equal(seen.opens, 0);
      assert.deepEqual(seen.events, []);
    }
  });

  test('wrong or missing content type', async () => {
    for (const type of ['text/plain', 'application/json', 'text/html', 'text/event-streamx', undefined]) {
      answer = (_req, res) => res.writeHead(200, type === undefined ? {} : { 'content-type': type }).end('event: init\ndata: {}\n\n');
      const seen = await connect();
      assert.equal(seen.failures.length, 1, String(type));
      assert.match(seen.failures[0], /content type/);
      assert.deepEqual(seen.events, [], 'nothing of the body is parsed');
    }
  });

  test('connection refused', async () => {
    const closed = http.createServer();
    await new Promise((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = closed.address().port;
    await new Promise((resolve) => closed.close(resolve));
    const seen = { failures: [] };
    await new Promise((resolve) => {
      new SseConnection(new URL(`http://127.0.0.1:${port}/x`), {}, {
        onOpen() {},
        onEvent() {},
        onFailure: (reason) => { seen.failures.push(reason); setTimeout(resolve, 30); },
      }).start();
    });
    assert.equal(seen.failures.length, 1);
    assert.match(seen.failures[0], /connection error|ECONNREFUSED/);
  });

  test('a drop mid-stream', async () => {
    answer = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: a\ndata: 1\n\nevent: b\ndata: 2');
      setTimeout(() => res.socket.destroy(), 20);
    };
    const seen = await connect();
    assert.deepEqual(seen.events, [['a', '1']]);
    assert.equal(seen.failures.length, 1);
  });

  test('silence longer than the window (90 s by default; shortened here)', async () => {
    assert.equal(SSE_SILENCE_MS, 90_000);
    answer = streaming(['data: 1\n\n'], { end: false });
    const started = Date.now();
    const seen = await connect({ silenceMs: 300 });
    const took = Date.now() - started;
    assert.deepEqual(seen.events, [['message', '1']]);
    assert.equal(seen.failures.length, 1);
    assert.match(seen.failures[0], /no data/);
    assert.ok(took >= 280 && took < 2000, `failed after ${took} ms`);
  });

  test('data and comments reset the silence timer', async () => {
    answer = streaming(Array.from({ length: 8 }, () => ': keep-alive\n'), { end: false, gapMs: 100 });
    const started = Date.now();
    const seen = await connect({ silenceMs: 300 });
    const took = Date.now() - started;
    assert.ok(took >= 700 + 250, `the stream lived ${took} ms: 8 comments 100 ms apart, then 300 ms of silence`);
    assert.match(seen.failures[0], /no data/);
  });

  test('silence before the response headers counts too', async () => {
    answer = () => {}; // never answers
    const seen = await connect({ silenceMs: 200 });
    assert.equal(seen.opens, 0);
    assert.match(seen.failures[0], /no data/);
  });

  test('an event larger than 1 MiB', async () => {
    const big = 'x'.repeat(64 * 1024);
    answer = streaming(['event: big\n', ...Array.from({ length: 20 }, () => `data: ${big}\n`), '\n'], { gapMs: 1 });
    const seen = await connect();
    assert.deepEqual(seen.events, []);
    assert.equal(seen.failures.length, 1);
    assert.match(seen.failures[0], /1 MiB/);
  });

  test('a line longer than 1 MiB without a newline', async () => {
    answer = streaming(['data: ', ...Array.from({ length: 20 }, () => 'y'.repeat(64 * 1024))], { gapMs: 1, end: false });
    const seen = await connect();
    assert.equal(seen.failures.length, 1);
    assert.match(seen.failures[0], /1 MiB/);
  });

  test('a handler that throws ends the stream as a failure, not an exception', async () => {
    answer = streaming(['data: 1\n\ndata: 2\n\n'], { end: false });
    const seen = { events: [], failures: [] };
    await new Promise((resolve) => {
      new SseConnection(new URL('/t', baseUrl), {}, {
        onOpen() {},
        onEvent: (event, data) => { seen.events.push(data); throw new Error('boom'); },
        onFailure: (reason) => { seen.failures.push(reason); setTimeout(resolve, 50); },
      }).start();
    });
    assert.deepEqual(seen.events, ['1']);
    assert.deepEqual(seen.failures, ['event handler failed: boom']);
  });

  test('close() ends it quietly: no failure, no further events', async () => {
    answer = streaming(['data: 1\n\n', 'data: 2\n\n', 'data: 3\n\n'], { gapMs: 50 });
    const seen = await connect({ untilEvents: 1 });
    await sleep(200);
    assert.deepEqual(seen.events, [['message', '1']]);
    assert.deepEqual(seen.failures, []);
  });
});

test('an open stream does not keep the process alive (socket and timer unref\'d)', async () => {
  answer = streaming(['data: 1\n\n'], { end: false });
  const script = `
    import { SseConnection } from './agent/snapshots/sse.ts';
    // Kept alive by this interval until the first event; after that only the open stream remains.
    const keep = setInterval(() => {}, 1000);
    new SseConnection(new URL(process.argv[1]), {}, {
      onOpen() { console.log('OPEN'); },
      onEvent(event, data) { console.log('EVENT', data); clearInterval(keep); },
      onFailure(reason) { console.log('FAILURE', reason); },
    }).start();
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, `${baseUrl}/unref`], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const [code, signal] = await new Promise((resolve) => child.on('exit', (c, s) => resolve([c, s])));
  clearTimeout(killer);
  assert.equal(signal, null, `the child had to be killed: ${out}`);
  assert.equal(code, 0, out);
  assert.match(out, /OPEN\nEVENT 1\n$/, 'exited with the stream open, without a failure');
});

describe('resolveSseUrl: a path on the base URL\'s origin, nothing else', () => {
  const base = 'http://127.0.0.1:8080';

  test('paths are accepted, keeping a base path and the query', () => {
    assert.equal(resolveSseUrl(base, '/sdk/snapshots/stream').url.href, 'http://127.0.0.1:8080/sdk/snapshots/stream');
    assert.equal(resolveSseUrl(base, '/sdk/stream?service=a&x=1').url.href, 'http://127.0.0.1:8080/sdk/stream?service=a&x=1');
    assert.equal(resolveSseUrl('https://api.example.com/tracekit', '/sdk/s').url.href, 'https://api.example.com/tracekit/sdk/s');
    assert.equal(resolveSseUrl('https://api.example.com/tracekit/', '/sdk/s').url.href, 'https://api.example.com/tracekit/sdk/s');
  });

  test('odd paths that stay on the origin are fine (the origin is what matters)', () => {
    for (const endpoint of ['/%2F%2Fevil.example/x', '/..//evil.example/x', '/./x', '/:9999/x', '/%5Cevil.example', '/x#frag']) {
      const resolved = resolveSseUrl(base, endpoint);
      if ('url' in resolved) assert.equal(resolved.url.origin, 'http://127.0.0.1:8080', endpoint);
    }
  });

  test('anything that could leave the origin is refused, with a reason', () => {
    const evil = [
      '//evil.example/x',
      '@evil.example/x',
      'https://evil.example/',
      'http://127.0.0.1:8080/same-origin-but-absolute',
      '/\\evil.example/x',
      '\\\\evil.example\\x',
      '\\/evil.example/x',
      '/ok\\..\\x',
      '/@evil.example/x',
      '/x@evil.example',
      '/\t/evil.example/x',
      '/\n/evil.example/x',
      '/\r/evil.example',
      ' /x',
      '/x y',
      '/\u0000x',
      '/\u007fx',
      'evil.example/x',
      'javascript:alert(1)',
      'file:///etc/passwd',
      '',
      '/'.padEnd(3000, 'x'),
    ];
    for (const endpoint of evil) {
      const resolved = resolveSseUrl(base, endpoint);
      assert.ok('refused' in resolved, `${JSON.stringify(endpoint)} must be refused, got ${resolved.url?.href}`);
      assert.equal(typeof resolved.refused, 'string');
    }
  });

  test('non-strings are refused', () => {
    for (const endpoint of [undefined, null, 42, {}, [], ['/x'], true, { toString: () => '/x' }]) {
      assert.ok('refused' in resolveSseUrl(base, endpoint), String(endpoint));
    }
  });

  test('an unusable base URL refuses rather than throws', () => {
    assert.ok('refused' in resolveSseUrl('not a url', '/x'));
  });
});

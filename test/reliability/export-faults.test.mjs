// Fault injection against the span exporter: a backend that trickles, stays silent, answers every kind of error,
// or sends a huge body. The app answers and exits exactly as without the agent; the exporter never stalls for good,
// never retries what it must not, and never storms a backend that asks it to wait.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { behaviours } from '../helpers/hostile-server.mjs';
import { app, baseline, envFor, get, hostile, sameAnswer, sameExit, until, warnings } from '../helpers/reliability.mjs';

const FAST_TIMEOUT = { OTEL_BSP_EXPORT_TIMEOUT: '1000' };

describe('a trickling or silent backend', { concurrency: true }, () => {
  test('a body trickled one byte at a time ends at the export deadline; later batches still go out', async (t) => {
    const server = await hostile(t, (req, res, record, http) => {
      if (record.index === 0) behaviours.trickle(res, http, { everyMs: 100 });
      else behaviours.status(res, 200);
    });
    const withAgent = await app(t, envFor(server, FAST_TIMEOUT));
    const without = await baseline(t);
    await sameAnswer(withAgent, without, '/spans?n=3&name=first');
    await server.waitFor(() => server.requests.length >= 1, 'the first export');
    await sameAnswer(withAgent, without, '/spans?n=3&name=second');
    await server.waitFor(() => server.spans().some((s) => s.name === 'second-0'), 'the second batch, after the trickle');
    await sameExit(withAgent, without);
  });

  test('a trickle before the status line is cut off by the same deadline', async (t) => {
    const server = await hostile(t, (req, res, record) => {
      if (record.index > 0) return behaviours.status(res, 200);
      // Raw bytes of a status line, one every 100 ms: the response never completes.
      const socket = res.socket;
      const text = 'HTTP/1.1 200 OK\r\nX-Slow: ' + 'a'.repeat(10_000);
      let i = 0;
      const timer = setInterval(() => (socket.destroyed ? clearInterval(timer) : socket.write(text[i++] ?? 'a')), 100);
      socket.on('close', () => clearInterval(timer));
    });
    const withAgent = await app(t, envFor(server, FAST_TIMEOUT));
    await get(withAgent, '/spans?n=2&name=first');
    await server.waitFor(() => server.requests.length >= 1, 'the first export');
    await get(withAgent, '/spans?n=2&name=second');
    await server.waitFor(() => server.spans().some((s) => s.name === 'second-0'), 'the second batch');
  });

  test('a silent backend: one request in flight at a time, the process exits within 2 s, the loss is reported', async (t) => {
    const server = await hostile(t, () => behaviours.silent());
    const withAgent = await app(t, envFor(server, { TRACEKIT_DEBUG: 'true' }));
    const without = await baseline(t);
    for (let i = 0; i < 5; i++) await sameAnswer(withAgent, without, `/spans?n=50&name=b${i}`);
    await server.waitFor(() => server.requests.length >= 1, 'the first export');
    // Spans keep ending while the first export hangs: they wait in the queue, no second socket is opened.
    for (let i = 0; i < 5; i++) await get(withAgent, `/spans?n=50&name=c${i}`);
    assert.equal(server.requests.length, 1, 'exports run one at a time');
    await sameExit(withAgent, without);
    assert.match(withAgent.stderr, /\d+ spans? (were |was )?(lost|not delivered)/, withAgent.stderr);
  });
});

describe('error answers: which are retried', { concurrency: true }, () => {
  for (const status of [400, 401, 403, 404, 500]) {
    test(`HTTP ${status} is final: one request per batch, no retry`, async (t) => {
      const server = await hostile(t, (req, res) => behaviours.status(res, status));
      const withAgent = await app(t, envFor(server));
      const without = await baseline(t);
      await sameAnswer(withAgent, without, '/spans?n=2&name=once');
      await server.waitFor(() => server.requests.length >= 1, 'the export');
      // A later batch is a new request; it proves the first one was not retried meanwhile (retries come first).
      await sameAnswer(withAgent, without, '/spans?n=2&name=later');
      await server.waitFor(() => server.spans().some((s) => s.name === 'later-0'), 'the next batch');
      assert.equal(server.requests.filter((r) => r.spans.some((s) => s.name === 'once-0')).length, 1);
      await sameExit(withAgent, without);
      assert.ok(warnings(withAgent).length >= 1, 'the failure is reported');
    });
  }

  for (const status of [429, 502, 503, 504]) {
    test(`HTTP ${status} is retried with backoff, then delivered once`, async (t) => {
      const server = await hostile(t, (req, res, record) => behaviours.status(res, record.index < 2 ? status : 200));
      const withAgent = await app(t, envFor(server));
      await get(withAgent, '/spans?n=2&name=retried');
      await server.waitFor(() => server.requests.length >= 3, 'two retries', 15_000);
      const [first, second, third] = server.requests;
      assert.ok(second.at - first.at >= 750, `first retry after ${second.at - first.at} ms (backoff starts at 1 s, ±20 %)`);
      assert.ok(third.at - second.at >= 1500, `second retry after ${third.at - second.at} ms (the backoff doubles)`);
      assert.equal(server.requests.filter((r) => r.spans.some((s) => s.name === 'retried-0')).length, 3);
      await get(withAgent, '/spans?n=1&name=after');
      await server.waitFor(() => server.spans().some((s) => s.name === 'after-0'), 'the next batch');
      assert.equal(server.requests.filter((r) => r.spans.some((s) => s.name === 'retried-0')).length, 3, 'no duplicate after success');
    });
  }

  for (const [label, retryAfter] of [['Retry-After: 0', () => '0'], ['a Retry-After date in the past', () => new Date(Date.now() - 60_000).toUTCString()]]) {
    test(`${label} does not start a retry storm: at least 1 s between attempts, and they stop at the export deadline`, async (t) => {
      const server = await hostile(t, (req, res) => behaviours.status(res, 503, { 'retry-after': retryAfter() }));
      const withAgent = await app(t, envFor(server, { OTEL_BSP_EXPORT_TIMEOUT: '4000' }));
      await get(withAgent, '/spans?n=2&name=storm');
      await server.waitFor(() => server.requests.length >= 2, 'a retry');
      // The export gives up within its 4 s deadline: attempts at ~0, 1, 3 s at most.
      await until(() => withAgent.stderr.includes('could not export'), 'the failure warning', 10_000);
      const attempts = server.requests.filter((r) => r.spans.some((s) => s.name === 'storm-0'));
      assert.ok(attempts.length <= 3, `${attempts.length} attempts within a 4 s deadline`);
      for (let i = 1; i < attempts.length; i++) {
        assert.ok(attempts[i].at - attempts[i - 1].at >= 950, `attempt ${i + 1} came ${attempts[i].at - attempts[i - 1].at} ms after the previous one`);
      }
    });
  }

  test('a Retry-After longer than the export deadline ends the export instead of holding it', async (t) => {
    const server = await hostile(t, (req, res, record) => behaviours.status(res, record.index === 0 ? 503 : 200, { 'retry-after': '3600' }));
    const withAgent = await app(t, envFor(server, { OTEL_BSP_EXPORT_TIMEOUT: '2000' }));
    await get(withAgent, '/spans?n=1&name=held');
    await server.waitFor(() => server.requests.length >= 1, 'the first export');
    await get(withAgent, '/spans?n=1&name=next');
    await server.waitFor(() => server.spans().some((s) => s.name === 'next-0'), 'the next batch');
  });
});

describe('oversized answers', { concurrency: true }, () => {
  const cases = [
    ['a 10 MB body', (res) => behaviours.huge(res)],
    ['a gzip bomb', (res) => behaviours.gzipBomb(res)],
    ['an HTML error page with status 200', (res) => behaviours.html(res)],
  ];
  for (const [label, answer] of cases) {
    test(`${label}: read up to a cap and dropped; exports go on`, async (t) => {
      const server = await hostile(t, (req, res) => answer(res));
      const withAgent = await app(t, envFor(server));
      const without = await baseline(t);
      for (let i = 0; i < 4; i++) {
        await sameAnswer(withAgent, without, `/spans?n=5&name=r${i}`);
        await server.waitFor(() => server.spans().some((s) => s.name === `r${i}-0`), `batch ${i}`);
      }
      await sameExit(withAgent, without);
    });
  }
});

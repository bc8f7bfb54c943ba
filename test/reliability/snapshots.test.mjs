// Code monitoring against a hostile backend: poll answers that are HTML, null, the wrong types, 10 MB or a trickle
// keep the last good breakpoints; an SSE stream that drops, goes silent, answers 204, 401 or HTML, or sends half an
// event falls back to polling and never applies the partial event; an SSE endpoint or redirect to another origin is
// refused and never gets the key; hostile variables stay within the payload limits and the app's objects are
// unchanged; tracekit.shutdown() waits for pending uploads within its 2 s budget.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeTraceKit } from '../helpers/fake-tracekit.mjs';
import { startHostileServer, behaviours } from '../helpers/hostile-server.mjs';
import { EXIT_BOUND_MS, KEY, app, baseline, envFor, get, sameAnswer, sameExit, until, warnings } from '../helpers/reliability.mjs';

const SSE_PATH = '/sdk/snapshots/stream';
const LABEL = 'hostile';

/**
 * The fixture under the agent with code monitoring on, its first capture done: the call site registered, the
 * breakpoint listed by a poll, one capture uploaded.
 */
async function armed(t, { env = {}, setup = () => {} } = {}) {
  const backend = await startFakeTraceKit();
  t.after(() => backend.close());
  backend.activateOnRegister = true;
  setup(backend);
  const withAgent = await app(t, envFor(backend, {
    TRACEKIT_SERVICE_NAME: 'monitored',
    TRACEKIT_CODE_MONITORING: 'true',
    TRACEKIT_CODE_MONITORING_POLL_INTERVAL_MS: '100',
    ...env,
  }));
  await captureOnce(withAgent, backend);
  return { backend, app: withAgent };
}

/** Calls the capturing route until one more capture arrives (a breakpoint captures at most once a second). */
async function captureOnce(target, backend, what = 'a capture') {
  const before = backend.captures.length;
  await until(async () => {
    await get(target, `/snapshot?label=${LABEL}`);
    return backend.captures.length > before;
  }, what, 10_000);
  return backend.captures.at(-1);
}

const pollsAfter = (backend, at) => backend.polls.filter((p) => p.at > at).length;

describe('hostile poll answers keep the last good breakpoints', { concurrency: true }, () => {
  const answers = [
    ['HTML', () => ({ status: 200, headers: { 'content-type': 'text/html' }, body: '<html><body>maintenance</body></html>' })],
    ['null', () => ({ status: 200, body: 'null' })],
    ['wrong types', () => ({ status: 200, body: JSON.stringify({ breakpoints: 'all of them', kill_switch: 'no' }) })],
    ['10 MB', () => ({ status: 200, body: `{"breakpoints":[${'{"id":"x"},'.repeat(1_000_000)}{"id":"y"}]}` })],
  ];
  for (const [label, answer] of answers) {
    test(`${label}: one warning, captures go on with the breakpoints of the last good poll`, async (t) => {
      const { backend, app: target } = await armed(t);
      const switchedAt = Date.now();
      backend.pollAnswer = answer;
      await backend.waitFor(() => pollsAfter(backend, switchedAt) >= 3, 5000, 'three hostile polls');
      await captureOnce(target, backend, 'a capture after the hostile polls');
      const lines = warnings(target).filter((l) => l.includes('breakpoint poll failed'));
      assert.equal(lines.length, 1, target.stderr);
      assert.match(lines[0], /keeping the last good breakpoints/);
    });
  }

  test('a trickled answer is cut at the request deadline; captures go on meanwhile, and polling resumes', async (t) => {
    const { backend, app: target } = await armed(t);
    let trickled;
    backend.pollAnswer = (record, res) => {
      if (trickled !== undefined) return undefined;
      trickled = backend.polls.length;
      behaviours.trickle(res, { timers: new Set() }, { everyMs: 200 });
      return null;
    };
    await backend.waitFor(() => trickled !== undefined, 5000, 'the trickled poll');
    await captureOnce(target, backend, 'a capture while the poll trickles');
    // The poll gives up at its 10 s deadline; the next one is a normal poll.
    await backend.waitFor(() => backend.polls.length > trickled, 15_000, 'a poll after the trickle');
  });
});

describe('SSE failures fall back to polling', { concurrency: true }, () => {
  async function streaming(t, sseAnswer, env = {}) {
    // Armed first (the breakpoint comes from a poll), then the next poll offers the stream.
    const session = await armed(t, { env });
    session.backend.sseAnswer = sseAnswer;
    session.backend.setSseEndpoint(SSE_PATH);
    await session.backend.waitFor(() => session.backend.sseRequests.length >= 1, 5000, 'the SSE request');
    return session;
  }

  for (const [label, answer, reason] of [
    ['204', (req, res) => { res.writeHead(204).end(); return true; }, /HTTP 204/],
    ['401', (req, res) => { res.writeHead(401).end(); return true; }, /HTTP 401/],
    ['HTML', (req, res) => { res.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>'); return true; }, /content type text\/html/],
  ]) {
    test(`an SSE answer of ${label}: one warning, polling goes on`, async (t) => {
      const { backend, app: target } = await streaming(t, answer);
      const at = Date.now();
      await backend.waitFor(() => pollsAfter(backend, at) >= 2, 5000, 'polls after the refused stream');
      await until(() => warnings(target).some((l) => reason.test(l) && l.includes('SSE stream lost')), 'the fallback warning');
      await captureOnce(target, backend);
    });
  }

  test('a stream that drops: polling resumes at once', async (t) => {
    const { backend } = await streaming(t, undefined);
    await backend.waitFor(() => backend.sseConnections >= 1, 5000, 'the stream');
    // While the stream is up, GET polls stop; the drop brings them back.
    const droppedAt = Date.now();
    backend.dropSse();
    await backend.waitFor(() => pollsAfter(backend, droppedAt) >= 1, 5000, 'a poll after the drop');
  });

  test('a stream that goes silent is dropped after the silence window; polling resumes', async (t) => {
    const { backend, app: target } = await streaming(t, undefined, { TRACEKIT_CODE_MONITORING_SSE_SILENCE_MS: '400' });
    await backend.waitFor(() => backend.sseConnections >= 1, 5000, 'the stream');
    const at = Date.now();
    await backend.waitFor(() => pollsAfter(backend, at) >= 1, 5000, 'a poll after the silence');
    await until(() => target.stderr.includes('no data for'), 'the silence warning');
  });

  test('a stream that trickles bytes without completing an event counts as silent', async (t) => {
    const { backend } = await streaming(t, undefined, { TRACEKIT_CODE_MONITORING_SSE_SILENCE_MS: '400' });
    await backend.waitFor(() => backend.sseConnections >= 1, 5000, 'the stream');
    const at = Date.now();
    const timer = setInterval(() => backend.sendRaw('x'), 50);
    t.after(() => clearInterval(timer));
    await backend.waitFor(() => pollsAfter(backend, at) >= 1, 5000, 'a poll after the trickled stream was dropped');
  });

  test('half an event, then a drop: the partial event is never applied', async (t) => {
    const { backend, app: target } = await streaming(t, undefined);
    await backend.waitFor(() => backend.sseConnections >= 1, 5000, 'the stream');
    const id = backend.breakpoints[0].id;
    // A deletion without its terminating blank line: it must not delete anything.
    backend.sendRaw(`event: breakpoint_deleted\ndata: {"id":"${id}"}\n`);
    backend.dropSse();
    // Polls answer 503 from now on: only the breakpoints the agent already holds can capture.
    backend.pollAnswer = () => ({ status: 503, body: '{}' });
    await captureOnce(target, backend, 'a capture by the breakpoint the partial event named');
  });
});

describe('other origins never get the key', { concurrency: true }, () => {
  test('an sse_endpoint on another origin is refused, with one warning', async (t) => {
    const evil = await startHostileServer((req, res) => behaviours.status(res, 200));
    t.after(() => evil.close());
    const { backend, app: target } = await armed(t, { setup: (b) => b.setSseEndpoint(`${evil.url}${SSE_PATH}`) });
    const at = Date.now();
    await backend.waitFor(() => pollsAfter(backend, at) >= 2, 5000, 'two more polls');
    assert.equal(evil.requests.length, 0);
    assert.equal(warnings(target).filter((l) => l.includes('refusing sse_endpoint')).length, 1, target.stderr);
  });

  test('a redirect to another origin (poll or SSE) is not followed', async (t) => {
    const evil = await startHostileServer((req, res) => behaviours.status(res, 200));
    t.after(() => evil.close());
    const { backend, app: target } = await armed(t, {
      setup: (b) => {
        b.setSseEndpoint(SSE_PATH);
        b.sseAnswer = (req, res) => { res.writeHead(302, { location: `${evil.url}${SSE_PATH}` }).end(); return true; };
      },
    });
    const at = Date.now();
    backend.pollAnswer = () => ({ status: 302, headers: { location: `${evil.url}/sdk/snapshots/active/monitored` }, body: '' });
    await backend.waitFor(() => pollsAfter(backend, at) >= 2, 5000, 'redirected polls');
    await captureOnce(target, backend);
    assert.equal(evil.requests.length, 0, 'a request followed the redirect');
    assert.ok(!target.stderr.includes(KEY));
  });
});

describe('captures and shutdown', { concurrency: true }, () => {
  test('hostile variables (cyclic, huge, deep, throwing getter and Proxy, BigInt, Symbol, Buffer): bounded payload, the app\'s objects unchanged', async (t) => {
    const { backend, app: target } = await armed(t);
    const without = await baseline(t);
    await sameAnswer(target, without, `/snapshot?label=${LABEL}`);
    const capture = backend.captures.at(-1);
    const size = Buffer.byteLength(JSON.stringify(capture.body));
    assert.ok(size <= 70 * 1024, `a capture of ${size} bytes (the payload cap is 64 KiB, plus the envelope)`);
    assert.equal(capture.body.breakpoint_id, backend.breakpoints[0].id);
    await sameExit(target, without);
  });

  /** A capture whose upload the backend answers after `delayMs`, then `tracekit.shutdown()` from the app. */
  async function shutdownDuringUpload(t, delayMs) {
    const { backend, app: target } = await armed(t);
    backend.captureDelayMs = delayMs;
    await until(() => Date.now() > backend.captures.at(-1).at + 1100, 'the per-breakpoint rate limit to pass', 5000);
    const before = backend.captures.length;
    await get(target, `/snapshot?label=${LABEL}`);
    await backend.waitFor(() => backend.captures.length > before, 5000, 'the upload to start');
    const shut = await get(target, '/shutdown');
    return { upload: backend.captures[before], shutAt: Date.now(), took: Number(/^SHUT (\d+)$/.exec(shut.body)?.[1]) };
  }

  test('tracekit.shutdown() waits for a pending snapshot upload', async (t) => {
    const { upload, shutAt, took } = await shutdownDuringUpload(t, 500);
    assert.ok(Number.isFinite(took), 'shutdown resolved');
    assert.ok(upload.answeredAt !== undefined && upload.answeredAt <= shutAt, 'shutdown resolved before the upload was answered');
  });

  test('tracekit.shutdown() against a capture endpoint that never answers resolves within the 2 s budget', async (t) => {
    const { took } = await shutdownDuringUpload(t, 60_000);
    assert.ok(took >= 1500 && took < EXIT_BOUND_MS, `shutdown took ${took} ms (budget 2 s)`);
  });
});

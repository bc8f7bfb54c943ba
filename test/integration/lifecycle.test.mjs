// How a process ends with the agent preloaded, compared with the same script or server without it: exit codes,
// signals and uncaught exceptions are unchanged, spans are flushed on the way out, a dead or hanging backend never
// holds the process, retries follow the OTLP rules, the agent never traces its own exports, and loading it twice or
// switching it off changes nothing.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { startReceiver } from '../helpers/receiver.mjs';
import { agentEnv, closedPort, cleanEnv, request, startApp, stopApp } from '../helpers/app.mjs';
import { startUpstreams } from '../fixtures/upstream.mjs';

const SCRIPT = 'test/fixtures/spans-then-exit.mjs';
const PLAIN_SERVER = 'test/fixtures/plain-server.mjs';
const HANDLER_SERVER = 'test/fixtures/sigterm-handler-server.mjs';
/** Spans then only leave the process through a shutdown flush, never through the periodic export. */
const NO_PERIODIC_EXPORT = { OTEL_BSP_SCHEDULE_DELAY: '60000' };
const SERVER = 2;

/**
 * Runs a script to its end: { code, signal, stdout, stderr, ms (spawn → exit), exitedAt }. Like runScript from the
 * helpers, plus `exitedAt` (the moment of 'exit', not of the output closing) for the "how long after DONE" checks.
 */
async function run(fixture, options = {}) {
  const started = Date.now();
  const app = await startApp(fixture, { ...options, waitForPort: false });
  const closed = once(app.child, 'close');
  const timer = setTimeout(() => app.child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  const { code, signal } = await app.exit;
  const exitedAt = Date.now();
  await closed;
  clearTimeout(timer);
  return { code, signal, stdout: app.stdout, stderr: app.stderr, ms: exitedAt - started, exitedAt };
}

/** Epoch ms of the fixture's `DONE <ms>` line. */
function doneAt(result) {
  const match = /DONE (\d+)/.exec(result.stdout);
  assert.ok(match, `no DONE line in stdout: ${result.stdout}\nstderr: ${result.stderr}`);
  return Number(match[1]);
}

/** Starts a server fixture and makes sure it is gone after the test, whatever happens. */
async function serve(t, fixture, options) {
  const app = await startApp(fixture, options);
  t.after(() => stopApp(app, 'SIGKILL'));
  return app;
}

async function receiverFor(t, options) {
  const receiver = await startReceiver(options);
  t.after(() => receiver.close());
  return receiver;
}

const names = (spans) => spans.map((s) => s.name).sort();
const spanNames = (mode, batch, count = 3) => Array.from({ length: count }, (_, i) => `${mode}-${batch}-${i}`);

describe('natural exit, exit codes and process.exit()', () => {
  test('a script whose event loop drains exits 0, its spans are flushed at beforeExit, and it is not noticeably slower', async (t) => {
    const receiver = await receiverFor(t);
    const without = await run(SCRIPT, { args: ['natural'], env: cleanEnv(), preload: false });
    const withAgent = await run(SCRIPT, { args: ['natural'], env: agentEnv(receiver, NO_PERIODIC_EXPORT) });
    assert.equal(without.code, 0, without.stderr);
    assert.equal(withAgent.code, 0, withAgent.stderr);
    assert.equal(withAgent.signal, null);
    assert.equal(withAgent.stderr, '');
    const spans = await receiver.waitForSpans({ where: (s) => s.name.startsWith('natural-'), count: 3 });
    assert.deepStrictEqual(names(spans), spanNames('natural', 1));
    assert.ok(withAgent.ms - without.ms < 3000, `with agent ${withAgent.ms} ms, without ${without.ms} ms`);
  });

  test('process.exitCode = 3 is preserved and the spans are flushed', async (t) => {
    const receiver = await receiverFor(t);
    const without = await run(SCRIPT, { args: ['exit-code'], env: cleanEnv(), preload: false });
    const withAgent = await run(SCRIPT, { args: ['exit-code'], env: agentEnv(receiver, NO_PERIODIC_EXPORT) });
    assert.equal(without.code, 3);
    assert.equal(withAgent.code, 3, withAgent.stderr);
    const spans = await receiver.waitForSpans({ where: (s) => s.name.startsWith('exit-code-'), count: 3 });
    assert.deepStrictEqual(names(spans), spanNames('exit-code', 1));
    assert.ok(withAgent.ms - without.ms < 3000, `with agent ${withAgent.ms} ms, without ${without.ms} ms`);
  });

  test('process.exit(7) keeps its code and the spans created just before it are delivered (exit flush)', async (t) => {
    const receiver = await receiverFor(t);
    const without = await run(SCRIPT, { args: ['exit'], env: cleanEnv(), preload: false });
    const withAgent = await run(SCRIPT, { args: ['exit'], env: agentEnv(receiver, NO_PERIODIC_EXPORT) });
    assert.equal(without.code, 7);
    assert.equal(withAgent.code, 7, withAgent.stderr);
    assert.equal(withAgent.stderr, '');
    // The exit flush is synchronous: the spans are at the receiver by the time the process is gone.
    const spans = await receiver.waitForSpans({ where: (s) => s.name.startsWith('exit-1-'), count: 3 }, 2000);
    assert.deepStrictEqual(names(spans), spanNames('exit', 1));
    assert.ok(withAgent.exitedAt - doneAt(withAgent) < 2500, `exited ${withAgent.exitedAt - doneAt(withAgent)} ms after process.exit()`);
  });

  test('process.exit() while an export is in flight: code kept, exit bounded, every span delivered', async (t) => {
    const receiver = await receiverFor(t);
    receiver.setDelay(1500); // the first batch's export hangs while the script calls process.exit(5)
    const result = await run(SCRIPT, { args: ['exit-during-export'], env: agentEnv(receiver) });
    assert.equal(result.code, 5, result.stderr);
    const sinceExit = result.exitedAt - doneAt(result);
    assert.ok(sinceExit < 2500, `process ended ${sinceExit} ms after process.exit()`);
    // At-least-once: the batch in flight may arrive twice; both batches must be there.
    const spans = await receiver.waitForSpans({ where: (s) => s.name.startsWith('exit-during-export-'), count: 6 });
    assert.deepStrictEqual([...new Set(names(spans))], [...spanNames('exit-during-export', 1), ...spanNames('exit-during-export', 2)]);
  });

  test('an uncaught exception exits 1 and prints the same error output as without the agent', async (t) => {
    const receiver = await receiverFor(t);
    const without = await run(SCRIPT, { args: ['throw'], env: cleanEnv(), preload: false });
    const withAgent = await run(SCRIPT, { args: ['throw'], env: agentEnv(receiver, NO_PERIODIC_EXPORT) });
    assert.equal(without.code, 1);
    assert.equal(withAgent.code, 1);
    assert.match(withAgent.stderr, /Error: lifecycle fixture boom\n {4}at /);
    assert.equal(withAgent.stderr, without.stderr);
    // The spans of a crashing process are not lost either.
    const spans = await receiver.waitForSpans({ where: (s) => s.name.startsWith('throw-'), count: 3 }, 2000);
    assert.deepStrictEqual(names(spans), spanNames('throw', 1));
  });
});

describe('signals', () => {
  for (const signal of ['SIGTERM', 'SIGINT']) {
    test(`${signal} to a server without a handler: it dies of ${signal} as without the agent, and earlier requests' spans are delivered`, async (t) => {
      const receiver = await receiverFor(t);
      const plain = await serve(t, PLAIN_SERVER, { preload: false, env: cleanEnv() });
      assert.equal((await request(`${plain.url}/before`)).status, 200);
      const withoutResult = await stopApp(plain, signal);
      assert.deepStrictEqual(withoutResult, { code: null, signal });

      const app = await serve(t, PLAIN_SERVER, { env: agentEnv(receiver, NO_PERIODIC_EXPORT) });
      assert.equal((await request(`${app.url}/first`)).status, 200);
      assert.equal((await request(`${app.url}/second?x=1`)).status, 200);
      const started = Date.now();
      const result = await stopApp(app, signal);
      assert.deepStrictEqual(result, { code: null, signal }, app.stderr);
      assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms to die`);
      const spans = await receiver.waitForSpans({ where: (s) => s.kind === SERVER, count: 2 }, 3000);
      assert.deepStrictEqual(spans.map((s) => s.attributes['url.path']).sort(), ['/first', '/second']);
      assert.equal(app.stderr, '');
    });
  }

  test('SIGTERM with an app handler: the handler runs and the app exits with its own code 0', async (t) => {
    const receiver = await receiverFor(t);
    const plain = await serve(t, HANDLER_SERVER, { preload: false, env: cleanEnv() });
    assert.deepStrictEqual(await stopApp(plain, 'SIGTERM'), { code: 0, signal: null });
    assert.match(plain.stdout, /APP SIGTERM HANDLER/);

    const app = await serve(t, HANDLER_SERVER, { env: agentEnv(receiver, NO_PERIODIC_EXPORT) });
    assert.equal((await request(`${app.url}/handled`)).status, 200);
    const result = await stopApp(app, 'SIGTERM');
    assert.deepStrictEqual(result, { code: 0, signal: null }, app.stderr);
    assert.equal(app.stdout.match(/APP SIGTERM HANDLER/g)?.length, 1);
    await receiver.waitForSpans((s) => s.attributes['url.path'] === '/handled', 3000);
  });
});

describe('an unreachable or hanging backend never holds the process', () => {
  /** Runs the script with `env` and checks its code and how long it outlived its own work. */
  async function assertPromptExit(env, mode, expectedCode) {
    const result = await run(SCRIPT, { args: [mode], env, timeoutMs: 40_000 });
    assert.equal(result.code, expectedCode, result.stderr);
    assert.equal(result.signal, null);
    const lingered = result.exitedAt - doneAt(result);
    assert.ok(lingered < 3000, `the process lived ${lingered} ms after its work was done (${mode})\nstderr: ${result.stderr}`);
    return result;
  }

  test('dead backend (closed port): work done, loop drains / process.exit() → prompt exit with the app\'s code', async () => {
    const env = agentEnv({ url: `http://127.0.0.1:${await closedPort()}` });
    await assertPromptExit(env, 'natural', 0);
    await assertPromptExit(env, 'exit-code', 3);
    await assertPromptExit(env, 'exit', 7);
    await assertPromptExit(env, 'exit-during-export', 5);
  });

  test('hanging backend (30 s reply delay): work done, loop drains / process.exit() → prompt exit with the app\'s code', async (t) => {
    const receiver = await receiverFor(t, { delayMs: 30_000 });
    const env = agentEnv(receiver);
    await assertPromptExit(env, 'natural', 0);
    await assertPromptExit(env, 'exit-code', 3);
    await assertPromptExit(env, 'exit', 7);
    await assertPromptExit(env, 'exit-during-export', 5);
  });

  test('dead backend while an export is already retrying when the loop drains → prompt exit', {
  }, async () => {
    const env = agentEnv({ url: `http://127.0.0.1:${await closedPort()}` });
    await assertPromptExit(env, 'exit-code-during-export', 4);
  });

  test('hanging backend while an export is already in flight when the loop drains → prompt exit', {
  }, async (t) => {
    const receiver = await receiverFor(t, { delayMs: 30_000 });
    await assertPromptExit(agentEnv(receiver), 'exit-code-during-export', 4);
  });
});

describe('retries', () => {
  test('503 then 200: the batch arrives on the retry (Retry-After honoured)', async (t) => {
    const receiver = await receiverFor(t, {
      status: (r) => (r.index === 0 ? 503 : 200),
      headers: (r) => (r.index === 0 ? { 'retry-after': '1' } : {}),
    });
    const app = await serve(t, PLAIN_SERVER, { env: agentEnv(receiver) });
    assert.equal((await request(`${app.url}/retried`)).status, 200);
    const [span] = await receiver.waitForSpans((s) => s.attributes['url.path'] === '/retried', 10_000);
    const traceRequests = receiver.requests.filter((r) => r.traces);
    assert.equal(traceRequests[0].status, 503);
    assert.equal(traceRequests[1].status, 200);
    assert.deepStrictEqual(traceRequests[1].rawBody, traceRequests[0].rawBody, 'the retry resends the same batch');
    assert.ok(traceRequests[1].receivedAt - traceRequests[0].receivedAt >= 900, 'Retry-After: 1 was not honoured');
    assert.equal(span.kind, SERVER);
  });

  test('400 is final: exactly one request for that batch', async (t) => {
    const receiver = await receiverFor(t, { status: 400 });
    const app = await serve(t, PLAIN_SERVER, { env: agentEnv(receiver) });
    assert.equal((await request(`${app.url}/rejected`)).status, 200);
    const deadline = Date.now() + 5000;
    while (receiver.requests.length === 0 && Date.now() < deadline) await sleep(20);
    assert.equal(receiver.requests.length, 1);
    await sleep(2500); // longer than the first backoff (1 s ± 20 %) and a second one
    assert.equal(receiver.requests.length, 1, 'a 400 was retried');
    assert.deepStrictEqual(await stopApp(app, 'SIGTERM'), { code: null, signal: 'SIGTERM' });
    assert.equal(receiver.requests.length, 1, 'the rejected batch was sent again at shutdown');
    assert.match(app.stderr, /\[tracekit\] warning: could not export 1 spans? .*HTTP 400/);
  });
});

test('the agent never traces its own export requests', async (t) => {
  const receiver = await receiverFor(t);
  const upstreams = await startUpstreams();
  t.after(() => upstreams.close());
  const app = await serve(t, PLAIN_SERVER, { env: agentEnv(receiver, { TRACEKIT_DEBUG: '1' }) });
  for (const via of ['http', 'fetch', 'get']) {
    const target = encodeURIComponent(`${upstreams.httpUrl}/up-${via}`);
    assert.equal((await request(`${app.url}/call?via=${via}&target=${target}`)).status, 200);
  }
  assert.equal((await request(`${app.url}/plain`)).status, 200);
  await receiver.waitForSpans({ count: 7 }); // 4 SERVER + 3 CLIENT
  await sleep(1500); // several export cycles of idle time
  const settled = receiver.spans().length;
  await sleep(1500);
  assert.equal(receiver.spans().length, settled, 'spans keep arriving while the app is idle');
  assert.equal(settled, 7);
  const mentionsExport = (value) => typeof value === 'string' && value.includes('/v1/traces');
  for (const span of receiver.spans()) {
    assert.ok(!mentionsExport(span.name), `span named ${span.name}`);
    for (const key of ['url.full', 'http.url', 'url.path', 'http.target']) {
      assert.ok(!mentionsExport(span.attributes[key]), `span ${span.name} has ${key}=${span.attributes[key]}`);
    }
  }
  // Export requests carry no traceparent either (they run with tracing suppressed).
  for (const r of receiver.requests) assert.equal(r.headers.traceparent, undefined);
});

test('TRACEKIT_ENABLED=false: nothing exported, nothing on stderr', async (t) => {
  const receiver = await receiverFor(t);
  const app = await serve(t, PLAIN_SERVER, { env: agentEnv(receiver, { TRACEKIT_ENABLED: 'false', TRACEKIT_DEBUG: '1' }) });
  assert.equal((await request(`${app.url}/off`)).status, 200);
  await sleep(500);
  assert.deepStrictEqual(await stopApp(app, 'SIGTERM'), { code: null, signal: 'SIGTERM' });
  assert.equal(receiver.requests.length, 0);
  assert.equal(app.stderr, '');

  const script = await run(SCRIPT, { args: ['exit'], env: agentEnv(receiver, { TRACEKIT_ENABLED: 'false' }) });
  assert.equal(script.code, 7);
  assert.equal(script.stderr, '');
  assert.equal(receiver.requests.length, 0);
});

describe('loaded twice: one span per request', () => {
  const variants = {
    '--import twice': ['--import', './register.mjs', '--import', './register.mjs'],
    '--import and -r': ['--import', './register.mjs', '-r', './register.cjs'],
    '-r and --import': ['-r', './register.cjs', '--import', './register.mjs'],
  };
  for (const [label, nodeArgs] of Object.entries(variants)) {
    test(label, async (t) => {
      const receiver = await receiverFor(t);
      const app = await serve(t, PLAIN_SERVER, { nodeArgs, env: agentEnv(receiver) });
      for (const path of ['/one', '/two', '/three']) assert.equal((await request(`${app.url}${path}`)).status, 200);
      await receiver.waitForSpans({ where: (s) => s.kind === SERVER, count: 3 });
      await sleep(500);
      // Only this test's paths: a port freed by a parallel test may still receive that test's Local UI probes.
      const ours = receiver.spans().filter((s) => ['/one', '/two', '/three'].includes(s.attributes['url.path']));
      const paths = ours.filter((s) => s.kind === SERVER).map((s) => s.attributes['url.path']).sort();
      assert.deepStrictEqual(paths, ['/one', '/three', '/two']);
      assert.equal(ours.length, 3);
      // The same module imported twice runs once; register.mjs and register.cjs together are a second load, said once.
      if (label === '--import twice') assert.equal(app.stderr, '');
      else assert.match(app.stderr, /^\[tracekit\] warning: @tracekit\/agent\/register was loaded twice \(check NODE_OPTIONS and the command line\); the second load does nothing\n$/);
    });
  }
});

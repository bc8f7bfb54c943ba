// How the process starts, runs and ends behind an unreachable or silent backend: no start-up delay, drops counted
// and reported at a bounded rate, flat memory, and the exit code and signal exactly those without the agent, within
// 2 s. Also: loaded twice or after another OpenTelemetry SDK, and hostile trace headers.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { behaviours } from '../helpers/hostile-server.mjs';
import { startFakeTraceKit } from '../helpers/fake-tracekit.mjs';
import { startReceiver } from '../helpers/receiver.mjs';
import { APP, EXIT_BOUND_MS, app, baseline, cleanEnv, closedPort, envFor, get, hostile, request, sameAnswer, sameExit, startApp, stopApp, until, warnings } from '../helpers/reliability.mjs';

const SCRIPT = 'test/fixtures/spans-then-exit.mjs';

/** Runs a script to its end: { code, signal, stdout, stderr, exitedAt, doneAt (its DONE line), ms to LISTENING-free exit }. */
async function runScript(args, env, preload = true) {
  const started = await startApp(SCRIPT, { env, args, preload, waitForPort: false });
  const timer = setTimeout(() => started.child.kill('SIGKILL'), 20_000);
  const { code, signal } = await started.exit;
  const exitedAt = Date.now();
  clearTimeout(timer);
  await started.outputDone;
  const done = /DONE (\d+)/.exec(started.stdout);
  return { code, signal, stdout: started.stdout, stderr: started.stderr, exitedAt, doneAt: done ? Number(done[1]) : undefined };
}

/** Milliseconds from spawn to the LISTENING line. */
async function timeToListen(t, env, preload) {
  const started = Date.now();
  const target = await app(t, env, { preload });
  return { target, ms: Date.now() - started };
}

describe('an unreachable endpoint', { concurrency: true }, () => {
  test('no start-up delay, the same answers, drops counted, one warning while running, the rest at exit', async (t) => {
    const port = await closedPort();
    const env = cleanEnv({ TRACEKIT_ENDPOINT: `http://127.0.0.1:${port}`, TRACEKIT_API_KEY: 'ctxio_unreachable_0123456789', OTEL_BSP_SCHEDULE_DELAY: '50', OTEL_BSP_EXPORT_TIMEOUT: '500' });
    const [withAgent, without] = await Promise.all([timeToListen(t, env, true), timeToListen(t, cleanEnv(), false)]);
    assert.ok(withAgent.ms - without.ms < 1000, `listening after ${withAgent.ms} ms with the agent, ${without.ms} ms without`);
    for (let i = 0; i < 6; i++) {
      await sameAnswer(withAgent.target, without.target, `/spans?n=5&name=u${i}`);
      await until(() => withAgent.target.stderr.includes('could not export'), 'the first warning');
    }
    // Six batches, each failed: one line at the first (the next report is a minute away), the rest counted at exit.
    // Each batch: the request's SERVER span and its 5 internal spans.
    assert.match(warnings(withAgent.target)[0], /could not export 6 spans to http:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED .* \(6 spans lost so far\)/);
    await sameExit(withAgent.target, without.target);
    assert.equal(warnings(withAgent.target).length, 2, withAgent.target.stderr);
    const atExit = warnings(withAgent.target).filter((l) => l.includes('at exit:'));
    assert.equal(atExit.length, 1, withAgent.target.stderr);
    assert.match(atExit[0], /at exit: 30 spans \(.*ECONNREFUSED.*\) were lost since the last report \(36 spans lost in all\)/);
  });

  test('a script that never listens exits naturally, with its code, within 2 s of its last work', async (t) => {
    const port = await closedPort();
    const env = cleanEnv({ TRACEKIT_ENDPOINT: `http://127.0.0.1:${port}`, TRACEKIT_API_KEY: 'ctxio_unreachable_0123456789' });
    const [withAgent, without] = await Promise.all([runScript(['exit-code'], env), runScript(['exit-code'], cleanEnv(), false)]);
    assert.deepEqual([withAgent.code, withAgent.signal], [without.code, without.signal]);
    assert.ok(withAgent.exitedAt - withAgent.doneAt < EXIT_BOUND_MS, `exited ${withAgent.exitedAt - withAgent.doneAt} ms after its work\n${withAgent.stderr}`);
    assert.match(withAgent.stderr, /3 spans/);
  });
});

describe('a silent endpoint', { concurrency: true }, () => {
  test('100,000 spans behind a backend that never answers: flat memory, then a prompt exit', async (t) => {
    const server = await hostile(t, () => behaviours.silent());
    const withAgent = await app(t, envFor(server), { nodeArgs: ['--expose-gc'] });
    const without = await baseline(t, { nodeArgs: ['--expose-gc'] });
    await get(withAgent, '/spans?n=100&name=warm');
    const before = JSON.parse((await get(withAgent, '/memory')).body).heapUsed;
    for (let i = 0; i < 20; i++) await sameAnswer(withAgent, without, `/spans?n=5000&name=m${i}`);
    const after = JSON.parse((await get(withAgent, '/memory')).body).heapUsed;
    const grown = (after - before) / 1024 / 1024;
    // The queue holds at most 2048 spans (a few MB); everything else is dropped and counted.
    assert.ok(grown < 20, `the heap grew by ${grown.toFixed(1)} MB`);
    assert.equal(server.requests.length, 1, 'one export in flight, no more');
    await sameExit(withAgent, without);
    assert.match(withAgent.stderr, /span queue full \(2048\)/);
  });

  for (const mode of ['natural', 'exit', 'exit-during-export', 'throw']) {
    test(`script mode ${mode}: the same exit code, within 2 s of its last work`, async (t) => {
      const server = await hostile(t, () => behaviours.silent());
      const [withAgent, without] = await Promise.all([runScript([mode], envFor(server)), runScript([mode], cleanEnv(), false)]);
      assert.deepEqual([withAgent.code, withAgent.signal], [without.code, without.signal], withAgent.stderr);
      assert.ok(withAgent.exitedAt - withAgent.doneAt < EXIT_BOUND_MS, `exited ${withAgent.exitedAt - withAgent.doneAt} ms after its work\n${withAgent.stderr}`);
    });
  }

  for (const signal of ['SIGTERM', 'SIGINT']) {
    for (const own of [false, true]) {
      test(`${signal} ${own ? 'with' : 'without'} the app's own handler: the same exit, within 2 s`, async (t) => {
        const server = await hostile(t, () => behaviours.silent());
        const args = own ? ['handle-signals'] : [];
        const withAgent = await app(t, envFor(server), { args });
        const without = await baseline(t, { args });
        await sameAnswer(withAgent, without, '/spans?n=10');
        await server.waitFor(() => server.requests.length >= 1, 'the hanging export');
        await sameAnswer(withAgent, without, '/spans?n=10&name=queued');
        await sameExit(withAgent, without, signal);
        if (own) assert.match(withAgent.stdout, new RegExp(`APP ${signal}`));
      });
    }
  }
});

describe('a burst against a slow receiver', () => {
  test('10,000 spans/s for 10 s: capped queue, drops reported once, event loop never blocked, bounded RSS', async (t) => {
    const receiver = await startReceiver({ delayMs: 500 });
    t.after(() => receiver.close());
    const withAgent = await app(t, envFor(receiver));
    const without = await baseline(t);
    const [a, b] = await Promise.all([get(withAgent, '/burst?rate=10000&seconds=10'), get(without, '/burst?rate=10000&seconds=10')]);
    const agent = JSON.parse(a.body);
    const plain = JSON.parse(b.body);
    assert.equal(agent.spans, 100_000);
    assert.ok(agent.p99Ms < 100, `event-loop delay p99 ${agent.p99Ms.toFixed(1)} ms (max ${agent.maxMs.toFixed(1)} ms)`);
    assert.ok(agent.maxRssMb < plain.maxRssMb + 60, `RSS ${agent.maxRssMb.toFixed(0)} MB, without the agent ${plain.maxRssMb.toFixed(0)} MB`);
    const queueLines = warnings(withAgent).filter((l) => l.includes('span queue full'));
    assert.equal(queueLines.length, 1, withAgent.stderr);
    assert.ok(receiver.spans().length > 0, 'spans still reach the slow receiver');
    await sameExit(withAgent, without);
  });
});

describe('loaded twice, or after another SDK', { concurrency: true }, () => {
  test('--import and -r: one warning, one span per operation', async (t) => {
    const receiver = await startReceiver();
    t.after(() => receiver.close());
    const started = await startApp(APP, { env: envFor(receiver), nodeArgs: ['--import', './register.mjs', '-r', './register.cjs'] });
    t.after(() => stopApp(started, 'SIGKILL'));
    await get(started, '/spans?n=3&name=twice');
    await receiver.waitForSpans({ where: (s) => s.name.startsWith('twice-'), count: 3 });
    await stopApp(started);
    assert.equal(receiver.spans().filter((s) => s.name.startsWith('twice-')).length, 3);
    assert.equal(warnings(started).length, 1, started.stderr);
    assert.match(warnings(started)[0], /loaded twice/);
  });

  test('after another OpenTelemetry SDK: one warning, that SDK keeps its spans, none are doubled', async (t) => {
    const receiver = await startReceiver();
    t.after(() => receiver.close());
    const env = envFor(receiver, { OTHER_SDK_URL: `${receiver.url}/v1/traces` });
    const started = await startApp(APP, { env, nodeArgs: ['--import', './test/fixtures/reliability/other-sdk.mjs', '--import', './register.mjs'] });
    t.after(() => stopApp(started, 'SIGKILL'));
    await get(started, '/spans?n=3&name=other');
    await receiver.waitForSpans({ where: (s) => s.name.startsWith('other-'), count: 3 });
    await stopApp(started);
    const spans = receiver.spans().filter((s) => s.name.startsWith('other-'));
    assert.equal(spans.length, 3, 'each span once');
    assert.ok(spans.every((s) => s.resource.attributes['telemetry.distro.name'] === undefined), 'they come from the other SDK');
    assert.equal(warnings(started).length, 1, started.stderr);
    assert.match(warnings(started)[0], /another OpenTelemetry SDK is already registered/);
  });
});

describe('hostile header values', { concurrency: true }, () => {
  // 10 KB of traceparent plus 4 KB of tracestate stays under Node's 16 KB header limit: the app itself accepts them.
  test('a malformed or 10 KB traceparent: the same answer, a fresh trace, no warning', async (t) => {
    const receiver = await startReceiver();
    t.after(() => receiver.close());
    const withAgent = await app(t, envFor(receiver));
    const values = ['garbage', `00-${'a'.repeat(10_000)}-00f067aa0ba902b7-01`, '00-00000000000000000000000000000000-00f067aa0ba902b7-01', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n'.trim()];
    for (const [i, traceparent] of values.entries()) {
      const response = await request(`${withAgent.url}/hp${i}`, { headers: { traceparent, tracestate: 'x'.repeat(4000) } });
      assert.equal(response.status, 200);
      assert.equal(response.body, 'ok');
    }
    const spans = await receiver.waitForSpans({ where: (s) => /^\/hp\d$/.test(s.attributes['url.path'] ?? ''), count: values.length });
    for (const span of spans) {
      assert.match(span.traceId, /^[0-9a-f]{32}$/);
      assert.notEqual(span.traceId, '4bf92f3577b34da6a3ce929d0e0e4736', 'an invalid version must not continue the trace');
      assert.equal(span.parentSpanId || '', '');
    }
    assert.equal(warnings(withAgent).length, 0, withAgent.stderr);
  });

  test('CR/LF in the service name never reaches a header or splits a request: polls keep working', async (t) => {
    const backend = await startFakeTraceKit();
    t.after(() => backend.close());
    const withAgent = await app(t, envFor(backend, { TRACEKIT_SERVICE_NAME: 'svc\r\nX-Injected: 1', TRACEKIT_CODE_MONITORING: 'true', TRACEKIT_CODE_MONITORING_POLL_INTERVAL_MS: '100' }));
    await backend.waitFor(() => backend.polls.length >= 2, 5000, 'two polls');
    for (const poll of backend.polls) assert.equal(poll.headers['x-injected'], undefined);
    assert.equal(backend.polls[0].service, 'svc\r\nX-Injected: 1');
    assert.doesNotMatch(withAgent.stderr, /breakpoint poll failed/);
  });
});

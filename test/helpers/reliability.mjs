// Shared steps of the fault-injection suite: a hostile server that is closed after the test, the fixture app with
// and without the agent, and the comparisons every case makes (same answers, same exit, nothing printed that
// should not be).
import assert from 'node:assert/strict';
import { startHostileServer } from './hostile-server.mjs';
import { agentEnv, cleanEnv, closedPort, request, startApp, stopApp } from './app.mjs';

export const APP = 'test/fixtures/reliability/app.mjs';
export const KEY = 'ctxio_reliability_key_0123456789';
/**
 * How long after the app's work (or a signal) the process may take to end: the agent's 2 s shutdown budget plus
 * process teardown, which takes hundreds of milliseconds on a loaded 2-core machine. A hang is far past it: an
 * export waits 10 s by default, a socket that keeps the loop alive waits for ever.
 */
export const EXIT_BOUND_MS = 3000;

export async function hostile(t, answer) {
  const server = await startHostileServer(answer);
  t.after(() => server.close());
  return server;
}

/** Env for the fixture against `server`, exporting every 50 ms. */
export function envFor(server, extra = {}) {
  return agentEnv(server, { TRACEKIT_API_KEY: KEY, ...extra });
}

export async function app(t, env, options = {}) {
  const preload = options.preload ?? true;
  const nodeArgs = [...(options.nodeArgs ?? []), ...(preload ? ['--import', './register.mjs'] : [])];
  const started = await startApp(options.fixture ?? APP, { env, args: options.args ?? [], nodeArgs });
  t.after(() => stopApp(started, 'SIGKILL'));
  return started;
}

/** The fixture without the agent: the reference for answers and exits. */
export async function baseline(t, options = {}) {
  return app(t, cleanEnv(), { ...options, preload: false });
}

export async function get(target, path) {
  return request(`${target.url}${path}`);
}

/** Both apps answer `path` the same way (status and body). */
export async function sameAnswer(withAgent, without, path) {
  const [a, b] = await Promise.all([get(withAgent, path), get(without, path)]);
  assert.equal(a.status, b.status, `${path}: status with the agent ${a.status}, without ${b.status}`);
  assert.equal(a.body, b.body, `${path}: body differs`);
  return a;
}

/** SIGTERM ends both the same way, and the agent's one within the 2 s budget (EXIT_BOUND_MS, a bound that catches a hang). */
export async function sameExit(withAgent, without, signal = 'SIGTERM') {
  const startedAt = Date.now();
  const [a, b] = await Promise.all([stopApp(withAgent, signal), stopApp(without, signal)]);
  const took = Date.now() - startedAt;
  assert.deepEqual(a, b, `exit with the agent ${JSON.stringify(a)}, without ${JSON.stringify(b)}\n${withAgent.stderr}`);
  assert.ok(took < EXIT_BOUND_MS, `the app took ${took} ms to exit after ${signal}\n${withAgent.stderr}`);
}

export function warnings(target) {
  return target.stderr.split('\n').filter((line) => line.startsWith('[tracekit] warning:'));
}

/** Waits until `predicate()` holds (polling every 20 ms), failing with `what` after `timeoutMs`. */
export async function until(predicate, what, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export { cleanEnv, closedPort, request, startApp, stopApp };
